"""Comparable "anchors" of a news article: named entities and numbers, across scripts.

An anchor is a short string such as ``place:al_hoceima``, ``person:tebboune``, ``year:2019``,
``score:1-2``, ``num:1200`` or ``name:ive``. Two articles about one event tend to share anchors
whatever their language, because Arabic, French and English spellings of the names that matter in
Maghreb news map to one canonical key through :data:`ENTITY_TABLE`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from akhbar.ingest.normalize import fold_arabic, fold_text

# canonical key -> (kind, surface forms in any script). Forms are folded with fold_text when the
# index is built, so accents, case, hyphens and Arabic spelling variants need not be listed.
# Arabic forms are listed with their article "ال" when they carry it; clitics (و ف ب ل ك, لل)
# are stripped when matching.
ENTITY_TABLE: Mapping[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {
        # --- countries (with the adjectives that usually stand for them) ---
        "maroc": ("country", ("المغرب", "المملكة المغربية", "Maroc", "Morocco", "Royaume du Maroc",
                              "marocain", "marocaine", "marocains", "marocaines", "Moroccan",
                              "Moroccans", "المغربي", "المغربية", "المغاربة")),
        "algerie": ("country", ("الجزائر", "الجزائر العاصمة", "Alger", "Algiers", "Algérie", "Algeria", "algérien", "algérienne",
                                "algériens", "algériennes", "Algerian", "Algerians",
                                "الجزائري", "الجزائرية", "الجزائريين")),
        "tunisie": ("country", ("تونس", "Tunisie", "Tunisia", "Tunis", "tunisien", "tunisienne",
                                "tunisiens", "tunisiennes", "Tunisian", "Tunisians",
                                "التونسي", "التونسية", "التونسيين")),
        "libye": ("country", ("ليبيا", "Libye", "Libya", "libyen", "libyenne", "Libyan",
                              "الليبي", "الليبية")),
        "mauritanie": ("country", ("موريتانيا", "Mauritanie", "Mauritania", "mauritanien",
                                   "Mauritanian", "الموريتاني", "الموريتانية")),
        "egypte": ("country", ("مصر", "Égypte", "Egypt", "égyptien", "Egyptian", "المصري",
                               "المصرية")),
        "france": ("country", ("فرنسا", "France", "français", "française", "French",
                               "الفرنسي", "الفرنسية")),
        "espagne": ("country", ("إسبانيا", "اسبانيا", "Espagne", "Spain", "espagnol",
                                "espagnole", "Spanish", "الإسباني", "الإسبانية")),
        "portugal": ("country", ("البرتغال", "Portugal", "portugais", "Portuguese")),
        "etats_unis": ("country", ("الولايات المتحدة", "أمريكا", "أميركا", "États-Unis",
                                   "Etats Unis", "United States", "USA", "américain",
                                   "américaine", "American", "الأمريكي", "الأمريكية")),
        "palestine": ("country", ("فلسطين", "Palestine", "palestinien", "palestinienne",
                                  "Palestinian", "الفلسطيني", "الفلسطينية")),
        "israel": ("country", ("إسرائيل", "Israël", "Israel", "israélien", "Israeli",
                               "الإسرائيلي", "الإسرائيلية")),
        "senegal": ("country", ("السنغال", "Sénégal", "Senegal", "sénégalais", "Senegalese")),
        "sahara_occidental": ("place", ("الصحراء الغربية", "Sahara occidental",
                                        "Western Sahara")),
        "qatar": ("country", ("قطر", "Qatar", "qatari", "Qatari")),
        "arabie_saoudite": ("country", ("السعودية", "المملكة العربية السعودية",
                                        "Arabie saoudite", "Saudi Arabia", "saoudien",
                                        "Saudi")),
        "mali": ("country", ("Mali", "malien", "Malian")),
        # --- Moroccan cities ---
        "rabat": ("place", ("الرباط", "Rabat")),
        "casablanca": ("place", ("الدار البيضاء", "Casablanca")),
        "marrakech": ("place", ("مراكش", "Marrakech", "Marrakesh")),
        "fes": ("place", ("فاس", "Fès", "Fez")),
        "tanger": ("place", ("طنجة", "Tanger", "Tangier", "Tangiers")),
        "agadir": ("place", ("أكادير", "اكادير", "أغادير", "Agadir")),
        "oujda": ("place", ("وجدة", "Oujda")),
        "al_hoceima": ("place", ("الحسيمة", "Al Hoceima", "Al-Hoceïma", "Alhucemas",
                                 "El Hoceima")),
        "nador": ("place", ("الناظور", "Nador")),
        "tetouan": ("place", ("تطوان", "Tétouan", "Tetouan")),
        "meknes": ("place", ("مكناس", "Meknès", "Meknes")),
        "laayoune": ("place", ("العيون", "Laâyoune", "Laayoune", "El Aaiún")),
        "dakhla": ("place", ("الداخلة", "Dakhla")),
        "kenitra": ("place", ("القنيطرة", "Kénitra", "Kenitra")),
        "safi": ("place", ("آسفي", "اسفي", "Safi")),
        "ouarzazate": ("place", ("ورزازات", "Ouarzazate")),
        "al_haouz": ("place", ("الحوز", "Al Haouz", "Al-Haouz", "El Haouz")),
        "ceuta": ("place", ("سبتة", "Ceuta", "Sebta")),
        "melilla": ("place", ("مليلية", "Melilla")),
        # --- Algerian cities ---
                "oran": ("place", ("وهران", "Oran")),
        "constantine": ("place", ("قسنطينة", "Constantine")),
        "annaba": ("place", ("عنابة", "Annaba")),
        "tizi_ouzou": ("place", ("تيزي وزو", "Tizi Ouzou")),
        "bejaia": ("place", ("بجاية", "Béjaïa", "Bejaia", "Bougie")),
        "setif": ("place", ("سطيف", "Sétif", "Setif")),
        "tlemcen": ("place", ("تلمسان", "Tlemcen")),
        "blida": ("place", ("البليدة", "Blida")),
        "tamanrasset": ("place", ("تمنراست", "Tamanrasset")),
        # --- Tunisian cities ---
        "sfax": ("place", ("صفاقس", "Sfax")),
        "sousse": ("place", ("سوسة", "Sousse")),
        "kairouan": ("place", ("القيروان", "Kairouan")),
        "gabes": ("place", ("قابس", "Gabès", "Gabes")),
        "bizerte": ("place", ("بنزرت", "Bizerte")),
        "djerba": ("place", ("جربة", "Djerba", "Jerba")),
        "gafsa": ("place", ("قفصة", "Gafsa")),
        "monastir": ("place", ("المنستير", "Monastir")),
        # --- elsewhere ---
        "tripoli": ("place", ("طرابلس", "Tripoli")),
        "nouakchott": ("place", ("نواكشوط", "Nouakchott")),
        "paris": ("place", ("باريس", "Paris")),
        "madrid": ("place", ("مدريد", "Madrid")),
        "gaza": ("place", ("غزة", "Gaza")),
        "le_caire": ("place", ("القاهرة", "Le Caire", "Cairo")),
        "doha": ("place", ("الدوحة", "Doha")),
        # --- people: Morocco ---
        "mohammed_vi": ("person", ("محمد السادس", "Mohammed VI", "Mohammed 6", "Mohamed VI")),
        "akhannouch": ("person", ("أخنوش", "عزيز أخنوش", "Akhannouch", "Aziz Akhannouch")),
        "bourita": ("person", ("بوريطة", "Bourita", "Nasser Bourita")),
        "laftit": ("person", ("لفتيت", "Laftit", "Abdelouafi Laftit")),
        "ouahbi": ("person", ("وهبي", "Ouahbi", "Abdellatif Ouahbi")),
        "benkirane": ("person", ("بنكيران", "Benkirane")),
        "el_othmani": ("person", ("العثماني", "El Othmani", "Saadeddine El Othmani")),
        "lekjaa": ("person", ("لقجع", "Lekjaa", "Fouzi Lekjaa", "Fouzi Lekjaâ")),
        "regragui": ("person", ("الركراكي", "Regragui", "Walid Regragui")),
        "hakimi": ("person", ("حكيمي", "Hakimi", "Achraf Hakimi")),
        "ziyech": ("person", ("زياش", "Ziyech", "Hakim Ziyech")),
        "bounou": ("person", ("بونو", "Bounou", "Yassine Bounou")),
        "jouahri": ("person", ("الجواهري", "Jouahri", "Abdellatif Jouahri")),
        # --- people: Algeria ---
        "tebboune": ("person", ("تبون", "عبد المجيد تبون", "Tebboune", "Abdelmadjid Tebboune")),
        "chengriha": ("person", ("شنقريحة", "Chanegriha", "Chengriha", "Saïd Chanegriha")),
        "attaf": ("person", ("عطاف", "Attaf", "Ahmed Attaf")),
        "bouteflika": ("person", ("بوتفليقة", "Bouteflika")),
        "belmadi": ("person", ("بلماضي", "Belmadi", "Djamel Belmadi")),
        "mahrez": ("person", ("محرز", "Mahrez", "Riyad Mahrez")),
        "petkovic": ("person", ("بيتكوفيتش", "Petkovic", "Vladimir Petkovic")),
        "larbaoui": ("person", ("العرباوي", "Larbaoui", "Nadir Larbaoui")),
        # --- people: Tunisia ---
        "kais_saied": ("person", ("قيس سعيد", "الرئيس سعيد", "Kaïs Saïed", "Kais Saied", "Kaies Said",
                                  "Saïed", "Saied")),
        "ghannouchi": ("person", ("الغنوشي", "Ghannouchi", "Rached Ghannouchi")),
        "bouden": ("person", ("بودن", "نجلاء بودن", "Bouden", "Najla Bouden")),
        "hachani": ("person", ("الحشاني", "Hachani", "Ahmed Hachani")),
        "nabil_ammar": ("person", ("نبيل عمار", "Nabil Ammar")),
        "kadri": ("person", ("القادري", "Jalel Kadri", "Kadri")),
        # --- people: elsewhere ---
        "brahim_ghali": ("person", ("إبراهيم غالي", "Brahim Ghali")),
        "macron": ("person", ("ماكرون", "Macron", "Emmanuel Macron")),
        "sanchez": ("person", ("سانشيز", "Sánchez", "Sanchez", "Pedro Sánchez")),
        "guterres": ("person", ("غوتيريش", "Guterres", "António Guterres")),
        "de_mistura": ("person", ("دي ميستورا", "de Mistura", "Staffan de Mistura")),
        # --- institutions, ministries ---
        "ministere_interieur": ("org", ("وزارة الداخلية", "ministère de l'Intérieur",
                                        "Interior Ministry", "Ministry of Interior",
                                        "Ministry of the Interior")),
        "ministere_sante": ("org", ("وزارة الصحة", "ministère de la Santé", "Health Ministry",
                                    "Ministry of Health")),
        "ministere_education": ("org", ("وزارة التربية الوطنية", "وزارة التربية",
                                        "ministère de l'Éducation nationale",
                                        "ministère de l'Éducation", "Ministry of Education",
                                        "Education Ministry")),
        "ministere_affaires_etrangeres": ("org", ("وزارة الخارجية", "وزارة الشؤون الخارجية",
                                                  "ministère des Affaires étrangères",
                                                  "Foreign Ministry",
                                                  "Ministry of Foreign Affairs")),
        "ministere_justice": ("org", ("وزارة العدل", "ministère de la Justice",
                                      "Justice Ministry", "Ministry of Justice")),
        "bank_al_maghrib": ("org", ("بنك المغرب", "Bank Al-Maghrib", "BAM")),
        "banque_algerie": ("org", ("بنك الجزائر", "Banque d'Algérie", "Bank of Algeria")),
        "onu": ("org", ("الأمم المتحدة", "ONU", "Nations unies", "United Nations", "UN")),
        "conseil_securite": ("org", ("مجلس الأمن", "Conseil de sécurité", "Security Council")),
        "union_africaine": ("org", ("الاتحاد الإفريقي", "الاتحاد الأفريقي", "Union africaine",
                                    "African Union")),
        "union_europeenne": ("org", ("الاتحاد الأوروبي", "Union européenne", "European Union",
                                     "UE", "EU")),
        "fmi": ("org", ("صندوق النقد الدولي", "FMI", "IMF", "Fonds monétaire international",
                        "International Monetary Fund")),
        "sonatrach": ("org", ("سوناطراك", "Sonatrach")),
        "ocp": ("org", ("المكتب الشريف للفوسفاط", "OCP")),
        "fifa": ("org", ("الفيفا", "فيفا", "FIFA")),
        "caf": ("org", ("الكاف", "الكونفدرالية الإفريقية لكرة القدم", "CAF")),
        "frmf": ("org", ("الجامعة الملكية المغربية لكرة القدم", "FRMF")),
        "faf": ("org", ("الاتحادية الجزائرية لكرة القدم", "FAF")),
        "ugtt": ("org", ("الاتحاد العام التونسي للشغل", "UGTT")),
        "polisario": ("org", ("البوليساريو", "جبهة البوليساريو", "Polisario",
                              "Front Polisario")),
        # --- parties ---
        "rni": ("party", ("التجمع الوطني للأحرار", "حزب الأحرار", "RNI",
                          "Rassemblement national des indépendants")),
        "pjd": ("party", ("العدالة والتنمية", "PJD", "Parti de la justice et du développement")),
        "pam": ("party", ("الأصالة والمعاصرة", "PAM", "Parti authenticité et modernité")),
        "istiqlal": ("party", ("حزب الاستقلال", "Istiqlal")),
        "usfp": ("party", ("الاتحاد الاشتراكي", "USFP")),
        "fln": ("party", ("جبهة التحرير الوطني", "FLN")),
        "rnd": ("party", ("التجمع الوطني الديمقراطي", "RND")),
        "ennahdha": ("party", ("حركة النهضة", "Ennahdha", "Ennahda")),
        # --- football clubs ---
        "raja": ("club", ("الرجاء", "الرجاء البيضاوي", "Raja", "Raja Casablanca", "Raja CA")),
        "wydad": ("club", ("الوداد", "الوداد البيضاوي", "Wydad", "WAC", "Wydad Casablanca")),
        "as_far": ("club", ("الجيش الملكي", "ASFAR", "FAR Rabat")),
        "rs_berkane": ("club", ("نهضة بركان", "RS Berkane", "RSB", "Berkane")),
        "mc_alger": ("club", ("مولودية الجزائر", "MC Alger", "MCA", "Mouloudia d'Alger")),
        "js_kabylie": ("club", ("شبيبة القبائل", "JS Kabylie", "JSK")),
        "usm_alger": ("club", ("اتحاد العاصمة", "USM Alger", "USMA")),
        "cr_belouizdad": ("club", ("شباب بلوزداد", "CR Belouizdad", "CRB")),
        "esperance_tunis": ("club", ("الترجي", "الترجي الرياضي", "Espérance de Tunis",
                                     "Espérance sportive de Tunis", "EST", "Esperance")),
        "club_africain": ("club", ("النادي الإفريقي", "Club Africain", "CA")),
        "etoile_sahel": ("club", ("النجم الساحلي", "Étoile du Sahel", "Etoile Sahel", "ESS")),
        "cs_sfaxien": ("club", ("النادي الصفاقسي", "CS Sfaxien", "CSS")),
        "al_ahly": ("club", ("الأهلي", "Al Ahly", "Al-Ahly")),
        "zamalek": ("club", ("الزمالك", "Zamalek")),
        # --- national teams ---
        "lions_atlas": ("team", ("أسود الأطلس", "Lions de l'Atlas", "Atlas Lions")),
        "fennecs": ("team", ("محاربو الصحراء", "محاربي الصحراء", "Fennecs",
                             "Les Verts", "Desert Warriors")),
        "aigles_carthage": ("team", ("نسور قرطاج", "Aigles de Carthage", "Carthage Eagles")),
        # --- competitions ---
        "can": ("event", ("كأس أمم إفريقيا", "كأس أمم أفريقيا", "CAN",
                          "Coupe d'Afrique des nations", "Africa Cup of Nations", "AFCON")),
        "coupe_du_monde": ("event", ("كأس العالم", "المونديال", "مونديال", "Coupe du monde",
                                     "Mondial", "World Cup")),
    }
)

# Latin words that start sentences or headlines without naming anything.
_CAPITAL_STOPWORDS = frozenset(
    fold_text(w)
    for w in (
        "le la les un une des de du en au aux et ou mais pour par sur dans avec sans ce cette ces "
        "il elle ils elles on nous vous son sa ses leur leurs qui que quoi quand comment pourquoi "
        "selon après avant depuis lors plus moins tout tous toute toutes très deux trois "
        "the a an and or but for by on in at of to with from this that these those he she they "
        "we you his her their who what when how why after before since more less all new "
        "lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday "
        "friday saturday sunday janvier février mars avril mai juin juillet août septembre "
        "octobre novembre décembre january february march april may june july august september "
        "october november december m mme mr mrs dr pr"
    ).split()
)

# Arabic proclitics glued to a word: conjunction (و ف), preposition (ب ل ك), article (ال, لل).
_ARABIC_PREFIXES = (
    "وبال", "وال", "بال", "فال", "كال", "ولل", "فلل", "لل", "ال", "وب", "ول", "وك", "فب", "فل",
    "و", "ف", "ب", "ل", "ك",
)
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_MAX_NGRAM = 6

# Numbers: digits with optional grouping (1 200, 1.200, 1,200) or decimal part (1,5 / 1.5).
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[  .,]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])")
# Football scores: "2-1", "2 - 1", "(2-1)", "2:1" with small numbers only.
_SCORE = re.compile(r"(?<![\w.,])(\d{1,2})\s*[-–:]\s*(\d{1,2})(?![\w.,:\d])")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")


def _arabic_variants(token: str) -> list[str]:
    """The token and the forms left after stripping each possible proclitic (longest first)."""
    forms = [token]
    if not _ARABIC_LETTER.match(token):
        return forms
    for prefix in _ARABIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            rest = token[len(prefix):]
            forms.append(rest)
            # "للمغرب" is ل + المغرب: keep the article so the listed form matches too.
            if prefix in ("لل", "ولل", "فلل"):
                forms.append("ال" + rest)
    return forms


def _is_acronym(form: str) -> bool:
    """A short all-capitals Latin form (UN, EST, CAN) that folds into an ordinary word."""
    return form.isascii() and form.isupper() and len(form) <= 6 and " " not in form


def _build_index(table: Mapping[str, tuple[str, tuple[str, ...]]]) -> dict[tuple[str, ...], str]:
    """Folded token sequences -> anchor, including Arabic forms without their article."""
    index: dict[tuple[str, ...], str] = {}
    for key, (kind, forms) in table.items():
        anchor = f"{kind}:{key}"
        for form in forms:
            if _is_acronym(form):
                continue
            tokens = tuple(fold_text(form).split())
            if not tokens:
                continue
            index.setdefault(tokens, anchor)
            if tokens[0].startswith("ال") and len(tokens[0]) > 3:
                index.setdefault((tokens[0][2:], *tokens[1:]), anchor)
    return index


class AnchorExtractor:
    """Extracts anchors (entities, numbers, Latin capitalised names) from a title and lead."""

    def __init__(
        self,
        table: Mapping[str, tuple[str, tuple[str, ...]]] = ENTITY_TABLE,
        *,
        lead_chars: int = 400,
        names: bool = True,
    ) -> None:
        self._index = _build_index(table)
        # Acronyms are matched case-sensitively on the raw text: folded, "EST" would be "est".
        self._acronyms = {
            form: f"{kind}:{key}"
            for key, (kind, forms) in table.items()
            for form in forms
            if _is_acronym(form)
        }
        self._lead_chars = lead_chars
        self._names = names
        # Surface forms of table entries, so a capitalised name already known is not doubled.
        self._known_words = frozenset(w for tokens in self._index for w in tokens)

    def entities(self, text: str) -> set[str]:
        """Table entities found in text (longest match first, Arabic clitics stripped)."""
        tokens = fold_text(text).split()
        found: set[str] = set()
        i = 0
        while i < len(tokens):
            matched = 0
            for n in range(min(_MAX_NGRAM, len(tokens) - i), 0, -1):
                rest = tuple(tokens[i + 1 : i + n])
                for first in _arabic_variants(tokens[i]):
                    anchor = self._index.get((first, *rest))
                    if anchor is not None:
                        found.add(anchor)
                        matched = n
                        break
                if matched:
                    break
            i += matched or 1
        for word in _ACRONYM.findall(text):
            anchor = self._acronyms.get(word)
            if anchor is not None:
                found.add(anchor)
        return found

    def numbers(self, text: str) -> set[str]:
        """Years, football scores and other numbers, with digits and separators normalised."""
        text = fold_arabic(unicodedata.normalize("NFKC", text))
        text = text.replace("٫", ".").replace("٬", ",")
        found: set[str] = set()
        spans: list[tuple[int, int]] = []
        for m in _SCORE.finditer(text):
            a, b = sorted((int(m.group(1)), int(m.group(2))))
            # A range of years or a date like 12-05 is not a score; scores are small.
            if b <= 15:
                found.add(f"score:{a}-{b}")
                spans.append(m.span())
        for m in _NUMBER.finditer(text):
            if any(s <= m.start() < e for s, e in spans):
                continue
            whole = re.sub(r"[  .,]", "", m.group(1))
            value = float(f"{whole}.{m.group(2)}") if m.group(2) else float(whole)
            if m.group(2) is None and 1900 <= value <= 2099:
                found.add(f"year:{int(value)}")
            else:
                found.add(f"num:{value:g}")
        return found

    def names(self, text: str) -> set[str]:
        """Capitalised Latin words not at a sentence start and not in the table."""
        found: set[str] = set()
        for sentence in re.split(r"(?<=[.!?:;«»\"])\s+|\n+", text):
            words = re.findall(r"[\w'’-]+", sentence)
            if not words:
                continue
            capitalised = sum(1 for w in words if w[:1].isupper())
            # Title Case headlines ("Morocco Beats Portugal") capitalise everything: no signal.
            if len(words) >= 4 and capitalised / len(words) > 0.6:
                continue
            for position, word in enumerate(words):
                if position == 0 or not word[:1].isupper() or not word[:1].isalpha():
                    continue
                if word in self._acronyms:
                    continue
                for part in fold_text(word).split():
                    if len(part) >= 3 and part not in _CAPITAL_STOPWORDS and part not in self._known_words:
                        found.add(f"name:{part}")
        return found

    def anchors(self, title: str, text: str = "", language: str | None = None) -> frozenset[str]:
        """All anchors of an article's title and the start of its text."""
        del language  # the table and the number rules are language-independent
        lead = text[: self._lead_chars]
        joined = f"{title}\n{lead}" if lead else title
        result = self.entities(joined) | self.numbers(joined)
        if self._names:
            result |= self.names(title) | self.names(lead)
        return frozenset(result)


def anchors(title: str, text: str = "", language: str | None = None) -> frozenset[str]:
    """Anchors of one article with the default table (builds the index: reuse an
    AnchorExtractor when extracting many)."""
    return AnchorExtractor().anchors(title, text, language)


def anchor_kinds(values: Iterable[str], kind: str) -> frozenset[str]:
    """The anchors of one kind (``year``, ``score``, ``place``...) among values."""
    prefix = kind + ":"
    return frozenset(v for v in values if v.startswith(prefix))
