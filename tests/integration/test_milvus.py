"""The Milvus backend: unit tests on milvus-lite (a local .db file), integration tests on the real Milvus 2.3.5
standalone server (``milvus-server`` from the PyPI package ``milvus``), started in its own network namespace so
only this machine reaches it (see milvus_netns.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import ROOT, one_line_error, run_cli, write

pymilvus = pytest.importorskip("pymilvus", reason="the milvus backend needs pymilvus: pip install 'factcheck[milvus]'")

from factcheck import FactChecker, FactcheckError  # noqa: E402
from factcheck.errors import BackendError  # noqa: E402
from factcheck.index import FaissIndex, IndexConfig, SearchFilter, build_index, open_index  # noqa: E402
from factcheck.index._milvus import MilvusIndex, connect  # noqa: E402
from factcheck.ingest import Document  # noqa: E402

DEMO_CLAIMS = ROOT / "tests" / "data" / "demo_claims.jsonl"
STARGATE = "Stargate funds will not be available"


def _corpus(root: Path, n: int) -> Path:
    for i in range(n):
        write(root / f"doc{i:03d}.md", f"---\nsource: site{i % 2}.example\ndate: 2025-01-{i + 1:02d}\n---\nDocument {i} reports fact {i} about topic {i * 7}.")
    return root


# ---------------------------------------------------------------- milvus-lite


@pytest.fixture()
def lite(tmp_path: Path) -> str:
    pytest.importorskip("milvus_lite", reason="local .db files need milvus-lite: pip install 'factcheck[milvus]'")
    return str(tmp_path / "milvus.db")




def test_lite_build_reuse_filter_and_delete(tmp_path: Path, lite: str) -> None:
    docs = _corpus(tmp_path / "docs", 6)
    config = IndexConfig(backend="milvus", uri=lite)
    first = build_index([docs], "facts", config=config)
    assert (first.documents, first.embedded_documents) == (6, 6)
    index = open_index("facts", "milvus", lite)
    assert isinstance(index, MilvusIndex)
    m = index.manifest
    assert m["backend"] == "milvus" and m["milvus"]["index_type"] == "FLAT" and m["milvus"]["uri"] == lite
    assert m["counts"] == {"documents": 6, "passages": 6} and m["embedder"]["name"] == "all-MiniLM-L6-v2"
    generation = index.collection

    # unchanged documents keep their vectors: only the changed and the new one are embedded
    write(docs / "doc001.md", "Document 1 was rewritten with a brand new statement.")
    write(docs / "new.md", "A newly added document about something else entirely.")
    (docs / "doc005.md").unlink()
    second = build_index([docs], "facts", config=config)
    assert (second.embedded_documents, second.reused_documents, second.removed_documents) == (2, 4, 1)
    index = open_index("facts", "milvus", lite)
    assert index.collection != generation and index.manifest["counts"]["documents"] == 6
    assert connect(lite).list_collections().count(generation) == 0, "the old generation is dropped"

    checker = FactChecker.open("facts", backend="milvus", uri=lite)
    verdict = checker.check("Document 3 reports fact 3")
    nearest = max(verdict.evidence, key=lambda e: e.similarity)  # evidence is listed decisive first, not by similarity
    assert nearest.doc_id == "doc003.md" and nearest.source == "site1.example"
    only = checker.with_filter(SearchFilter(sources=("site0.example",), since="2025-01-03"))
    hits = only.with_config(top_k=10).judge(["Document 3 reports fact 3"])[0].hits
    assert hits and {h.passage.source for h in hits} == {"site0.example"} and all(h.passage.date >= "2025-01-03" for h in hits)

    assert index.delete_documents(["doc003.md"]) == 1
    reopened = open_index("facts", "milvus", lite)
    assert reopened.manifest["counts"] == {"documents": 5, "passages": 5}
    assert "doc003.md" not in {h.passage.doc_id for h in checker.with_config(top_k=10).judge(["Document 3 reports fact 3"])[0].hits}
    added = reopened.add_documents([Document("doc003.md", "Document 3 came back with fact 33.", source="site1.example")], checker.embedder)  # type: ignore[union-attr]
    assert added == 1 and open_index("facts", "milvus", lite).manifest["counts"] == {"documents": 6, "passages": 6}
    assert max(checker.check("Document 3 came back with fact 33").evidence, key=lambda e: e.similarity).doc_id == "doc003.md"


def test_lite_same_hits_as_faiss_and_reuses_faiss_vectors(tmp_path: Path, lite: str, demo_corpus: Path, demo_index: Path) -> None:
    faiss_index = FaissIndex.open(demo_index)
    report = build_index([demo_corpus], "demo", config=IndexConfig(backend="milvus", uri=lite), reuse=faiss_index)
    assert report.embedded_passages == 0 and report.reused_documents == report.documents
    milvus = open_index("demo", "milvus", lite)
    assert milvus.manifest["counts"] == faiss_index.manifest["counts"]
    vectors = faiss_index.vectors([0, 7, 42])
    assert np.allclose(milvus.vectors([0, 7, 42]), vectors)
    for where in (None, SearchFilter(languages=("fr",)), SearchFilter(since="2025-02-14", until="2025-02-16")):
        a = [[h.passage.text for h in row] for row in faiss_index.search(vectors, 8, where)]
        b = [[h.passage.text for h in row] for row in milvus.search(vectors, 8, where)]
        assert a == b, where


def test_lite_errors_are_one_line(tmp_path: Path, lite: str) -> None:
    with pytest.raises(FactcheckError, match="no index named nothing_here"):
        open_index("nothing_here", "milvus", lite)
    with pytest.raises(FactcheckError, match="not a Milvus index name"):
        open_index("bad-name!", "milvus", lite)
    with pytest.raises(FactcheckError, match="ending in .db"):
        open_index("x", "milvus", str(tmp_path / "milvus.sqlite"))
    with pytest.raises(FactcheckError, match="needs --uri"):
        open_index("x", "milvus", None)
    proc = run_cli("check", STARGATE, "--backend", "milvus")
    assert proc.returncode == 2 and "needs --uri" in proc.stderr and "Traceback" not in proc.stderr


def _release(client: Any, lite: str) -> None:
    """Close the client and stop this process's milvus-lite server for the file, so another process can open it."""
    from milvus_lite.server_manager import server_manager_instance

    client.close()
    server_manager_instance.release_server(lite)


