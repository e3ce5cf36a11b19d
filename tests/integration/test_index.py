from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import factcheck_script, write

from factcheck import FactChecker, FactcheckError
from factcheck.index import CURRENT, FaissIndex, build_index
from factcheck.ingest import read_documents


def _corpus(root: Path, n: int, sentences: int = 1, tag: str = "") -> Path:
    for i in range(n):
        body = " ".join(f"Document {i} reports fact number {j} about topic {i * 7 + j}{tag}." for j in range(sentences))
        write(root / f"doc{i:04d}.txt", body)
    return root


def test_build_writes_faiss_store_and_manifest(tmp_path: Path, demo_corpus: Path, demo_index: Path) -> None:
    index = FaissIndex.open(demo_index)
    m = index.manifest
    assert m["embedder"]["name"] == "all-MiniLM-L6-v2" and len(m["embedder"]["weights_sha256"]) == 64
    assert m["embedder"]["dim"] == 384 and m["embedder"]["normalized"] is True
    assert m["counts"]["documents"] == len(list(demo_corpus.glob("*-*.md")))
    assert m["counts"]["passages"] == index.faiss_index.ntotal > 100
    assert set(m["corpus"]["languages"]) == {"en", "fr"}
    assert m["factcheck_version"] and m["faiss"]["index_type"] == "IndexFlatIP"
    vectors = index.vectors([0, 1])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    passage = index.passages([5])[0]
    assert passage.text and passage.doc_id and passage.end > passage.start


def test_reindex_embeds_only_changed_documents(tmp_path: Path) -> None:
    """1,000 documents; change 10, add 1, remove 2: only the 11 new or changed ones are embedded."""
    docs = _corpus(tmp_path / "docs", 1000)
    first = build_index([docs], tmp_path / "idx")
    assert (first.embedded_documents, first.reused_documents) == (1000, 0)
    before = FaissIndex.open(tmp_path / "idx")
    kept_vector = before.vectors([500])[0].copy()
    before.close()
    for i in range(10):
        write(docs / f"doc{i:04d}.txt", f"Document {i} was rewritten with a brand new statement.")
    write(docs / "new.txt", "A newly added document about something else entirely.")
    (docs / "doc0998.txt").unlink()
    (docs / "doc0999.txt").unlink()
    second = build_index([docs], tmp_path / "idx")
    assert second.embedded_documents == 11
    assert second.embedded_passages == 11
    assert second.reused_documents == 988
    assert second.removed_documents == 2
    after = FaissIndex.open(tmp_path / "idx")
    assert after.passage_count == 999
    docs_after = after.documents()
    assert "doc0999.txt" not in docs_after and "new.txt" in docs_after
    row = docs_after["doc0500.txt"]["first_passage"]
    assert np.array_equal(after.vectors([row])[0], kept_vector)
    assert after.passages([docs_after["doc0003.txt"]["first_passage"]])[0].text.endswith("brand new statement.")


