"""A small fixture press of three outlets (fr, ar in windows-1256, en) and some broken feeds.

All text here was written for akhbar's tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests.press import FixturePress

FR_ARTICLES = [
    {
        "slug": "port-tanger-med-record",
        "title": "Tanger Med dépasse les dix millions de conteneurs",
        "date": "Thu, 17 Dec 2020 09:30:00 +0100",
        "iso": "2020-12-17T09:30:00+01:00",
        "author": "Salma Idrissi",
        "paras": [
            "Le port de Tanger Med a franchi pour la première fois le cap des dix millions de "
            "conteneurs manutentionnés en une année, a annoncé mercredi l'autorité portuaire.",
            "Cette performance place le complexe portuaire au premier rang en Méditerranée, "
            "devant Algésiras et Valence, selon les chiffres communiqués à la presse.",
            "La direction attribue cette hausse à l'extension du terminal quatre et à l'arrivée "
            "de nouvelles lignes maritimes reliant l'Asie à l'Afrique de l'Ouest.",
        ],
    },
    {
        "slug": "pluies-rabat-ecoles",
        "title": "Fortes pluies à Rabat : les écoles fermées jeudi",
        "date": "Thu, 17 Dec 2020 07:10:00 +0100",
        "iso": "2020-12-17T07:10:00+01:00",
        "author": "Youssef Alami",
        "paras": [
            "Les autorités de la région de Rabat-Salé-Kénitra ont décidé de fermer les "
            "établissements scolaires jeudi en raison des fortes précipitations attendues.",
            "La direction de la météorologie nationale a placé la région en vigilance orange, "
            "avec des cumuls pouvant atteindre soixante millimètres en quelques heures.",
            "Les parents sont invités à suivre les consignes publiées par les académies "
            "régionales et à limiter les déplacements non essentiels.",
        ],
    },
]

AR_ARTICLE = {
    "slug": "alhoceima-hospital",
    "title": "افتتاح مستشفى جديد في الحسيمة",
    "date": "Wed, 16 Dec 2020 18:00:00 +0100",
    "paras": [
        "افتتح وزير الصحة اليوم الأربعاء مستشفى إقليميا جديدا في مدينة الحسيمة بطاقة استيعابية "
        "تبلغ مائتين وخمسين سريرا.",
        "ويضم المستشفى الجديد مصلحة للمستعجلات وقسما لطب الأطفال ووحدة لتصفية الدم، حسب بلاغ "
        "للوزارة.",
        "وأكد المسؤولون أن المشروع سيخفف الضغط على مستشفيات المدن المجاورة ويقرب الخدمات الصحية "
        "من سكان الإقليم.",
    ],
}

EN_ARTICLE = {
    "slug": "tunis-olive-oil-exports",
    "title": "Tunisia's olive oil exports hit a record high",
    "date": "2020-12-16T11:00:00+01:00",
    "author": "Amira Ben Salah",
    "paras": [
        "Tunisia exported more olive oil in the first month of the season than in any "
        "comparable period, the national oil office said on Wednesday.",
        "Shipments to the European Union and North America rose sharply, helped by a large "
        "harvest in the central regions of Sfax and Kairouan.",
        "Producers warned, however, that low prices at the farm gate were squeezing small "
        "growers despite the strong export figures.",
    ],
}


def article_page(title: str, paras: list[str], *, lang: str, iso: str | None, author: str = "",
                 charset: str = "utf-8", site: str = "Le Matin Test",
                 image: str = "/img/lead.jpg") -> str:
    """A realistic article page: navigation, sidebar, comments around the article body."""
    date_meta = f'<meta property="article:published_time" content="{iso}">' if iso else ""
    author_meta = f'<meta name="author" content="{author}">' if author else ""
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    direction = "rtl" if lang == "ar" else "ltr"
    words = (
        ("الرئيسية", "سياسة", "رياضة", "اقرأ أيضا", "عنوان آخر", "تعليقات", "أول تعليق من قارئ.")
        if lang == "ar"
        else ("Accueil", "Politique", "Sport", "À lire aussi", "Un autre titre sans rapport",
              "Commentaires", "Premier commentaire d'un lecteur.")
    )
    return f"""<!doctype html>
