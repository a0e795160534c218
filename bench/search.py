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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
# Rare words (placed far down the Zipf tail) and set phrases (one article in 20 has one).
RARE = {"fr": "Regragui", "ar": "الركراكي", "en": "Akhannouch"}
PHRASES = {"fr": ["coupe du monde", "projet de loi", "banque centrale", "état d'urgence"],
           "ar": ["الانتخابات الرئاسية", "كأس العالم", "مشروع قانون", "البنك المركزي"],
           "en": ["world cup", "prime minister", "central bank", "climate change"]}
SYLLABLES = "ba ra ka la ma na sa ta za ou i e al ben el dri ha mo fi".split()

# The fixed mix: (kind, query, filters). Rare, medium and very common terms, phrases,
# prefixes, exclusion, OR and filters, in the three languages.
MIX: list[tuple[str, str, dict[str, object]]] = [
    ("rare", "Regragui", {}), ("rare", "الركراكي", {}), ("rare", "Akhannouch", {}),
    ("medium", "sécheresse", {}), ("medium", "barrage pluie", {}), ("medium", "الجفاف", {}),
    ("medium", "drought harvest", {}),
    ("common", "gouvernement", {}), ("common", "الحكومة", {}), ("common", "government", {}),
    ("common", "maroc", {}),
    ("phrase", '"coupe du monde"', {}), ("phrase", '"الانتخابات الرئاسية"', {}),
    ("prefix", "électi*", {}), ("prefix", "الانتخ*", {}),
    ("bool", "football -défaite", {}), ("bool", "inflation OR chômage", {}),
    ("filter", "gouvernement", {"languages": ("fr",)}), ("filter", "المنتخب", {"source": 7}),
    ("filter", "élection", {"days": 30}), ("filter", "economy", {"section": "economy"}),
    ("filter", "gouvernement maroc", {"editions": ("fr",)}), ("filter", "الحكومة", {"editions": ("ar",)}),
]