def test_moved_corpus_is_not_reembedded_but_its_sources_are_refreshed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same documents named by a relative path, then moved: no passage is embedded again, and the cited
    source follows the files."""
    _corpus(tmp_path / "docs", 5, sentences=2)
    monkeypatch.chdir(tmp_path)
    first = build_index(["docs"], tmp_path / "idx")
    assert first.embedded_passages == 10
    again = build_index([tmp_path / "docs"], tmp_path / "idx")
    assert (again.embedded_passages, again.reused_documents) == (0, 5)
    (tmp_path / "docs").rename(tmp_path / "moved")
    moved = build_index([tmp_path / "moved"], tmp_path / "idx")
    assert (moved.embedded_passages, moved.reused_documents, moved.removed_documents) == (0, 5, 0)
    index = FaissIndex.open(tmp_path / "idx")
    sources = {p.source for p in index.passages(list(range(index.passage_count)))}
    assert sources == {str(tmp_path / "moved" / f"doc{i:04d}.txt") for i in range(5)}


def test_missing_corrupt_and_incompatible_indexes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FactcheckError, match="no index at"):
        FaissIndex.open(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FactcheckError, match="no complete factcheck index"):
        FaissIndex.open(tmp_path / "empty")
    with pytest.raises(FactcheckError, match="no documents given"):
        build_index([], tmp_path / "idx")
    build_index([_corpus(tmp_path / "docs", 3)], tmp_path / "idx")
    index = FaissIndex.open(tmp_path / "idx")
    with pytest.raises(FactcheckError, match="built with embedder 'all-MiniLM-L6-v2', not 'other-model'"):
        FactChecker.open(tmp_path / "idx", embedder="other-model")
    manifest = index.dir / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format": 99, "factcheck_version": "9.0"}))
    with pytest.raises(FactcheckError, match="has format 99"):
        FaissIndex.open(tmp_path / "idx")
    manifest.write_text("{ truncated")
    with pytest.raises(FactcheckError, match="corrupt"):
        FaissIndex.open(tmp_path / "idx")
    manifest.write_text(json.dumps(data))
    (index.dir / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(FactcheckError, match="corrupt"):
        _ = FaissIndex.open(tmp_path / "idx").faiss_index


def test_left_overs_of_an_interrupted_build_are_ignored_then_cleaned(tmp_path: Path) -> None:
    docs = _corpus(tmp_path / "docs", 3)
    build_index([docs], tmp_path / "idx")
    current = (tmp_path / "idx" / CURRENT).read_text()
    (tmp_path / "idx" / ".gen-000007.tmp").mkdir()
    (tmp_path / "idx" / "gen-000008").mkdir()
    (tmp_path / "idx" / "CURRENT.tmp").write_text("gen-000008")
    assert FaissIndex.open(tmp_path / "idx").generation == current
    build_index([docs], tmp_path / "idx")
    names = sorted(p.name for p in (tmp_path / "idx").iterdir() if p.name.startswith(("gen", ".gen")))
    # the left-overs went; the generation just replaced stays until the next build (a reader may be opening it)
    assert names == [current, (tmp_path / "idx" / CURRENT).read_text()]
    build_index([docs], tmp_path / "idx")
    names = sorted(p.name for p in (tmp_path / "idx").iterdir() if p.name.startswith(("gen", ".gen")))
    assert len(names) == 2 and current not in names and names[-1] == (tmp_path / "idx" / CURRENT).read_text()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_build_leaves_previous_index_intact(tmp_path: Path, sig: signal.Signals) -> None:
    small = _corpus(tmp_path / "small", 5)
    build_index([small], tmp_path / "idx")
    before = FaissIndex.open(tmp_path / "idx")
    generation, count = before.generation, before.passage_count
    # 4,000 long passages (about 100 tokens each): 40 s or more to embed on 2 cores even through ONNX Runtime,
    # which reads short sentences at about 400 a second (4,000 short ones were once done inside the 10 s below)
    filler = " ".join(f"clause{k} of a long sentence" for k in range(20))
    big = _corpus(tmp_path / "big", 400, sentences=10, tag=f" in a much longer corpus, {filler}")
    # SIGINT back to its default in the child, as in a terminal: a shell's background job (`cmd &`) starts with it
    # ignored, and an ignored SIGINT is inherited, so pytest run that way would see the build shrug off Ctrl-C
    proc = subprocess.Popen(
        [factcheck_script(), "index", str(big), "--index", str(tmp_path / "idx")],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(10)  # models loaded, passages being embedded
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "Traceback" not in err
        assert err.strip().splitlines()[-1].startswith("factcheck: interrupted")
    after = FaissIndex.open(tmp_path / "idx")
    assert (after.generation, after.passage_count) == (generation, count)
    verdict = FactChecker.open(tmp_path / "idx").check("Document 3 reports fact number 0")
    assert {e.doc_id for e in verdict.evidence} <= {f"doc{i:04d}.txt" for i in range(5)}


def test_an_index_kept_inside_its_documents_folder_is_not_read_as_documents(tmp_path: Path) -> None:
    docs = tmp_path / "notes"
    write(docs / "a.md", "The harbour opened in 1890.")
    write(docs / "sub" / "b.txt", "The bridge was rebuilt in 1950.")
    write(docs / ".hidden" / "c.txt", "Not evidence.")
    (docs / "link").symlink_to(docs / "sub")  # a symlinked folder is read; a loop back to the root is not followed twice
    (docs / "sub" / "back").symlink_to(docs)
    build_index([docs], docs / "index")
    report = read_documents([docs])
    assert report.skipped == []
    assert sorted(d.text for d in report.documents) == ["The bridge was rebuilt in 1950.", "The bridge was rebuilt in 1950.", "The harbour opened in 1890."]


def _unwrapped(text: str) -> str:
    """Text without its whitespace: the build summary is wrapped to the console's width, long paths and all."""
    return "".join(text.split())


