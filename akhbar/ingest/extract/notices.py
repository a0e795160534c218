"""Boilerplate by its text: the lines news pages leave in the article whatever their markup.

"Read also" links (French "Lire aussi", Arabic "اقرأ أيضا"), share / follow invitations,
newsletter and paywall pitches, photo credits, copyright and advertiser notices, production
credits, writers' biographies and date lines, in French, Arabic and English. A block is judged
by its first words (short blocks only) or, for notices, by a phrase anywhere in it.
"""

from __future__ import annotations

import re

# A block starting with these words is a link to another article, a share / follow invitation,
# a newsletter box or a photo credit, whatever its markup.
_LEADS = re.compile(
    r"^\W*(?:"
    r"(?:à |a )?lire (?:aussi|également|egalement|encore|la suite)|voir aussi|à voir aussi|"
    r"sur le même sujet|lire plus|en savoir plus|"
    r"read (?:also|more|next)|also read|see also|related(?: articles?| stories| content| posts?)?\s*:|"
    r"more on this|recommended\s*(?::|for you|reading|stories|articles|$)|(?:first-time )?subscribers also (?:receive|get)|"
    r"اقرأ أيضا|اقرأ أيضاً|اقرأ ايضا|إقرأ أيضا|إقرأ أيضاً|اقرأ كذلك|اقرأ المزيد|طالع أيضا|"
    r"طالع أيضاً|شاهد أيضا|شاهد أيضاً|مواضيع ذات صلة|أخبار ذات صلة|"
    r"suivez[- ]nous|abonnez[- ]vous|inscrivez[- ]vous|partager|partagez|"
    r"follow us|follow (?:the )?@?[\w ]{2,30} on (?:twitter|facebook|instagram|snapchat|x|threads|youtube|tiktok)\b|sign up|subscribe|"
    r"\(more\s*:|also available on (?:apple podcasts|spotify|google podcasts)|read the original article on|"
    r"explore more$|don[’']?t miss(?: out)?\s*[:–—-]|for more [\w ,]{2,60}(?:news|coverage)\b[^.]{0,30}(?:visit|sign up|subscribe)|"
    r"thank you for (?:subscribing|signing up)|merci (?:pour|de) votre (?:inscription|abonnement)|"
    r"[\w ’']{0,40}delivered (?:right |straight )?(?:to your inbox|to your door|through your letterbox)|"
    r"this live blog (?:has ended|is closed)|ce direct est (?:désormais )?terminé|انتهت هذه التغطية|"
    r"شكرا لاشتراكك|شكراً لاشتراكك|"
    r"share this|share on|never miss|for the latest (?:stories|news)|download (?:the|our) [\w ]{0,20}app|"
    r"to (?:view|read) the full (?:story|article)|submit your letter|we want to hear|"
    r"image d'illustration|image illustrative|photo d'illustration|"
    r"تابعونا|تابعوا|اشترك|شارك|"
    r"(?:crédit|credit|photo|image|ph\.?)\s*(?:photo)?\s*:|©|\(c\)|"
    r"(?:ce site|this (?:site|website)) utilise|(?:nous utilisons|we use) (?:des )?cookies|"
    # paywall and subscription pitches
    r"pour (?:lire|voir|découvrir) la suite|pour accéder (?:en illimité|à (?:la suite|l'intégralité|cet article|tous))|"
    r"(?:vous êtes )?déjà abonné|cet article est réservé|la suite (?:de cet article )?est réservée|"
    r"if you(?:'re| are|’re) (?:seeing this|already a subscriber)|already a subscriber|"
    r"want (?:to (?:keep up|bookmark|read more)|more [\w ]{2,30}\?)|you(?:'re|’re| are) reading the [\w'’ ]{2,40}newsletter|"
    r"get (?:alerts|the latest updates|all the latest)|stay connected|discover special offers|don'?t miss\s*:|"
    r"join our [\w ]{2,30}(?:community|forums?)|support (?:our|independent) (?:newsroom|journalism)|"
    r"we cannot do this without|listen (?:to [\w ]{2,40} )?(?:on (?:spotify|apple podcasts)|live\b)|how to listen|"
    r"if you enjoyed this article|you may also like|follow [\w'’ ]{2,40} coverage|reach (?:the )?reporters?\b|"
    r"(?:more|more must-reads) from [\w ]{2,30}$|related videos?\s*:?$|advertisement$|publicité$|إعلان$|"
    r"advertise with|our standards\s*:|"
    # page furniture: a "don't miss" / "see more" header, a tags label, print and reprint
    # buttons, a comment counter, a form's messages, "Listen: <link>", a shortcode left as text
    r"see more\s*:|don[’']?t miss$|(?:tags|mots[- ]clés|étiquettes|الوسوم|وسوم|الكلمات المفتاحية)\s*(?::|$)|"
    r"order reprints$|print (?:this )?article$|imprimer (?:l'|l’|cet )article$|"
    r"(?:\d+\s+)?(?:comments?|commentaires?|تعليقات|التعليقات)$|tell us what you think|donnez votre avis|"
    r"like this (?:story|article)\?|also on [\w-]+\.(?:com|net|org|co\.uk)\b|"
    r"an error (?:has )?occurred|this article has been sent to|thank you\W*$|merci\W*$|"
    r"[\w ]{1,20}:\s*https?://\S+$|more [\w ]{1,30}:\s*https?://|"
    r"(?:https?://)?(?:www\.)?(?:twitter|x|instagram|facebook)\.com/[\w.]+/?$|\[\w+ \w+\s*=|(?:more|also)\s*:$|filed under\s*:|"
    r"most (?:read|popular|viewed)(?: in [\w ]{2,30})?$|source\s*:\s*[\w .,&-]{2,40}$|"
    r"(?:reading time|temps de lecture|tempo de leitura|مدة القراءة|وقت القراءة)\s*:?\s*\d|\d+\s*min(?:ute)?s? read$|"
    # credits and contact lines
    r"\[?image (?:via|credit)|source images? by|lead image\s*:|"
    r"[—–-]?\s*(?:contact (?:reporter )?|write to |e-?mail )[\w .'’-]{2,40} at \S+@|"
    # bare labels and sources: "Release Date:", "Category : Press Releases", "BVINEWS.COM"
    r"(?:release|news) date\s*:|categor(?:y|ie)\s*:|(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|info|ma|dz|tn|fr)\W*$"
    r")",
    re.IGNORECASE,
)
# A short block saying these anywhere is an advertiser disclosure, a subscription pitch, a
# copyright notice or a reporter's contact line.
_NOTICES = re.compile(
    r"all rights reserved|tous droits réservés|جميع الحقوق محفوظة|copyrighted property|"
    r"written permission[^.]{0,40}(?:reprint|reproduc|republish)|this material may not be (?:published|reproduced)|"
    r"(?:receive|earn) (?:a )?(?:compensation|commission) when you|references to products from|"
    r"already a subscriber|(?:can|may) be reached at \S+@|advertise with (?:us|the)\b|"
    r"for your personal,? non-commercial use only|(?:photos?|images?|pictures?)\s*(?:by\s*)?©",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"\W*(?:©|copyright\s*(?:©|\(c\)|\d{4}|[\w .,&'’-]{1,40}\d{4}))", re.IGNORECASE)
