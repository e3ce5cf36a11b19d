"""The whole-text checking set (eval/extract/, issue 27) is well formed, and eval/extraction.py matches predicted
claims to expected ones as its docstring says: by source span, then one to one by token overlap."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from factcheck.ingest import read_documents

ROOT = Path(__file__).resolve().parents[2]
SET_DIR = ROOT / "eval" / "extract"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_extraction", ROOT / "eval" / "extraction.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def extraction() -> ModuleType:
    return _script()


def test_every_expected_claim_is_of_a_check_worthy_sentence_with_a_valid_label(extraction: ModuleType) -> None:
    rows = extraction.load(SET_DIR / "texts.jsonl")
    assert len(rows) >= 12 and {r["lang"] for r in rows} == {"en", "fr"}
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        sentences = row["sentences"]
        worthy = {i for i, (_, mark) in enumerate(sentences) if mark}
        covered = set()
        for claim in row["claims"]:
            where = f"{row['id']}: {claim['claim']!r}"
            assert isinstance(claim["sentence"], int) and 0 <= claim["sentence"] < len(sentences), where
            assert claim["sentence"] in worthy, f"{where}: sentence {claim['sentence']} is not marked check-worthy"
            assert claim["label"] in extraction.LABELS, where
            assert claim["claim"].strip() and claim["claim"] == claim["claim"].strip(), where
            covered.add(claim["sentence"])
        assert covered == worthy, f"{row['id']}: check-worthy sentences without an expected claim: {sorted(worthy - covered)}"
    labels = [c["label"] for r in rows for c in r["claims"]]
    assert all(labels.count(label) >= 3 for label in extraction.LABELS)


def test_every_text_has_corpus_documents_read_with_their_front_matter(extraction: ModuleType) -> None:
    rows = extraction.load(SET_DIR / "texts.jsonl")
    corpus = SET_DIR / "corpus"
    named = [name for row in rows for name in row["docs"]]
    assert all(row["docs"] for row in rows)
    assert sorted(named) == sorted(p.name for p in corpus.glob("*.md")), "every corpus file belongs to one text, and every named file exists"
    report = read_documents([corpus])
    assert not report.skipped
    by_file = {Path(d.path).name: d for d in report.documents}
    for name in named:
        doc = by_file[name]
        assert doc.title and doc.date and doc.lang in {"en", "fr"}, name
        assert not doc.text.lstrip().startswith("---"), f"{name}: front matter not read"


def test_claims_match_by_span_then_one_to_one_by_token_overlap(extraction: ModuleType) -> None:
    sentence, other = (0, 60), (61, 100)
    expected = [
        (*sentence, "Voltera Energy will build a battery factory in Sunderland."),
        (*sentence, "Voltera Energy's battery factory in Sunderland will create 1,200 jobs."),
        (*other, "The plant will open in 2028."),
    ]
    # one predicted claim for a sentence with two expected ones: it matches the one whose words it shares most
    jobs = (0, 60, "Voltera's Sunderland factory will create 1,200 jobs.")
    assert extraction.match_claims(expected, [jobs]) == [(1, 0)]
    # two predicted claims out of it: each its own expected claim, one to one
    build = (0, 30, "Voltera Energy will build a factory in Sunderland.")
    assert extraction.match_claims(expected, [jobs, build]) == [(0, 1), (1, 0)]
    # a claim with the right words but from another sentence does not match
    assert extraction.match_claims(expected[:2], [(61, 100, "Voltera Energy will build a battery factory in Sunderland.")]) == []
    # three predicted claims out of a one-claim sentence: one match, the best
    plants = [(61, 80, "The plant will open."), (61, 100, "The plant will open in 2028."), (80, 100, "Cells for cars.")]
    assert extraction.match_claims(expected[2:], plants) == [(0, 1)]
    # as many matches as can be made, before the best overlap: the claim that overlaps both sentences goes where it
    # leaves the other one a match
    both = (0, 100, "The plant will open in 2028.")
    only_first = (0, 60, "Something else entirely.")
    assert extraction.match_claims([expected[0], expected[2]], [both, only_first]) == [(0, 1), (1, 0)]
