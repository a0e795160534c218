"""Search benchmark: build an index of N generated articles, then time a fixed query mix.

    python -m bench.search --articles 1000000            # SQLite in a temporary directory
    python -m bench.search --articles 100000 --database-url postgres://postgres@127.0.0.1/test_search

Articles are generated in French, Arabic and English from real words drawn with Zipf
frequencies (plus a long tail of generated names), published over two years. Reports the index
build rate, then p50/p95/p99 per query kind for akhbar's search (parse, bounded ranking, copies
folded, page of 20 loaded with snippets) side by side with the bare engine query for the same
terms (raw FTS5 MATCH / raw tsquery, first 20 rows, no ranking), and the process's peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

WORDS = {
    "fr": ("le la les de des du un une et à en pour sur dans par avec au aux que qui est sont a "
           "gouvernement ministre maroc algérie tunisie président élection élections présidentielle "
           "parlement loi projet économie croissance inflation banque dirham dinar prix marché "
           "football équipe match coupe sélection joueur entraîneur victoire défaite stade "
           "santé hôpital école université étudiants enseignants grève syndicat salaire emploi "
           "chômage jeunes femmes enfants région ville commune conseil maire sécurité police "
           "justice tribunal procès juge avocat prison climat sécheresse pluie eau barrage "
           "agriculture récolte blé olive tourisme touristes hôtel aéroport transport train route "
           "énergie gaz pétrole solaire électricité investissement entreprise exportations "
           "culture festival cinéma musique livre théâtre patrimoine mosquée ramadan fête "
           "diplomatie ambassadeur visite accord coopération sommet conférence réunion annonce").split(),
    "en": ("the of and to in a for on is that with by at from as was are has have it its "
           "government minister morocco algeria tunisia president election elections parliament "
           "law bill economy growth inflation bank prices market football team match cup coach "
           "player victory defeat stadium health hospital school university students teachers "
           "strike union wages jobs unemployment youth women children region city council mayor "
           "security police justice court trial judge lawyer prison climate drought rain water "
           "dam agriculture harvest wheat olive tourism tourists hotel airport transport railway "
           "energy gas oil solar electricity investment company exports culture festival cinema "
           "music book heritage diplomacy ambassador visit agreement cooperation summit meeting").split(),
    "ar": ("في من على إلى عن أن مع هذا هذه التي الذي كان قد ثم و الحكومة الوزير المغرب الجزائر "
           "تونس الرئيس الانتخابات الرئاسية البرلمان القانون مشروع الاقتصاد النمو التضخم البنك "
           "الأسعار السوق كرة القدم المنتخب المباراة كأس المدرب اللاعب الفوز الهزيمة الملعب "
           "الصحة المستشفى المدرسة الجامعة الطلبة الأساتذة الإضراب النقابة الأجور الشغل البطالة "
           "الشباب النساء الأطفال الجهة المدينة الجماعة المجلس الأمن الشرطة العدالة المحكمة "
           "المحاكمة القاضي المحامي السجن المناخ الجفاف الأمطار الماء السد الفلاحة المحصول "
           "القمح الزيتون السياحة السياح الفندق المطار النقل القطار الطاقة الغاز النفط "
           "الكهرباء الاستثمار الشركة الصادرات الثقافة المهرجان السينما الموسيقى الكتاب "
           "والانتخابات للانتخابات بالمغرب والحكومة للشباب الدبلوماسية السفير الزيارة الاتفاق").split(),
}
SYLLABLES = "ba ra ka la ma na sa ta za ou i e al ben el dri ha mo fi".split()

# The fixed mix: (kind, query, filters). Rare, medium and very common terms, phrases,
# prefixes, exclusion, OR and filters, in the three languages.
MIX: list[tuple[str, str, dict[str, object]]] = [
    ("rare", "Zalabenmo", {}), ("rare", "Kadribaza", {}),
    ("medium", "sécheresse", {}), ("medium", "barrage pluie", {}), ("medium", "الجفاف", {}),
    ("medium", "drought harvest", {}),
    ("common", "gouvernement", {}), ("common", "الحكومة", {}), ("common", "government", {}),
    ("common", "maroc", {}),
    ("phrase", '"coupe du monde"', {}), ("phrase", '"الانتخابات الرئاسية"', {}),
    ("prefix", "électi*", {}), ("prefix", "الانتخ*", {}),
    ("bool", "football -défaite", {}), ("bool", "inflation OR chômage", {}),
    ("filter", "gouvernement", {"languages": ("fr",)}), ("filter", "المنتخب", {"source": 7}),
    ("filter", "élection", {"days": 30}), ("filter", "economy", {"section": "economy"}),
]


def setup(database_url: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "akhbar.settings.base"
    if database_url:
        os.environ["AKHBAR_DATABASE_URL"] = database_url
    else:
        os.environ["AKHBAR_DATA_DIR"] = tempfile.mkdtemp(prefix="akhbar-bench-search-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def generate(n: int, seed: int = 13) -> float:
    """Insert ``n`` articles (no signals: the index is built afterwards). Returns seconds."""
    import numpy as np

    from akhbar.news.models import Article
    from akhbar.sources.models import Source

    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    Article.objects.all().delete()
    Source.objects.filter(slug__startswith="bench-").delete()
    sources = {lang: [Source.objects.create(slug=f"bench-{lang}-{i}", name=f"Bench {lang} {i}",
                                            homepage=f"https://{lang}{i}.example/",
                                            languages=[lang], country="MA")
                      for i in range(20)] for lang in WORDS}
    vocab = {lang: np.array(words + [_name(rng) for _ in range(20000)], dtype=object)
             for lang, words in WORDS.items()}
    # Zipf: rank r drawn with probability ~ 1/r^1.1 over the language's words and tail.
    weights = {lang: 1 / np.arange(1, len(v) + 1) ** 1.1 for lang, v in vocab.items()}
    probs = {lang: w / w.sum() for lang, w in weights.items()}
    start = datetime.now(UTC) - timedelta(days=730)
    langs = np.array(["fr", "ar", "en"])[rng.choice(3, size=n, p=[0.45, 0.4, 0.15])]
    # Drawn all at once per language: one draw per article recomputes the distribution.
    drawn = {lang: iter(rng.choice(vocab[lang], size=(int((langs == lang).sum()), 70), p=probs[lang]))
             for lang in WORDS}
    batch = []
    for i in range(n):
        lang = str(langs[i])
        words = next(drawn[lang])
        title = " ".join(words[:9]).capitalize()
        text = " ".join(words[9:])
        batch.append(Article(
            source=sources[lang][int(rng.integers(20))], url=f"https://b.example/{i}",
            identity=f"b{i}", title=title, text=text, language=lang,
            section=str(rng.choice(["politics", "economy", "sports", "society", ""])),
            published=start + timedelta(seconds=int(i * 730 * 86400 / n)),
        ))
        if len(batch) == 5000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    return time.perf_counter() - started


def _name(rng: object) -> str:
    import numpy as np

    r: np.random.Generator = rng  # type: ignore[assignment]
    return "".join(r.choice(SYLLABLES, size=int(r.integers(2, 5)))).capitalize()


def percentiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the whole mix")
    args = parser.parse_args()
    setup(args.database_url)
    from django.db import connection

    from akhbar.news.models import Article
    from akhbar.search import engines, queries, services
    from akhbar.sources.models import Source

    print(f"engine: {connection.vendor}, articles: {args.articles}")
    gen = generate(args.articles)
    print(f"generated and stored in {gen:.0f} s")
    started = time.perf_counter()
    services.reindex_all()
    build = time.perf_counter() - started
    print(f"index build: {build:.0f} s, {args.articles / build:.0f} articles/s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchdoc")
    source7 = Source.objects.filter(slug="bench-ar-7").values_list("pk", flat=True).first()
    eng = engines.engine()
    timings: dict[str, list[float]] = {}
    raw_timings: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    now = datetime.now(UTC)
    for _ in range(args.repeat):
        for kind, q, f in MIX:
            filters = queries.Filters(
                languages=f.get("languages", ()),  # type: ignore[arg-type]
                source_id=source7 if "source" in f else None,
                section=str(f.get("section", "")),
                since=now - timedelta(days=int(f["days"])) if "days" in f else None)  # type: ignore[call-overload]
            t = time.perf_counter()
            results = queries.search(q, filters, limit=20)
            timings.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
            counts[q] = results.count
            compiled = eng.compile(queries.parse_query(q), filters)
            t = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(eng.raw_sql(), [compiled, 20])
                cursor.fetchall()
            raw_timings.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
    print(f"\n{'kind':8} {'akhbar p50/p95/p99 ms':>24} {'bare engine p50/p95/p99 ms':>28}")
    every, every_raw = [], []
    for kind in timings:
        every += timings[kind]
        every_raw += raw_timings[kind]
        a, r = percentiles(timings[kind]), percentiles(raw_timings[kind])
        print(f"{kind:8} {a[0]:8.1f} {a[1]:7.1f} {a[2]:7.1f} {r[0]:12.1f} {r[1]:7.1f} {r[2]:7.1f}")
    a, r = percentiles(every), percentiles(every_raw)
    print(f"{'all':8} {a[0]:8.1f} {a[1]:7.1f} {a[2]:7.1f} {r[0]:12.1f} {r[1]:7.1f} {r[2]:7.1f}")
    print("\nresults (count, 'about' beyond 2,000):", {q: counts[q] for _, q, _ in MIX[:10]})
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (bench + Django + index build): {rss:.0f} MB")
    print(f"articles stored: {Article.objects.count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