# A link to another article with its kind in capitals after it: "Plague fears grow [INSIGHT]".
_TAGGED_LINK = re.compile(r".{10,160}\s\[[A-Z]{3,12}\]\W*")
# A production credit at the end of a feature ("Photographer: Stephen Tayo", "Editor-in-Chief
# Versha Sharma"): a role, then a capitalised name.
_CREDIT = re.compile(
    r"(?i:(?:(?:senior|executive|associate|deputy|contributing|fashion|beauty|photo|video|social media|"
    r"art (?:&|and) design|creative|editorial)\s+)*(?:editor(?:-in-chief)?|director|designer|photographer|"
    r"stylist|producer|manager|retouching|retoucher|intern|hair|makeup|manicurist))\s*:?\s+"
    r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
)
CREDIT_MAX_CHARS = 80
# A writer's biography line at the foot of an article ("Jim Walsh is a senior reporter for the
# Courier-Post.", "Nadia Kaci est journaliste au Courrier de l'Est."): a name, then a role and
# the outlet (or the role alone, ending the sentence).
_BIO = re.compile(
    r"\W*(?:[A-Z][\w.'’-]+\s+){1,3}(?:is|was|has been|est)\s+(?:an?\s+|the\s+|une?\s+|la\s+|le\s+)?"
    r"(?:[\w-]+\s+){0,3}(?:writer|reporter|journalist|editor|correspondent|contributor|columnist|"
    r"journaliste|rédactrice|rédacteur|correspondante?|chroniqueuse|chroniqueur|pigiste)"
    r"(?:\s+(?:for|at|with|à|au|aux|pour|de|du)\s|\s*\.\s*$)"
)
# A copyright or disclosure notice may be longer than a "read also" line.
NOTICE_MAX_CHARS = 400
# Letters some spam blocks write in Cyrillic or Greek to dodge filters ("Аdvеrtіѕе").
_LOOKALIKES = str.maketrans("АаВЕеІіЈјКМНОоРрСсТХхУуЅѕԁΑΒΕΗΙΚΜΝΟΡΤΧΥοα",
                            "AaBEeIiJjKMHOoPpCcTXxYySsdABEHIKMNOPTXYoa")
# Soft hyphens and zero-width characters split words for matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# Such a block is short: a real paragraph that happens to start with "Partager" goes on.
LEAD_MAX_CHARS = 220


# A date line ("Publié le 17/12/2020 à 10h30 | Mis à jour …") left in the text.
_DATE_LEAD = re.compile(
    r"^\W*(?:publi[ée] le|mis en ligne le|mis à jour le|écrit le|published|posted|updated|written|نشر في|نشر بتاريخ|"
    r"تاريخ النشر)\b\W*(?:on\b)?\W*(?:\w+\W+){0,2}\d|\d{1,2}:\d{2}\s*(?:am|pm)\b|"
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*[-–|]\s*(?:publi|posted|by\b|par\b|نشر)",
    re.IGNORECASE,
)
DATE_LINE_MAX_CHARS = 120


def is_boilerplate_block(text: str) -> bool:
    """True for a short block that is a "read also" link, a share / follow line, a credit or a
    date line."""
    text = text.translate(_INVISIBLE).translate(_LOOKALIKES).strip()
    if not text or len(text) > NOTICE_MAX_CHARS:
        return False
    if _NOTICES.search(text) or _COPYRIGHT.match(text):
        return True
    if len(text) > LEAD_MAX_CHARS:
        return False
    if len(text) <= CREDIT_MAX_CHARS and _CREDIT.fullmatch(text):
        return True
    if _BIO.match(text) or _TAGGED_LINK.fullmatch(text):
        return True
    return bool(_LEADS.match(text)) or (len(text) <= DATE_LINE_MAX_CHARS and bool(_DATE_LEAD.match(text)))
