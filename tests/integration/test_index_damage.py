"""A damaged or planted index directory (issue 29): every damage is one line saying the index is corrupt and how to
fix it, never a traceback or a silently wrong answer; an index directory cannot point factcheck at files outside it
nor make it download a model. Each test damages its own copy of one small index, then runs the console script."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers import factcheck_script, one_line_error, run_cli, write

from factcheck.embed import create_embedder
from factcheck.index import CURRENT, MANIFEST, STORE, VECTORS, FaissIndex, build_index

CLAIM = "Document 3 reports fact number 0 about topic 21."


def _docs(root: Path, n: int = 80) -> Path:
    for i in range(n):
        write(root / f"doc{i:03d}.txt", f"Document {i} reports fact number 0 about topic {i * 7}.")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small index (80 passages: its vectors file is 120 KB, room for 50 KB of garbage in the middle)."""
    root = tmp_path_factory.mktemp("built")
    build_index([_docs(root / "docs")], root / "idx", create_embedder("all-MiniLM-L6-v2"))
    return root / "idx"


@pytest.fixture()
def idx(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built, tmp_path / "idx")
    return tmp_path / "idx"


def _gen(idx: Path) -> Path:
    return idx / (idx / CURRENT).read_text()


def _edit_manifest(idx: Path, edit: Callable[[dict], object]) -> None:
    path = _gen(idx) / MANIFEST
    manifest = json.loads(path.read_text())
    result = edit(manifest)  # edits the manifest in place, or returns a list to stand in its place
    path.write_text(json.dumps(result if isinstance(result, list) else manifest))


MANIFEST_EDITS: dict[str, Callable[[dict], object]] = {
    "no embedder": lambda m: m.pop("embedder"),
    "embedder a string": lambda m: m.__setitem__("embedder", "all-MiniLM-L6-v2"),
    "no counts.passages": lambda m: m["counts"].pop("passages"),
    "counts.passages a string": lambda m: m["counts"].__setitem__("passages", "80"),
    "counts.passages lowered": lambda m: m["counts"].__setitem__("passages", 5),
    "dim wrong": lambda m: m["embedder"].__setitem__("dim", 512),
    "no faiss section": lambda m: m.pop("faiss"),
    "a list": lambda m: [m],
    "no build": lambda m: m.pop("build"),
    "files a list": lambda m: m.__setitem__("files", []),
    "a file outside": lambda m: m["files"].__setitem__("../../CURRENT", {"bytes": 10, "sha256": ""}),
}


@pytest.mark.parametrize("edit", list(MANIFEST_EDITS), ids=list(MANIFEST_EDITS))
def test_a_manifest_with_missing_or_wrong_keys_is_refused_in_one_line(idx: Path, edit: str) -> None:
    """Valid JSON with a key missing or of the wrong type was a KeyError, AttributeError or ValueError traceback; a
    lowered passage count silently limited the results."""
    _edit_manifest(idx, MANIFEST_EDITS[edit])
    one_line_error(run_cli("info", "--index", str(idx)), "is corrupt")
    one_line_error(run_cli("check", CLAIM, "--index", str(idx)), "is corrupt")


def test_garbage_in_the_vectors_is_refused_not_answered(idx: Path) -> None:
    """50 KB of garbage in the middle of vectors.faiss (same size): check answered with similarities around 1e37.
    Now the search refuses what unit vectors cannot give, and info --verify names the file."""
    vectors = _gen(idx) / VECTORS
    data = bytearray(vectors.read_bytes())
    middle = len(data) // 2 - 25_000
    data[middle : middle + 50_000] = np.random.default_rng(7).bytes(50_000)
    vectors.write_bytes(bytes(data))
    one_line_error(run_cli("check", CLAIM, "--index", str(idx)), "beyond what unit vectors allow")
    one_line_error(run_cli("info", "--index", str(idx), "--verify"), f"{VECTORS} does not match its checksum")


def test_a_truncated_file_is_refused_at_open(idx: Path) -> None:
    vectors = _gen(idx) / VECTORS
    vectors.write_bytes(vectors.read_bytes()[:-4096])
    one_line_error(run_cli("info", "--index", str(idx)), f"{VECTORS} is")


def test_info_verify_passes_an_intact_index(idx: Path) -> None:
    proc = run_cli("info", "--index", str(idx), "--verify", "--json")
    assert proc.returncode == 0, proc.stderr
    files = json.loads(proc.stdout)["files"]
    assert {VECTORS, STORE} <= set(files) and any(name.startswith("lexical/") for name in files)
    assert f"all {len(files)} files" in proc.stderr