def setup(database_url: str | None, data_dir: str | None = None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "akhbar.settings.base"
    if database_url:
        os.environ["AKHBAR_DATABASE_URL"] = database_url
    else:
        os.environ.pop("AKHBAR_DATABASE_URL", None)
    os.environ["AKHBAR_DATA_DIR"] = data_dir or tempfile.mkdtemp(prefix="akhbar-bench-search-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


COLUMNS = ("id", "source_id", "url", "url_key", "identity", "guid", "title", "title_folded", "text",
           "html", "summary", "language", "section", "authors", "categories",
           "published", "first_seen_at", "content_hash", "entry_hash", "extracted",
           "extract_error", "extract_attempts", "revision", "hidden", "fp_exact", "section_source",
           "copy_of_id")
CHUNK = 20_000
SECTIONS = ["politics", "economy", "sports", "society", ""]


def generate(n: int, seed: int = 13) -> float:
    """Insert ``n`` articles with raw bulk SQL (no signals: the index is built afterwards);
    1 % hidden, 3 % syndicated copies of an earlier article. Returns seconds."""
    import numpy as np
    from django.db import connection, transaction

    from akhbar.news.models import Article
    from akhbar.sources.models import Source

    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    Article.objects.all().delete()
    Source.objects.filter(slug__startswith="bench-").delete()
    sources = {lang: [Source.objects.create(slug=f"bench-{lang}-{i}", name=f"Bench {lang} {i}",
                                            homepage=f"https://{lang}{i}.example/",
                                            languages=[lang], country="MA").pk
                      for i in range(20)] for lang in WORDS}
    vocab = {lang: words + [_name(rng) for _ in range(20000)] for lang, words in WORDS.items()}
    for lang, word in RARE.items():
        vocab[lang][len(WORDS[lang]) + 15000] = word
    # Zipf: rank r drawn with probability ~ 1/r^1.1 over the language's words and tail.
    cdf = {}
    for lang, v in vocab.items():
        w = 1 / np.arange(1, len(v) + 1) ** 1.1
        cdf[lang] = np.cumsum(w / w.sum())
    codes = ["fr", "ar", "en"]
    start = datetime.now(UTC) - timedelta(days=730)
    pg = connection.vendor == "postgresql"
    first_id = (Article.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for lo in range(0, n, CHUNK):
        size = min(CHUNK, n - lo)
        langs = rng.choice(3, size=size, p=[0.45, 0.4, 0.15])
        # Word ranks for every article of the chunk at once (inverse CDF of the Zipf law).
        draws = rng.random((size, 70))
        ranks = {lang: np.minimum(np.searchsorted(cdf[lang], draws), len(vocab[lang]) - 1)
                 for lang in codes}
        src = rng.integers(20, size=size)
        sec = rng.integers(len(SECTIONS), size=size)
        hidden = rng.random(size) < 0.01
        copy = rng.random(size) < 0.03
        phrase = rng.random(size) < 0.05
        rows = []
        for j in range(size):
            i = lo + j
            lang = codes[langs[j]]
            words = [vocab[lang][r] for r in ranks[lang][j]]
            if phrase[j]:
                at = int(rng.integers(0, 60))
                words[at:at + 3] = [str(rng.choice(PHRASES[lang]))]
            title = " ".join(words[:9]).capitalize()
            when = start + timedelta(seconds=int(i * 730 * 86400 / n))
            stamp = when if pg else when.strftime("%Y-%m-%d %H:%M:%S")
            copy_of = None
            text = " ".join(words[9:])
            if copy[j] and j >= 50:  # a syndicated copy: an earlier article's words
                original = rows[j - int(rng.integers(1, 50))]
                copy_of = original[-1] or original[0]
                title, text, lang = original[6], original[8], original[11]
            rows.append((first_id + i, sources[lang][src[j]], f"https://b.example/{i}",
                         f"b.example/{i}", f"b{i}", "", title, title.lower(), text, "", "",
                         lang, SECTIONS[sec[j]], "[]", "[]", stamp, stamp, "", "", True, "",
                         1, 1, bool(hidden[j]), "", "rules", copy_of))
        with transaction.atomic(), connection.cursor() as cursor:
            if pg:
                with cursor.cursor.copy(f"COPY news_article ({', '.join(COLUMNS)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO news_article ({', '.join(COLUMNS)}) "
                                   f"VALUES ({', '.join(['%s'] * len(COLUMNS))})", rows)
        print(f"  stored {lo + size}", file=sys.stderr, flush=True)
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('news_article', 'id'), "
                           "(SELECT max(id) FROM news_article))")
            cursor.execute("ANALYZE news_article")
    return time.perf_counter() - started


def _name(rng: object) -> str:
    import numpy as np

    r: np.random.Generator = rng  # type: ignore[assignment]
    return "".join(r.choice(SYLLABLES, size=int(r.integers(2, 5)))).capitalize()


def percentiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


def build(args: argparse.Namespace) -> None:
    """Generate the articles and build the index (this process)."""
    from django.db import connection

    from akhbar.search import services

    print(f"engine: {connection.vendor}, articles: {args.articles}", flush=True)
    if not args.skip_generate:
        gen = generate(args.articles)
        print(f"generated and stored in {gen:.0f} s ({args.articles / gen:.0f} articles/s)",
              flush=True)
    started = time.perf_counter()
    if args.bulk:
        services.clear_index()
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS search_searchdoc_document")
            cursor.execute("ALTER TABLE search_searchdoc DROP CONSTRAINT IF EXISTS search_searchdoc_pkey")
        connection.close()
        k = args.build_workers
        cmd = [sys.executable, "-m", "bench.search", "--bulk-slice"]
        workers = [subprocess.Popen([*cmd, f"{i}/{k}", "--database-url", args.database_url],
                                    stdout=subprocess.PIPE, text=True) for i in range(k)]
        indexed = sum(int((w.communicate()[0] or "0").split()[-1]) for w in workers)
        if any(w.returncode for w in workers):
            raise SystemExit("a bulk worker failed")
        print(f"rows written in {time.perf_counter() - started:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("ALTER TABLE search_searchdoc ADD CONSTRAINT search_searchdoc_pkey "
                           "PRIMARY KEY (article_id)")
            cursor.execute("CREATE INDEX search_searchdoc_document ON search_searchdoc "
                           "USING gin (document)")
        services.record_rebuilt()
    elif args.build_workers <= 1:
        indexed = services.reindex_all(progress=_progress(started))
    else:
        # The same steps as reindex_all, the indexing split into contiguous id ranges over
        # several processes (analysis in parallel; each batch's write takes the lock briefly).
        services.clear_index()
        pg = connection.vendor == "postgresql"
        if pg:  # filled without its GIN index, which is built once at the end (below)
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS search_searchdoc_document")
        connection.close()
        k = args.build_workers
        cmd = [sys.executable, "-m", "bench.search", "--index-slice"]
        tail = (["--database-url", args.database_url] if args.database_url
                else ["--data-dir", args.data_dir])
        workers = [subprocess.Popen([*cmd, f"{i}/{k}", *tail], stdout=subprocess.PIPE, text=True)
                   for i in range(k)]
        indexed = sum(int((w.communicate()[0] or "0").split()[-1]) for w in workers)
        if pg:
            gin = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '1GB'")
                cursor.execute("CREATE INDEX search_searchdoc_document ON search_searchdoc "
                               "USING gin (document)")
            print(f"GIN index built in {time.perf_counter() - gin:.0f} s", flush=True)
        services.record_rebuilt()
    took = time.perf_counter() - started
    print(f"index build: {indexed} articles in {took:.0f} s, {indexed / took:.0f} articles/s "
          f"({args.build_workers} process(es))", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_searchdoc")
    else:
        with connection.cursor() as cursor:  # as the hourly upkeep does
            cursor.execute("ANALYZE")
    print(f"peak memory of the build process: {_rss()[1]:.0f} MB", flush=True)


def bulk_index_pg(spec: str = "0/1", verify: int = 300, chunk: int = 20_000) -> int:
    """PostgreSQL only, for the benchmark's million: index the generated articles with
    akhbar's own analysis (``textsearch.analyze_with_prefixes``) and document
    (``PostgresEngine.document``), but each distinct word analysed once (the generated texts
    are words separated by spaces, so a text's analysis is its words' analyses one after the
    other) and the rows written with ``COPY``, a chunk of ids at a time, newest first (an
    interrupted build holds the newest articles). Worker i of k takes chunks i, i + k, …
    The first ``verify`` articles of each worker are checked to give exactly what
    ``services.document`` gives (index_articles's path). Returns the articles indexed."""
    import hashlib

    import psycopg
    from django.db import connection

    from akhbar.ingest.textsearch import analyze_with_prefixes
    from akhbar.news.models import Article
    from akhbar.search import services
    from akhbar.search.engines import IndexedText, PostgresEngine, month_tag
    from akhbar.sources.models import Source

    i, k = (int(x) for x in spec.split("/"))
    ids = list(Article.objects.filter(hidden=False).order_by("-pk").values_list("pk", flat=True))
    ranges = [(ids[min(c + chunk, len(ids)) - 1], ids[c]) for c in range(0, len(ids), chunk)][i::k]
    del ids
    per_source = {s.pk: (s.name, services._editions(s)) for s in Source.objects.all()}
    cache: dict[tuple[str, str], tuple[list[str], list[str], list[str]]] = {}

    def analyse(text: str, lang: str) -> tuple[list[str], list[str], list[str]]:
        stems: list[str] = []
        words: list[str] = []
        articles: list[str] = []
        for w in text.split():
            r = cache.get((w, lang))
            if r is None:
                r = cache[(w, lang)] = analyze_with_prefixes(w, lang)
            stems += r[0]
            words += r[1]
            articles += r[2]
        return stems, words, articles

    expected = ({a.pk: services.document(a) for a in Article.objects.filter(
        hidden=False, pk__gte=ranges[0][0], pk__lte=ranges[0][1]).select_related("source")
        .order_by("-pk")[:verify]} if ranges else {})
    started = time.perf_counter()
    done = 0
    reader = psycopg.connect(os.environ["AKHBAR_DATABASE_URL"], autocommit=True)
    for low, high in ranges:
        rows = []
        for pk, source_id, title, text, summary, lang, section, published in reader.execute(
                "SELECT id, source_id, title, text, summary, language, section, published "
                "FROM news_article WHERE hidden = false AND id BETWEEN %s AND %s", [low, high]):
            name, editions = per_source[source_id]
            lang = lang or ""
            body = text or summary
            t_stems, t_words, t_art = analyse(title, lang)
            b_stems, b_words, b_art = analyse(body, lang)
            x_stems, x_words, x_art = analyse(name, lang)  # generated articles have no authors
            tags = [*(f"e{e}" for e in editions), f"l{lang or 'xx'}", f"s{source_id}",
                    month_tag(published)]
            if section:
                tags.append(f"c{section}")
            raw = "\x00".join([title, body, name, lang, section or "", published.isoformat(), *tags])
            doc = IndexedText(pk, t_stems, b_stems, x_stems,
                              t_words + x_words + b_words + t_art + x_art + b_art, tags)
            digest = hashlib.sha1(raw.encode()).hexdigest()
            if pk in expected:  # the same as index_articles would write
                assert (doc, digest) == expected[pk], pk
            rows.append((pk, source_id, lang, section or "", published, digest,
                         PostgresEngine.document(doc)))
        with connection.cursor() as cursor, cursor.cursor.copy(
                "COPY search_searchdoc (article_id, source_id, language, section, published, "
                "digest, document) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        done += len(rows)
        print(f"  bulk {spec}: {done} ({done / (time.perf_counter() - started):.0f}/s)",
              file=sys.stderr, flush=True)
    reader.close()
    print(done)
    return done


def _progress(started: float) -> Callable[[int], None]:
    done = [0]

    def progress(k: int) -> None:
        done[0] += k
        if done[0] % 50_000 < k:
            rate = done[0] / (time.perf_counter() - started)
            print(f"  indexed {done[0]} ({rate:.0f}/s)", file=sys.stderr, flush=True)

    return progress


def index_slice(spec: str) -> None:
    """One build worker: the i-th of k contiguous ranges of the ids to index; prints the count."""
    from akhbar.news.models import Article
    from akhbar.search import services

    i, k = (int(x) for x in spec.split("/"))
    ids = list(Article.objects.filter(hidden=False).order_by("pk").values_list("pk", flat=True))
    size = -(-len(ids) // k)
    print(services.index_ids(ids[i * size:(i + 1) * size], _progress(time.perf_counter())))


def _rss() -> tuple[float, float]:
    """This process's resident memory now and at its peak, MB (Linux)."""
    now = peak = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_queries(args: argparse.Namespace) -> None:
    """Time the mix in a fresh process, as a web worker would run it (its memory is the web
    process's: Django, the search code, the database connection and its cache)."""
    from django.db import connection

    from akhbar.news.models import Article
    from akhbar.search import engines, queries
    from akhbar.search.models import SearchDoc
    from akhbar.sources.models import Source

    print(f"engine: {connection.vendor}, articles stored: {Article.objects.count()}, "
          f"indexed: {SearchDoc.objects.count()}")
    print(f"query process memory after start-up: {_rss()[0]:.0f} MB")
    source7 = Source.objects.filter(slug="bench-ar-7").values_list("pk", flat=True).first()
    eng = engines.engine()
    timings: dict[str, list[float]] = {}
    raw_timings: dict[str, list[float]] = {}
    counts: dict[str, str] = {}
    now = datetime.now(UTC)
    for run in range(args.repeat + 1):  # the first run warms the caches and is not counted
        for kind, q, f in MIX:
            filters = queries.Filters(
                editions=f.get("editions", ()),  # type: ignore[arg-type]
                languages=f.get("languages", ()),  # type: ignore[arg-type]
                source_id=source7 if "source" in f else None,
                section=str(f.get("section", "")),
                since=now - timedelta(days=int(f["days"])) if "days" in f else None)  # type: ignore[call-overload]
            # Interleaved: akhbar's search, then the bare engine query for the same terms.
            t = time.perf_counter()
            results = queries.search(q, filters, limit=20)
            took = (time.perf_counter() - t) * 1000
            compiled = eng.compile(queries.parse_query(q), filters)
            t = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(eng.raw_sql(), [compiled, 20])
                cursor.fetchall()
            raw_took = (time.perf_counter() - t) * 1000
            if run:
                timings.setdefault(kind, []).append(took)
                raw_timings.setdefault(kind, []).append(raw_took)
            counts[q] = ("about " if results.approximate else "") + str(results.count)
    print(f"\n{'kind':8} {'akhbar p50/p95/p99 ms':>24} {'bare engine p50/p95/p99 ms':>28}")
    every, every_raw = [], []
    for kind in timings:
        every += timings[kind]
        every_raw += raw_timings[kind]
        a, r = percentiles(timings[kind]), percentiles(raw_timings[kind])
        print(f"{kind:8} {a[0]:8.1f} {a[1]:7.1f} {a[2]:7.1f} {r[0]:12.1f} {r[1]:7.1f} {r[2]:7.1f}")
    a, r = percentiles(every), percentiles(every_raw)
    print(f"{'all':8} {a[0]:8.1f} {a[1]:7.1f} {a[2]:7.1f} {r[0]:12.1f} {r[1]:7.1f} {r[2]:7.1f}")
    print("\nresult counts:", counts)
    now_mb, peak_mb = _rss()
    print(f"query process memory (RSS): {now_mb:.0f} MB now, {peak_mb:.0f} MB peak")
    print(f"load average: {os.getloadavg()}")


def explain(args: argparse.Namespace) -> None:
    """PostgreSQL: per query of the mix, the shared buffers (hit + read) of the engine's
    statement for the bounded set, from EXPLAIN (ANALYZE, BUFFERS), and its best execution
    time of three: the buffers do not depend on the machine's load, so two versions of the
    engine compare on a loaded machine."""
    import json

    from django.db import connection

    from akhbar.search import engines, queries
    from akhbar.sources.models import Source

    eng = engines.engine()
    if not isinstance(eng, engines.PostgresEngine):
        raise SystemExit("--explain is for PostgreSQL")
    source7 = Source.objects.filter(slug="bench-ar-7").values_list("pk", flat=True).first()
    now = datetime.now(UTC)
    total_buffers, total_ms = 0, 0.0
    print(f"{'kind':8} {'query':24} {'buffers':>8} {'best ms':>8}")
    for kind, q, f in MIX:
        filters = queries.Filters(
            editions=f.get("editions", ()), languages=f.get("languages", ()),  # type: ignore[arg-type]
            source_id=source7 if "source" in f else None, section=str(f.get("section", "")),
            since=now - timedelta(days=int(f["days"])) if "days" in f else None)  # type: ignore[call-overload]
        sql, params = eng.candidates_sql(queries.parse_query(q), filters, queries.CAP)
        best, buffers = float("inf"), 0
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                best = min(best, plan[0]["Execution Time"])
                buffers = plan[0]["Plan"]["Shared Hit Blocks"] + plan[0]["Plan"]["Shared Read Blocks"]
        total_buffers += buffers
        total_ms += best
        print(f"{kind:8} {q[:24]:24} {buffers:8d} {best:8.1f}")
    print(f"{'all':8} {'':24} {total_buffers:8d} {total_ms:8.1f}")
    print(f"load average: {os.getloadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in --data-dir)")
    parser.add_argument("--data-dir", help="SQLite's directory (default: a new temporary one)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the articles and index already there: time the queries only")
    parser.add_argument("--skip-generate", action="store_true",
                        help="keep the articles already there: rebuild the index, time the queries")
    parser.add_argument("--build-workers", type=int, default=1, metavar="K",
                        help="index with K processes (default 1: akhbar search --reindex's path)")
    parser.add_argument("--queries-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--index-slice", help=argparse.SUPPRESS)
    parser.add_argument("--bulk-slice", help=argparse.SUPPRESS)
    parser.add_argument("--bulk", action="store_true",
                        help="PostgreSQL: index with COPY, each distinct word analysed once, the "
                             "indexes built after (see bulk_index_pg)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the whole mix")
    parser.add_argument("--explain", action="store_true",
                        help="PostgreSQL, with --reuse: each query's engine statement, its "
                             "shared buffers and best time of 3 (EXPLAIN ANALYZE), no timing run")
    args = parser.parse_args()
    if not args.database_url and not args.data_dir:
        args.data_dir = tempfile.mkdtemp(prefix="akhbar-bench-search-")
    setup(args.database_url, args.data_dir)
    if args.queries_only:
        run_queries(args)
        return 0
    if args.explain:
        explain(args)
        return 0
    if args.index_slice:
        index_slice(args.index_slice)
        return 0
    if args.bulk_slice:
        bulk_index_pg(args.bulk_slice)
        return 0
    if not args.reuse:
        build(args)
    # The queries run in a process of their own, so that its memory is that of a web worker.
    cmd = [sys.executable, "-m", "bench.search", "--queries-only", "--repeat", str(args.repeat)]
    if args.database_url:
        cmd += ["--database-url", args.database_url]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
