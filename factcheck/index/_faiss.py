"""The FAISS backend: an index directory on disk.

Layout of a FAISS index directory::

    my-index/
      CURRENT            name of the complete generation, replaced atomically at the end of a build
      gen-000003/
        manifest.json    embedder and its weights hash, dimension, FAISS parameters, counts, checksums
        vectors.faiss    one vector per passage; vector i is passage row i
        passages.sqlite  passages (text, offsets) and documents (title, source, date, checksum)
        lexical/         BM25 over the passages (bm25s; row i is passage i), absent in a dense-only index

A build writes a new generation beside the current one and only then points CURRENT at it, so an interrupted
or failed build (Ctrl-C, kill -9, a full disk) leaves the previous index intact and readable. Unchanged
documents keep their vectors: only new or changed documents are embedded.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._types import Hit, Passage, Progress
from ..errors import FactcheckError, IndexBusyError, IndexError_
from . import _ann as ann
from ._base import IndexConfig, SearchFilter, check_format
from ._lexical import LEXICAL_DIR, LexicalIndex, build_lexical

#: passages read in one SQLite query.
READ_ROWS = 20000

if TYPE_CHECKING:
    import faiss

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
STORE = "passages.sqlite"


class FaissIndex:
    """A read-only view of one complete generation of an index directory (an :class:`EvidenceStore`)."""

    backend = "faiss"

    def __init__(self, root: Path, generation: str, manifest: dict) -> None:
        self.root = root
        self.dir = root / generation
        self.generation = generation
        self.manifest = manifest

    @property
    def location(self) -> str:
        """How messages name this index."""
        return f"at {self.root}"

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, root: str | Path) -> FaissIndex:
        root = Path(root)
        hint = f"build one with: factcheck index DOCS --index {root}"
        if not root.exists():
            raise IndexError_(f"no index at {root}: {hint}")
        if not root.is_dir():
            raise IndexError_(f"{root} is a file, not an index directory: {hint}")
        try:
            generation = (root / CURRENT).read_text().strip()
        except FileNotFoundError:
            raise IndexError_(f"{root} holds no complete factcheck index (no {CURRENT} file): {hint}") from None
        gen_dir = root / generation
        try:
            manifest = json.loads((gen_dir / MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise IndexError_(f"index at {root} is corrupt ({MANIFEST}: {exc}): rebuild it with factcheck index") from None
        check_format(manifest, f"at {root}")
        for name in (VECTORS, STORE):
            if not (gen_dir / name).is_file():
                raise IndexError_(f"index at {root} is corrupt ({generation}/{name} is missing): rebuild it with factcheck index")
        return cls(root, generation, manifest)

    # -- contents --------------------------------------------------------------------------------

    @cached_property
    def faiss_index(self) -> faiss.Index:
        try:
            return ann.read(str(self.dir / VECTORS), self.manifest["faiss"])
        except RuntimeError as exc:
            raise IndexError_(f"index at {self.root} is corrupt (vectors: {str(exc).splitlines()[0]}): rebuild it") from None

    @cached_property
    def db(self) -> sqlite3.Connection:
        uri = f"file:{self.dir / STORE}?mode=ro"
        try:
            con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            con.execute("SELECT count(*) FROM passages").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"index at {self.root} is corrupt (passage store: {exc}): rebuild it") from None
        return con

    @property
    def passage_count(self) -> int:
        return int(self.manifest["counts"]["passages"])

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        """Passages by row id (the FAISS vector position), in the order asked."""
        wanted = [int(i) for i in ids]
        by_id = {}
        for start in range(0, len(wanted), READ_ROWS):  # SQLite takes at most 32,766 parameters a query
            chunk = wanted[start : start + READ_ROWS]
            rows = self.db.execute(
                f"SELECT p.id, p.doc_id, p.text, p.start, p.end, d.title, d.source, d.date, p.lang "
                f"FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE p.id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            by_id.update({r[0]: Passage(doc_id=r[1], text=r[2], start=r[3], end=r[4], title=r[5], source=r[6], date=r[7], lang=r[8]) for r in rows})
        return [by_id[i] for i in wanted]

    def documents(self) -> dict[str, dict]:
        rows = self.db.execute("SELECT doc_id, checksum, first_passage, n_passages, lang FROM documents").fetchall()
        return {r[0]: {"checksum": r[1], "first_passage": r[2], "n_passages": r[3], "lang": r[4]} for r in rows}

    def search_ids(self, vectors: np.ndarray, k: int, where: SearchFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """FAISS scores and row ids of the top ``k`` passages per vector (id -1 pads when fewer match)."""
        import faiss

        k = max(1, min(k, self.passage_count))
        if not where:
            return ann.search(self.faiss_index, vectors, k)
        rows = self._rows(where)
        selector = faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64)) if rows else faiss.IDSelectorRange(0, 0)
        return ann.search(self.faiss_index, vectors, k, params=ann.search_parameters(self.faiss_index, selector))

    def search(self, vectors: np.ndarray, k: int, where: SearchFilter | None = None) -> list[list[Hit]]:
        """The top ``k`` passages for each vector, best first."""
        scores, ids = self.search_ids(vectors, k, where)
        wanted = sorted({int(i) for row in ids for i in row if i >= 0})
        passages = dict(zip(wanted, self.passages(wanted)))
        return [[Hit(passages[int(i)], float(s), int(i)) for s, i in zip(rs, ri) if i >= 0] for rs, ri in zip(scores, ids)]

    @cached_property
    def lexical(self) -> LexicalIndex:
        if not self.manifest.get("lexical") or not (self.dir / LEXICAL_DIR).is_dir():
            raise IndexError_(f"the index at {self.root} has no lexical half (built dense only, or before lexical search): rebuild it with factcheck index")
        return LexicalIndex(self.dir / LEXICAL_DIR)

    def lexical_search(self, texts: Sequence[str], langs: Sequence[str], k: int, where: SearchFilter | None = None) -> list[list[tuple[int, float]]]:
        """The top ``k`` rows of each text by BM25 (see :class:`EvidenceStore`); a filter applies as a row mask."""
        mask = None
        if where:
            mask = np.zeros(self.passage_count, dtype=np.float32)
            mask[self._rows(where)] = 1.0
        return self.lexical.search(texts, langs, k, mask)

    def _rows(self, where: SearchFilter) -> list[int]:
        """The row ids of the passages a filter lets through."""
        clause, params = _sql(where)
        return [r[0] for r in self.db.execute(f"SELECT p.id FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE {clause}", params)]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        index = self.faiss_index
        if not ids:
            return np.zeros((0, index.d), dtype=np.float32)
        return ann.reconstruct(index, np.asarray(ids, dtype=np.int64))

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
            del self.__dict__["db"]


def _sql(where: SearchFilter) -> tuple[str, list[str]]:
    """A WHERE clause over ``passages p JOIN documents d`` and its parameters."""
    clauses: list[str] = []
    params: list[str] = []
    if where.sources:
        clauses.append(f"d.source IN ({','.join('?' * len(where.sources))})")
        params += where.sources
    if where.languages:
        clauses.append(f"p.lang IN ({','.join('?' * len(where.languages))})")
        params += where.languages
    if where.since:
        clauses.append("d.date != '' AND d.date >= ?")
        params.append(where.since)
    if where.until:
        clauses.append("d.date != '' AND d.date <= ?")
        params.append(where.until)
    return " AND ".join(clauses) or "1", params


class FaissTarget:
    """Where a FAISS build writes (a :class:`BuildTarget`): a new generation directory, then CURRENT switched to it."""

    def __init__(self, root: str | Path, config: IndexConfig | None = None) -> None:
        self.root = Path(root)
        self.config = config or IndexConfig()
        if self.root.exists() and not self.root.is_dir():
            raise FactcheckError(f"--index {self.root} is a file: give a directory for the index")
        foreign = sorted(p.name for p in self.root.iterdir() if not _written_by_a_build(p.name)) if self.root.is_dir() and not (self.root / CURRENT).exists() else []
        if foreign:
            raise FactcheckError(
                f"--index {self.root} holds other files ({foreign[0]}{', ...' if len(foreign) > 1 else ''}) and no factcheck index: "
                "give a new or empty folder for the index"
            )
        if self.config.uri:
            raise FactcheckError("--uri is for the milvus backend: drop it, or use --backend milvus")

    @contextmanager
    def lock(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / ".lock"), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise IndexBusyError(f"another factcheck build is writing {self.root}: wait for it to finish") from None
        try:
            yield
        finally:
            lock.release()

    def current(self) -> FaissIndex | None:
        try:
            old = FaissIndex.open(self.root)
        except IndexError_:
            old = None
        # Left-overs of interrupted builds go; the current generation stays until the new one replaces it.
        _remove_stale_generations(self.root, keep=_current_generation(self.root))
        return old

    def write(self, passages: list[Passage], doc_rows: list[tuple], vectors: np.ndarray, manifest: dict, progress: Progress | None) -> None:
        generation = _next_generation(self.root)
        tmp = self.root / f".{generation}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        # all FAISS build choices live in factcheck.index._ann
        manifest["faiss"] = ann.choose(len(vectors), vectors.shape[1], self.config.exact_up_to, self.config.nprobe)
        ann.write(ann.build(vectors, manifest["faiss"]), str(tmp / VECTORS))
        _write_store(tmp / STORE, passages, doc_rows)
        if self.config.retrieval == "hybrid":
            manifest["lexical"] = build_lexical(passages, tmp / LEXICAL_DIR)
        manifest["retrieval"] = self.config.retrieval
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        _fsync_dir_files(tmp)
        os.rename(tmp, self.root / generation)
        _atomic_write(self.root / CURRENT, generation)
        _remove_stale_generations(self.root, keep=generation)


def _write_store(path: Path, passages: list[Passage], doc_rows: list[tuple]) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(
            """
            CREATE TABLE documents (doc_id TEXT PRIMARY KEY, title TEXT, source TEXT, date TEXT, lang TEXT,
                                    path TEXT, checksum TEXT, first_passage INTEGER, n_passages INTEGER);
            CREATE TABLE passages (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, text TEXT NOT NULL,
                                   start INTEGER, end INTEGER, lang TEXT);
            """
        )
        con.executemany("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?)", doc_rows)
        con.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?)",
            ((i, p.doc_id, p.text, p.start, p.end, p.lang) for i, p in enumerate(passages)),
        )
        con.commit()
    finally:
        con.close()


def _current_generation(root: Path) -> str | None:
    try:
        return (root / CURRENT).read_text().strip() or None
    except OSError:
        return None


def _written_by_a_build(name: str) -> bool:
    """Whether a name in an index directory is one a build writes (an interrupted first build leaves some)."""
    return name in (CURRENT, CURRENT + ".tmp", ".lock") or name.startswith(("gen-", ".gen-"))


def _next_generation(root: Path) -> str:
    numbers = [int(p.name[4:].split(".")[0]) for p in root.glob("gen-*") if p.name[4:].split(".")[0].isdigit()]
    numbers += [int(p.name[5:].split(".")[0]) for p in root.glob(".gen-*") if p.name[5:].split(".")[0].isdigit()]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def _remove_stale_generations(root: Path, keep: str | None) -> None:
    for child in list(root.glob("gen-*")) + list(root.glob(".gen-*")):
        if child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def _fsync_dir_files(directory: Path) -> None:
    for file in directory.iterdir():
        if file.is_dir():
            _fsync_dir_files(file)
            continue
        with open(file, "rb") as fh:
            os.fsync(fh.fileno())


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