def _permissions_enforced() -> list[str]:
    """A command prefix under which file permissions hold. None is needed for a user; root (the tests run as root in
    CI) reads any file, so as root the console script runs under setpriv with the two capabilities that override
    permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) dropped from its bounding set: still root, refused like a
    user."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"] if setpriv else []


def test_an_unreadable_file_or_folder_is_skipped_and_the_build_goes_on(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs / "good.txt", "The harbour opened in 1890 after years of work.")
    locked = write(docs / "locked.txt", "Nobody may read this sentence.")
    write(docs / "lockdir" / "inside.txt", "Nor this one, in a folder nobody may list.")
    locked.chmod(0)
    (docs / "lockdir").chmod(0)
    try:
        prefix = _permissions_enforced()
        if subprocess.run([*prefix, "true"]).returncode != 0 or subprocess.run([*prefix, "cat", str(locked)], capture_output=True).returncode == 0:
            pytest.skip("root, and no setpriv able to drop the capabilities that override permissions: a locked file reads here")
        proc = subprocess.run([*prefix, factcheck_script(), "index", str(docs), "--index", str(tmp_path / "idx")], capture_output=True, text=True, timeout=300)
        inside = docs / "lockdir" / "inside.txt"  # named on the command line, in a folder that cannot be looked into
        named = subprocess.run([*prefix, factcheck_script(), "index", str(docs / "good.txt"), str(inside), "--index", str(tmp_path / "idx2")], capture_output=True, text=True, timeout=300)
    finally:
        locked.chmod(0o644)
        (docs / "lockdir").chmod(0o755)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    err = _unwrapped(proc.stderr)
    assert _unwrapped("Indexed 1 documents") in err
    assert _unwrapped(f"skipped {locked}: cannot open: permission denied (give read access") in err
    assert _unwrapped(f"skipped {docs / 'lockdir'}: cannot list this folder: permission denied") in err
    assert [d["path"] for d in json.loads((tmp_path / "idx" / (tmp_path / "idx" / CURRENT).read_text() / "manifest.json").read_text())["skipped"]] == [str(docs / "lockdir"), str(locked)]
    assert named.returncode == 0 and "Traceback" not in named.stderr, named.stderr
    assert _unwrapped(f"skipped {inside}: cannot open: permission denied") in _unwrapped(named.stderr)


def test_a_fifo_a_broken_link_and_a_bad_jsonl_line_never_stop_or_hang_a_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs / "good.txt", "The harbour opened in 1890 after years of work.")
    os.mkfifo(docs / "pipe.txt")  # reading it would wait for a writer forever
    (docs / "gone.txt").symlink_to(docs / "deleted.txt")
    write(docs / "rows.jsonl", json.dumps({"id": "r1", "text": "The bridge was rebuilt in 1950."}) + "\n{oops\n" + json.dumps({"id": "r3", "text": "The tram line cost 610 million euros."}) + "\n")
    proc = subprocess.run([factcheck_script(), "index", str(docs), "--index", str(tmp_path / "idx")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    err = _unwrapped(proc.stderr)
    assert _unwrapped("Indexed 3 documents") in err
    assert _unwrapped(f"skipped {docs / 'pipe.txt'}: not a regular file (a FIFO)") in err
    assert _unwrapped(f"skipped {docs / 'gone.txt'}: no such file (a broken link?)") in err
    assert _unwrapped(f"skipped {docs / 'rows.jsonl'}:2: invalid JSON") in err
    assert sorted(FaissIndex.open(tmp_path / "idx").documents()) == ["good.txt", "r1", "r3"]


def test_a_build_logs_progress_lines_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    """No bar can show in a log or a pipe: a line every FACTCHECK_PROGRESS_SECONDS (0 here: every step) instead."""
    docs = _corpus(tmp_path / "docs", 3, sentences=2)
    env = {**os.environ, "FACTCHECK_PROGRESS_SECONDS": "0"}
    proc = subprocess.run([factcheck_script(), "index", str(docs), "--index", str(tmp_path / "idx")], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = [line.rsplit(",", 1)[0] for line in proc.stderr.splitlines() if re.match(r"factcheck: \w+ \w+ \d+/\d+ ", line)]
    assert lines[:4] == ["factcheck: read files 1/3 (33%)", "factcheck: read files 2/3 (66%)", "factcheck: read files 3/3 (100%)", "factcheck: split documents 3/3 (100%)"]
    assert "factcheck: embed passages 6/6 (100%)" in lines
