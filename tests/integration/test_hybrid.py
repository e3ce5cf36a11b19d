"""Hybrid retrieval: a lexical (BM25, bm25s) index built beside the vectors in the same generation, searched alone or
fused with the dense search; real embedder, real FAISS and bm25s indexes, the installed console script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import factcheck_script, write

from factcheck import FactChecker, FactcheckError
from factcheck.index import LEXICAL_DIR, FaissIndex, IndexConfig, SearchFilter, build_index, fuse, tokenize

#: a rare code, named in one sentence among many on the same topic: where BM25 is strong.
RARE = "The RX-17 valve failed its pressure test at the Dunmore plant in March."


def _corpus(root: Path) -> Path:
    sentences = [f"Engineers at plant number {i} checked the pressure valves of the cooling circuit again." for i in range(40)]
    write(root / "valves.txt", " ".join(sentences[:20] + [RARE] + sentences[20:]))
    write(root / "fr.md", "---\nlang: fr\n---\nLa vanne RX-17 a été remplacée à Dunmore en avril. Les ingénieurs ont vérifié le circuit.")
    return root


@pytest.fixture(scope="module")
def hybrid_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hybrid")
    build_index([_corpus(root / "docs")], root / "idx")
    return root / "idx"


def test_tokens_are_folded_stemmed_in_their_language_and_figures_split() -> None:
    assert tokenize("The valves FAILED; 9.74 billion", "en") == ["valv", "fail", "9", "74", "billion"]
    assert tokenize("Les vannes ont été remplacées, 9,74 milliards", "fr") == ["vann", "remplac", "9", "74", "milliard"]


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    assert fuse([[1, 2, 3], [3, 1, 4]], 3) == [1, 3, 2]
    assert fuse([[5], []], 2) == [5]


def test_a_build_writes_the_lexical_half_in_the_same_generation(hybrid_index: Path) -> None:
    index = FaissIndex.open(hybrid_index)
    assert index.manifest["retrieval"] == "hybrid"
    assert index.manifest["lexical"]["library"] == "bm25s" and index.manifest["lexical"]["passages"] == index.passage_count
    assert (index.dir / LEXICAL_DIR).is_dir()


def test_lexical_and_hybrid_search_find_the_sentence_with_the_rare_name(hybrid_index: Path) -> None:
    checker = FactChecker.open(hybrid_index)
    claim = "The RX-17 valve failed a pressure test"
    lexical = checker.with_config(retrieval="lexical").judge([claim])[0]
    assert lexical.hits[0].passage.text == RARE
    assert checker.config.retrieval == "auto"  # dense, until hybrid improves the verdicts too
    hybrid = checker.with_config(retrieval="hybrid").judge([claim])[0]
    assert RARE in [h.passage.text for h in hybrid.hits[:3]]
    # whatever found a passage, its similarity is the claim's cosine to it: the gate reads one measure
    vector = checker.embedder.encode_queries([claim])[0]
    index = FaissIndex.open(hybrid_index)
    for hit in lexical.hits + hybrid.hits:
        assert hit.similarity == pytest.approx(float(np.dot(vector, index.vectors([hit.row])[0])), abs=1e-4)


def test_filters_apply_to_the_lexical_half(hybrid_index: Path) -> None:
    checker = FactChecker.open(hybrid_index).with_config(retrieval="lexical").with_filter(SearchFilter(languages=("fr",)))
    hits = checker.judge(["RX-17 Dunmore"])[0].hits
    assert hits and all(h.passage.lang == "fr" for h in hits)


def test_a_dense_index_searches_dense_and_refuses_lexical_modes(tmp_path: Path) -> None:
    build_index([_corpus(tmp_path / "docs")], tmp_path / "idx", config=IndexConfig(retrieval="dense"))
    index = FaissIndex.open(tmp_path / "idx")
    assert index.manifest["retrieval"] == "dense" and "lexical" not in index.manifest and not (index.dir / LEXICAL_DIR).exists()
    checker = FactChecker.open(tmp_path / "idx")
    assert checker.judge(["The RX-17 valve failed"])[0].hits
    with pytest.raises(FactcheckError, match="no lexical half"):
        checker.with_config(retrieval="hybrid").judge(["The RX-17 valve failed"])
    proc = subprocess.run(
        [factcheck_script(), "check", "The RX-17 valve failed", "--index", str(tmp_path / "idx"), "--retrieval", "lexical"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "no lexical half" in proc.stderr and "rebuild" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_the_console_script_builds_and_searches_each_mode(tmp_path: Path) -> None:
    docs = _corpus(tmp_path / "docs")
    subprocess.run([factcheck_script(), "index", str(docs), "--index", str(tmp_path / "idx")], check=True, capture_output=True)
    for mode in ("dense", "lexical", "hybrid"):
        out = subprocess.run(
            [factcheck_script(), "check", "RX-17 valve pressure test", "--index", str(tmp_path / "idx"), "--retrieval", mode, "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        evidence = json.loads(out.stdout)["evidence"]
        assert evidence, mode
        if mode != "dense":
            assert RARE in [e["text"] for e in evidence[:3]], mode