def _drop_table(store: Path) -> None:
    with sqlite3.connect(store) as con:
        con.execute("DROP TABLE documents")  # the passages, which every open counted, stay


def _delete_rows(store: Path) -> None:
    with sqlite3.connect(store) as con:
        con.execute("DELETE FROM passages WHERE id % 2 = 0")


def _damage_page(store: Path) -> None:
    with sqlite3.connect(store) as con:
        page = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'documents'").fetchone()[0]
    data = bytearray(store.read_bytes())
    data[(root - 1) * page : root * page] = b"\xa5" * page  # the documents table's page (the passages stay readable)
    store.write_bytes(bytes(data))


STORE_DAMAGE: dict[str, Callable[[Path], None]] = {"dropped table": _drop_table, "deleted rows": _delete_rows, "damaged pages": _damage_page}


@pytest.mark.parametrize("damage", list(STORE_DAMAGE), ids=list(STORE_DAMAGE))
def test_a_damaged_passage_store_is_refused_in_one_line(idx: Path, damage: str) -> None:
    """A damaged page, a dropped table or deleted rows: DatabaseError, OperationalError or KeyError tracebacks."""
    STORE_DAMAGE[damage](_gen(idx) / STORE)
    one_line_error(run_cli("check", CLAIM, "--index", str(idx)), "is corrupt")


@pytest.mark.parametrize("content", ["../other/{gen}", "{other}/{gen}", b"\xff\xfegen-000001\n", "gen-000001/../../other/{gen}"])
def test_current_names_only_a_generation_of_its_own_directory(idx: Path, built: Path, tmp_path: Path, content: str | bytes) -> None:
    """CURRENT holding ../... or an absolute path silently served another index; non-UTF-8 bytes were a traceback."""
    other = tmp_path / "other"
    shutil.copytree(built, other)
    gen = (other / CURRENT).read_text()
    (idx / CURRENT).write_bytes(content if isinstance(content, bytes) else content.format(gen=gen, other=other).encode())
    one_line_error(run_cli("info", "--index", str(idx)), f"{CURRENT} names")


def test_a_planted_link_is_never_written_through(built: Path, tmp_path: Path) -> None:
    """A CURRENT.tmp symlink made a build overwrite the file it points at; a symlink at the next generation's
    temporary folder made the build fail. Both are removed (never followed) and the build goes on."""
    docs = _docs(tmp_path / "docs")
    build_index([docs], tmp_path / "idx", create_embedder("all-MiniLM-L6-v2"))
    victim = write(tmp_path / "outside" / "victim.txt", "precious")
    victim_dir = tmp_path / "outside" / "dir"
    write(victim_dir / "keep.txt", "also precious")
    (tmp_path / "idx" / f"{CURRENT}.tmp").symlink_to(victim)
    (tmp_path / "idx" / ".gen-000002.tmp").symlink_to(victim_dir, target_is_directory=True)
    write(docs / "doc000.txt", "Document 0 was rewritten.")
    proc = run_cli("index", str(docs), "--index", str(tmp_path / "idx"))
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious" and (victim_dir / "keep.txt").read_text() == "also precious"
    assert FaissIndex.open(tmp_path / "idx").generation == "gen-000002"


def _offline_env(cache: Path) -> dict[str, str]:
    """The environment of a user's first run: no offline switches for the hub, an empty factcheck cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["FACTCHECK_CACHE_DIR"] = str(cache)
    return env


def _network_namespace() -> None:
    if not shutil.which("unshare") or subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs unshare -rn (an unprivileged network namespace)")


def test_an_embedder_named_by_a_manifest_is_not_downloaded(idx: Path, tmp_path: Path) -> None:
    """A manifest naming a hub model made check try to download it (about 40 s of retried lookups). Now a model an
    index names is loaded from this machine only; the user allows a download by naming it with --embedder."""
    _network_namespace()
    _edit_manifest(idx, lambda m: m["embedder"].__setitem__("name", "someone/not-on-this-machine"))
    env = _offline_env(tmp_path / "cache")
    for args in (["check", CLAIM, "--index", str(idx)], ["index", str(tmp_path / "docs"), "--index", str(idx)]):
        if args[0] == "index":
            _docs(tmp_path / "docs", 3)
        # loopback only: a download attempt fails at once instead of retrying, and the message would say so
        proc = subprocess.run(["unshare", "-rn", factcheck_script(), *args], capture_output=True, text=True, timeout=300, env=env)
        one_line_error(proc, "pass --embedder someone/not-on-this-machine to allow the download")