def test_lite_file_reopened_by_new_processes(tmp_path: Path, lite: str) -> None:
    """The README's way to try Milvus: index into a milvus-lite file, then check, show and rebuild it, each in a
    new process (milvus-lite keeps no collection loaded across processes)."""
    docs = _corpus(tmp_path / "docs", 3)
    proc = run_cli("index", str(docs), "--index", "demo", "--uri", lite)
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("check", "Document 1 reports fact 7", "--index", "demo", "--uri", lite, "--json")
    assert proc.returncode == 0, proc.stderr
    verdict = json.loads(proc.stdout)
    assert max(verdict["evidence"], key=lambda e: e["similarity"])["doc_id"] == "doc001.md"
    proc = run_cli("info", "--index", "demo", "--uri", lite, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["counts"] == {"documents": 3, "passages": 3}
    write(docs / "new.md", "A newly added document about something else entirely.")
    proc = run_cli("index", str(docs), "--index", "demo", "--uri", lite, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert (report["documents"], report["embedded_documents"], report["reused_documents"]) == (4, 1, 3), "a rebuild reuses the vectors it has"


def test_lite_unreadable_index_is_one_line_and_a_rebuild_replaces_it(tmp_path: Path, lite: str) -> None:
    docs = _corpus(tmp_path / "docs", 2)
    assert run_cli("index", str(docs), "--index", "broken", "--uri", lite).returncode == 0
    client = connect(lite)
    generation = client.describe_alias(alias="broken")["collection_name"]
    client.upsert("broken__meta", [{"key": generation, "manifest": "{not json", "vector": [0.0, 0.0]}])
    # milvus-lite opens a file in one process at a time: while this one holds it, the console script cannot
    one_line_error(run_cli("info", "--index", "broken", "--uri", lite), "is another process using it?")
    _release(client, lite)
    one_line_error(run_cli("info", "--index", "broken", "--uri", lite), "is corrupt (its manifest is not JSON): rebuild it")
    proc = run_cli("index", str(docs), "--index", "broken", "--uri", lite, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["embedded_documents"] == 2
    assert json.loads(run_cli("info", "--index", "broken", "--uri", lite, "--json").stdout)["counts"]["documents"] == 2



# ---------------------------------------------------------------- the real Milvus 2.3.5 server


def _server_class():
    pytest.importorskip("milvus", reason="the server tests need the milvus 2.3.5 server package: pip install milvus==2.3.5")
    if shutil.which("unshare") is None:
        pytest.fail("the Milvus server tests need unshare (util-linux) to keep the server in a loopback-only network namespace")
    from milvus_netns import MilvusServer

    return MilvusServer


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory):
    server = _server_class()(tmp_path_factory.mktemp("milvus-data"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_on_server(milvus_server, demo_corpus: Path) -> str:
    """The demo index built on the server through the console script, as a user would."""
    proc = run_cli("index", str(demo_corpus), "--backend", "milvus", "--uri", milvus_server.uri, "--index", "demo", "--embedder", "all-MiniLM-L6-v2")
    assert proc.returncode == 0, proc.stderr
    return "demo"


def _verdicts(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_server_demo_claims_same_verdicts_as_faiss(tmp_path: Path, milvus_server, demo_on_server: str, demo_index: Path) -> None:
    info = json.loads(run_cli("info", "--index", demo_on_server, "--uri", milvus_server.uri, "--json").stdout)
    assert info["backend"] == "milvus" and info["milvus"]["index_type"] == "FLAT" and info["counts"]["documents"] == 33
    proc = run_cli("check", "--file", str(DEMO_CLAIMS), "--out", str(tmp_path / "milvus.jsonl"), "--index", demo_on_server, "--uri", milvus_server.uri)
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("check", "--file", str(DEMO_CLAIMS), "--out", str(tmp_path / "faiss.jsonl"), "--index", str(demo_index))
    assert proc.returncode == 0, proc.stderr
    milvus, faiss = _verdicts(tmp_path / "milvus.jsonl"), _verdicts(tmp_path / "faiss.jsonl")
    assert [v["label"] for v in milvus] == [v["label"] for v in faiss]
    assert {v["label"] for v in faiss} == {"supported", "disputed", "unverified"}
    for m, f in zip(milvus, faiss):
        assert [e["text"] for e in m["evidence"]] == [e["text"] for e in f["evidence"]]
        assert m["confidence"] == pytest.approx(f["confidence"], abs=1e-3)
        assert [e["similarity"] for e in m["evidence"]] == pytest.approx([e["similarity"] for e in f["evidence"]], abs=1e-3)


def test_server_delete_document_removes_its_passages(milvus_server, demo_corpus: Path, demo_index: Path) -> None:
    build_index([demo_corpus], "demo_delete", config=IndexConfig(backend="milvus", uri=milvus_server.uri), reuse=FaissIndex.open(demo_index))
    checker = FactChecker.open("demo_delete", uri=milvus_server.uri)
    doc = "en-06-musk-doubts-stargate-funds.md"
    assert doc in {e.doc_id for e in checker.check(STARGATE).evidence}
    index = checker.index
    assert isinstance(index, MilvusIndex)
    before = index.manifest["counts"]["passages"]
    deleted = index.delete_documents([doc])
    assert deleted > 0
    # searched at once: an index that changed in place searches with Strong consistency, so it sees its own delete
    assert doc not in {e.doc_id for e in checker.with_config(top_k=50).check(STARGATE).evidence}
    assert index.db.client.query(index.collection, filter=f'doc_id == "{doc}"', output_fields=["id"], consistency_level="Strong") == []
    assert open_index("demo_delete", "milvus", milvus_server.uri).manifest["counts"]["passages"] == before - deleted


def test_server_killed_gives_one_line_error_and_keeps_last_complete_generation(tmp_path: Path, demo_corpus: Path) -> None:
    server = _server_class()(tmp_path / "data")
    try:
        docs = _corpus(tmp_path / "docs", 4)
        proc = run_cli("index", str(docs), "--uri", server.uri, "--index", "facts")
        assert proc.returncode == 0, proc.stderr
        proc = run_cli("check", "--file", str(DEMO_CLAIMS), "--uri", server.uri, "--index", "facts", "--json")
        assert proc.returncode == 0, proc.stderr
        server.kill()
        for args in (["check", STARGATE, "--uri", server.uri, "--index", "facts"], ["index", str(demo_corpus), "--uri", server.uri, "--index", "facts"]):
            proc = run_cli(*args, timeout=120)
            assert proc.returncode == 2, proc.stderr
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
            assert lines[0].startswith(f"factcheck: error: Milvus at {server.uri} ") and "unreachable" in lines[0], lines[0]
    finally:
        server.stop()


def test_server_mid_build_failure_never_switches_the_alias(tmp_path: Path, milvus_server, demo_corpus: Path, demo_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that dies after writing part of its generation leaves the alias on the complete one."""
    from factcheck.index._milvus import MilvusTarget

    config = IndexConfig(backend="milvus", uri=milvus_server.uri)
    build_index([demo_corpus], "half", config=config, reuse=FaissIndex.open(demo_index))
    complete = open_index("half", "milvus", milvus_server.uri)

    class Dies(MilvusTarget):
        def write(self, passages, doc_rows, vectors, manifest, progress):  # type: ignore[no-untyped-def]
            def hook(phase: str, done: int, total: int) -> None:
                if phase == "store":
                    raise BackendError("connection lost while storing passages")

            return super().write(passages, doc_rows, vectors, manifest, hook)

    from factcheck.index import TARGETS

    docs = _corpus(tmp_path / "docs", 3)
    with monkeypatch.context() as patched:
        patched.setitem(TARGETS, "milvus", Dies)  # the factory makes the build's target by backend name
        with pytest.raises(BackendError):
            build_index([docs], "half", config=config)
    left = [c for c in connect(milvus_server.uri).list_collections() if c.startswith("half__g")]
    assert len(left) == 2, left  # the complete generation and the half-written one
    after = open_index("half", "milvus", milvus_server.uri)
    assert after.collection == complete.collection and after.manifest["counts"] == complete.manifest["counts"]
    assert FactChecker.open("half", uri=milvus_server.uri).check("Stargate funds will not be available").evidence
    build_index([docs], "half", config=config)  # the next build drops the left-over and completes
    assert [c for c in connect(milvus_server.uri).list_collections() if c.startswith("half__g")] == [open_index("half", "milvus", milvus_server.uri).collection]
    assert open_index("half", "milvus", milvus_server.uri).manifest["counts"] == {"documents": 3, "passages": 3}