<html lang="{lang}" dir="{direction}"><head><meta charset="{charset}">
<title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="og:image" content="{image}">
{date_meta}{author_meta}
<script>var tracker = 1;</script>
</head><body>
<nav><a href="/">{words[0]}</a> <a href="/politique">{words[1]}</a> <a href="/sport">{words[2]}</a></nav>
<main><article>
<h1>{title}</h1>
{body}
</article>
<aside><h3>{words[3]}</h3><ul><li><a href="/x">{words[4]}</a></li></ul></aside>
<section id="comments"><h3>{words[5]}</h3><p>{words[6]}</p></section>
</main><footer>{site}</footer></body></html>"""


def rss(items: list[dict[str, str]], *, title: str, link: str, lang: str, encoding: str = "utf-8") -> str:
    rows = []
    for it in items:
        guid = f"<guid isPermaLink=\"false\">{it['guid']}</guid>" if it.get("guid") else ""
        rows.append(
            f"<item><title>{it['title']}</title><link>{it['link']}</link>{guid}"
            f"<pubDate>{it['date']}</pubDate><description><![CDATA[{it.get('summary', '')}]]></description>"
            + (f"<dc:creator>{it['author']}</dc:creator>" if it.get("author") else "")
            + "</item>"
        )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{title}</title><link>{link}</link><language>{lang}</language>"
        + "".join(rows)
        + "</channel></rss>"
    )


@dataclass
class PressSite:
    press: FixturePress
    registry: str
    feeds: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.press.url(path)


def photo_jpeg(seed: int = 1, size: tuple[int, int] = (900, 600)) -> bytes:
    """A photo-like JPEG (gradients and noise) generated for the tests."""
    import io
    import random

    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(size[1]):
        draw.line([(0, y), (size[0], y)], fill=(40 + y * 150 // size[1], 90, 200 - y * 120 // size[1]))
    for _ in range(120):
        x, y, r = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(5, 60)
        draw.ellipse([x - r, y - r, x + r, y + r],
                     fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    img = img.filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def build_site(press: FixturePress, tmp_path) -> PressSite:
    """Route every outlet on ``press`` and write a registry TOML naming them; returns both."""
    base = press.base_url
    press.route("/img/lead.jpg", photo_jpeg(), content_type="image/jpeg")
    # French outlet: RSS with tracking parameters on the links, robots.txt forbidding /prive/.
    fr_items = [
        {"title": a["title"], "link": f"{base}/fr/{a['slug']}.html?utm_source=rss&utm_medium=feed",
         "date": a["date"], "author": a["author"], "summary": a["paras"][0]}
        for a in FR_ARTICLES
    ]
    fr_items.append({"title": "Dossier réservé", "link": f"{base}/prive/dossier.html",
                     "date": "Thu, 17 Dec 2020 06:00:00 +0100", "summary": "Réservé."})
    press.route("/robots.txt", "User-agent: *\nDisallow: /prive/\n", content_type="text/plain")
    press.route("/fr/feed.xml", rss(fr_items, title="Le Matin Test", link=base + "/fr/", lang="fr"),
                content_type="application/rss+xml; charset=utf-8", etag='"fr-v1"',
                last_modified="Thu, 17 Dec 2020 09:31:00 GMT")
    for a in FR_ARTICLES:
        press.route(f"/fr/{a['slug']}.html",
                    article_page(a["title"], a["paras"], lang="fr", iso=a["iso"], author=a["author"]),
                    content_type="text/html; charset=utf-8")
    press.route("/prive/dossier.html", "<html><body><p>secret</p></body></html>",
                content_type="text/html")

    # Arabic outlet: feed and page in windows-1256, as older Arabic sites still serve them.
    ar_feed = rss([{"title": AR_ARTICLE["title"], "link": f"{base}/ar/{AR_ARTICLE['slug']}.html",
                    "date": AR_ARTICLE["date"], "guid": "ar-2020-1216-1"}],
                  title="الأخبار", link=base + "/ar/", lang="ar", encoding="windows-1256")
    press.route("/ar/rss.xml", ar_feed.encode("cp1256"), content_type="application/rss+xml")
    ar_page = article_page(AR_ARTICLE["title"], AR_ARTICLE["paras"], lang="ar",
                           iso="2020-12-16T18:00:00+01:00", charset="windows-1256", site="الأخبار")
    press.route(f"/ar/{AR_ARTICLE['slug']}.html", ar_page.encode("cp1256"),
                content_type="text/html")

    # English outlet: Atom.
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>Tunis Daily Test</title>
<id>urn:tunis-daily</id><updated>{EN_ARTICLE['date']}</updated><link href="{base}/en/"/>
<entry><title>{EN_ARTICLE['title']}</title><id>urn:tunis-daily:olive-2020</id>
<link href="{base}/en/{EN_ARTICLE['slug']}"/><published>{EN_ARTICLE['date']}</published>
<updated>{EN_ARTICLE['date']}</updated><author><name>{EN_ARTICLE['author']}</name></author>
<summary>{EN_ARTICLE['paras'][0]}</summary></entry></feed>"""
    press.route("/en/atom.xml", atom, content_type="application/atom+xml")
    press.route(f"/en/{EN_ARTICLE['slug']}",
                article_page(EN_ARTICLE["title"], EN_ARTICLE["paras"], lang="en",
                             iso=EN_ARTICLE["date"], author=EN_ARTICLE["author"], site="Tunis Daily"),
                content_type="text/html")

    # Broken feeds, one per source: each must be recorded without stopping the others.
    press.route("/broken/invalid.xml", "<rss><channel><title>Oops & <item><title>x</ite",
                content_type="application/rss+xml")
    press.route("/broken/500.xml", "Internal error", status=500)
    press.route("/broken/slow.xml", "<rss/>", delay=3.0)
    press.route("/broken/huge.xml", (b"<rss>" + b" " * (1024 * 1024) for _ in range(50)),
                content_type="application/rss+xml")
    press.route("/broken/429.xml", "slow down", status=429, headers={"Retry-After": "7200"})

    feeds = {
        "fr": base + "/fr/feed.xml",
        "ar": base + "/ar/rss.xml",
        "en": base + "/en/atom.xml",
    }
    registry = f'''
[[source]]
slug = "lematin-test"
name = "Le Matin Test"
homepage = "{base}/fr/"
languages = ["fr"]
country = "MA"
feeds = ["{feeds['fr']}"]
timezone = "Africa/Casablanca"
display = "full"

[[source]]
slug = "alakhbar-test"
name = "الأخبار"
homepage = "{base}/ar/"
languages = ["ar"]
country = "MA"
feeds = ["{feeds['ar']}"]
timezone = "Africa/Casablanca"
display = "excerpt"

[[source]]
slug = "tunisdaily-test"
name = "Tunis Daily"
homepage = "{base}/en/"
languages = ["en"]
country = "TN"
feeds = ["{feeds['en']}"]
timezone = "Africa/Tunis"
display = "full"
'''
    for name in ("invalid", "500", "slow", "huge", "429"):
        registry += f'''
[[source]]
slug = "broken-{name}"
name = "Broken {name}"
homepage = "{base}/broken/"
languages = ["fr"]
country = "DZ"
feeds = ["{base}/broken/{name}.xml"]
timezone = "Africa/Algiers"
display = "full"
'''
    path = tmp_path / "press.toml"
    path.write_text(registry, encoding="utf-8")
    return PressSite(press=press, registry=str(path), feeds=feeds)


def future(days: int = 3) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)
