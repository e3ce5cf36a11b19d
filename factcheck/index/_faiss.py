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

Readers and builds at once: a reader opens the vectors (memory-mapped) and the passage store of its generation when
it opens the index, so a build that removes that generation afterwards takes nothing from under it (on POSIX an open
file outlives its name). Between reading CURRENT and opening those files a build may switch CURRENT and remove the
generation just read: the reader then reads CURRENT again, once. And a build removes only generations older than the
one it replaced, so the previous generation stays on disk until the next build (for the lexical half, which a reader
opens on its first lexical search). Cost: the disk space of one more generation.

Trust: CURRENT must name a generation folder of this directory (``gen-NNNNNN``), never a path elsewhere; the manifest
is checked key by key; it records the size and sha256 of every file of its generation, sizes are compared at every
open and ``factcheck info --verify`` compares the hashes; a search that returns a similarity no pair of unit
vectors can have is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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
from ._base import IndexConfig, SearchFilter, check_format, check_manifest
from ._lexical import LEXICAL_DIR, LexicalIndex, build_lexical

#: passages read in one SQLite query.
READ_ROWS = 20000

if TYPE_CHECKING:
    import faiss

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
STORE = "passages.sqlite"
#: the only names CURRENT may hold: a generation folder of the index directory itself.
GENERATION = re.compile(r"gen-\d{6}")
#: the largest similarity a search may return: vectors are unit length, so a cosine is within [-1, 1]; the
#: margin covers 8-bit quantization (IVF-SQ8). Anything beyond comes from damaged vectors.
MAX_SIMILARITY = 1.1


class _Vanished(Exception):
    """The generation CURRENT named is gone (a build replaced and removed it after CURRENT was read)."""


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
        """Open the current generation: its manifest checked, its vectors and passage store opened at once."""
        root = Path(root)
        hint = f"build one with: factcheck index DOCS --index {root}"
        if not root.exists():
            raise IndexError_(f"no index at {root}: {hint}")
        if not root.is_dir():
            raise IndexError_(f"{root} is a file, not an index directory: {hint}")
        generation = _read_current(root, hint)
        try:
            return cls._open_generation(root, generation)
        except _Vanished:
            # a build switched CURRENT and removed this generation between our reading CURRENT and opening its
            # files: the new generation is complete (CURRENT names only complete ones), open it instead
            again = _read_current(root, hint)
            try:
                return cls._open_generation(root, again)
            except _Vanished:
                raise _corrupt(root, f"{again}/{MANIFEST} is missing") from None

    @classmethod
    def _open_generation(cls, root: Path, generation: str) -> FaissIndex:
        gen_dir = root / generation
        if gen_dir.is_symlink():
            raise _corrupt(root, f"{generation} is a symbolic link, which no build writes")
        try:
            text = (gen_dir / MANIFEST).read_text(encoding="utf-8")
        except FileNotFoundError:
            if _current_generation(root) != generation:
                raise _Vanished(generation) from None
            raise _corrupt(root, f"{generation}/{MANIFEST} is missing") from None
        except (OSError, ValueError) as exc:
            raise _corrupt(root, f"{MANIFEST}: {exc}") from None
        try:
            manifest = json.loads(text)
        except ValueError as exc:
            raise _corrupt(root, f"{MANIFEST}: {exc}") from None
        if not isinstance(manifest, dict):
            raise _corrupt(root, f"{MANIFEST} holds {type(manifest).__name__}, not an object")
        check_format(manifest, f"at {root}")
        check_manifest(manifest, f"at {root}")
        index = cls(root, generation, manifest)
        try:
            index._check_files()
            # opened now, not on first use: a build may remove this generation once a newer one is current
            index._open_files()
        except _Vanished:
            index.close()
            if _current_generation(root) != generation:
                raise
            raise _corrupt(root, f"files of {generation} are missing") from None
        except BaseException:
            index.close()
            raise
        return index

    def _check_files(self) -> None:
        """Every file there, of the size the manifest records (when it records sizes: older builds did not)."""
        for name in (VECTORS, STORE):
            if not (self.dir / name).is_file():
                if not self.dir.is_dir():
                    raise _Vanished(self.generation)
                raise _corrupt(self.root, f"{self.generation}/{name} is missing")
        for name, meta in (self.manifest.get("files") or {}).items():
            try:
                size = (self.dir / name).stat().st_size
            except FileNotFoundError:
                if not self.dir.is_dir():
                    raise _Vanished(self.generation) from None
                raise _corrupt(self.root, f"{self.generation}/{name} is missing") from None
            if size != meta["bytes"]:
                raise _corrupt(self.root, f"{name} is {size:,} bytes, its manifest says {meta['bytes']:,}")

    def _open_files(self) -> None:
        """Open the vectors and the passage store, and check them against the manifest."""
        try:
            index, _ = self.faiss_index, self.db
        except IndexError_:
            if not self.dir.is_dir():
                raise _Vanished(self.generation) from None
            raise
        counts, dim = self.manifest["counts"], self.manifest["embedder"]["dim"]
        if index.ntotal != counts["passages"]:
            raise _corrupt(self.root, f"{VECTORS} holds {index.ntotal:,} vectors, its manifest counts {counts['passages']:,} passages")
        if index.d != dim:
            raise _corrupt(self.root, f"{VECTORS} holds vectors of dimension {index.d}, its manifest says {dim}")
        # the last row id (a b-tree lookup, where counting would read every passage); a row missing in the middle is
        # found when a search reaches it (passages())
        last = self._query("SELECT max(id) FROM passages")[0][0]
        docs = self._query("SELECT count(*) FROM documents")[0][0]
        if last != counts["passages"] - 1:
            raise _corrupt(self.root, f"the passage store ends at row {last}, its manifest counts {counts['passages']:,} passages")
        if docs != counts["documents"]:
            raise _corrupt(self.root, f"the passage store holds {docs:,} documents, its manifest counts {counts['documents']:,}")

    def verify(self) -> int:
        """Compare every file of the generation with the sha256 its manifest records (IndexError_ at the first that
        differs); the number of files checked. Reads every byte: ``factcheck info --verify``."""
        files = self.manifest.get("files")
        if not files:
            raise IndexError_(f"index at {self.root} records no checksums (built by an older factcheck): rebuild it with factcheck index to verify it")
        on_disk = {p.relative_to(self.dir).as_posix() for p in self.dir.rglob("*") if p.is_file() and p.name != MANIFEST}
        extra = sorted(on_disk - set(files))
        if extra:
            raise _corrupt(self.root, f"{self.generation}/{extra[0]} is not one of its files")
        for name, meta in sorted(files.items()):
            try:
                digest = _sha256(self.dir / name)
            except FileNotFoundError:
                raise _corrupt(self.root, f"{self.generation}/{name} is missing") from None
            if digest != meta["sha256"]:
                raise _corrupt(self.root, f"{name} does not match its checksum")
        problems = self._query("PRAGMA quick_check")
        if problems and problems[0][0] != "ok":
            raise _corrupt(self.root, f"passage store: {problems[0][0]}")
        return len(files)

    # -- contents --------------------------------------------------------------------------------

    @cached_property
    def faiss_index(self) -> faiss.Index:
        try:
            return ann.read(str(self.dir / VECTORS), self.manifest["faiss"])
        except RuntimeError as exc:
            raise _corrupt(self.root, f"vectors: {str(exc).splitlines()[0]}") from None

    @cached_property
    def db(self) -> sqlite3.Connection:
        uri = f"file:{self.dir / STORE}?mode=ro"
        try:
            con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.DatabaseError as exc:
            raise _corrupt(self.root, f"passage store: {exc}") from None
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the schema: the file is open now
        except sqlite3.DatabaseError as exc:
            con.close()
            raise _corrupt(self.root, f"passage store: {exc}") from None
        return con

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Rows of a query on the passage store; a damaged store (a bad page, a dropped table) is IndexError_."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _corrupt(self.root, f"passage store: {exc}") from None

    @property
    def passage_count(self) -> int:
        return int(self.manifest["counts"]["passages"])

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        """Passages by row id (the FAISS vector position), in the order asked."""
        wanted = [int(i) for i in ids]
        by_id = {}
        for start in range(0, len(wanted), READ_ROWS):  # SQLite takes at most 32,766 parameters a query
            chunk = wanted[start : start + READ_ROWS]
            rows = self._query(
                f"SELECT p.id, p.doc_id, p.text, p.start, p.end, d.title, d.source, d.date, p.lang "
                f"FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE p.id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            by_id.update({r[0]: Passage(doc_id=r[1], text=r[2], start=r[3], end=r[4], title=r[5], source=r[6], date=r[7], lang=r[8]) for r in rows})
        lost = [i for i in wanted if i not in by_id]
        if lost:
            raise _corrupt(self.root, f"passage {lost[0]} or its document is missing from the passage store")
        return [by_id[i] for i in wanted]

    def documents(self) -> dict[str, dict]:
        rows = self._query("SELECT doc_id, checksum, first_passage, n_passages, lang FROM documents")
        return {r[0]: {"checksum": r[1], "first_passage": r[2], "n_passages": r[3], "lang": r[4]} for r in rows}

    def search_ids(self, vectors: np.ndarray, k: int, where: SearchFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """FAISS scores and row ids of the top ``k`` passages per vector (id -1 pads when fewer match)."""
        import faiss

        k = max(1, min(k, self.passage_count))
        if not where:
            return self._checked(*ann.search(self.faiss_index, vectors, k))
        rows = self._rows(where)
        selector = faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64)) if rows else faiss.IDSelectorRange(0, 0)
        return self._checked(*ann.search(self.faiss_index, vectors, k, params=ann.search_parameters(self.faiss_index, selector)))

    def _checked(self, scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Search results as they are, unless damaged vectors made them impossible (IndexError_)."""
        found = ids >= 0
        bad = found & ~(np.abs(scores) <= MAX_SIMILARITY)  # NaN fails the comparison too
        if bad.any() or (ids >= self.passage_count).any():
            worst = scores[bad][0] if bad.any() else None
            what = f"a search returned similarity {worst:.3g}, beyond what unit vectors allow" if worst is not None else "a search returned a row beyond its passages"
            raise _corrupt(self.root, f"{VECTORS}: {what}")
        return scores, ids

    def search(self, vectors: np.ndarray, k: int, where: SearchFilter | None = None) -> list[list[Hit]]:
        """The top ``k`` passages for each vector, best first."""
        scores, ids = self.search_ids(vectors, k, where)
        wanted = sorted({int(i) for row in ids for i in row if i >= 0})
        passages = dict(zip(wanted, self.passages(wanted)))
        return [[Hit(passages[int(i)], float(s), int(i)) for s, i in zip(rs, ri) if i >= 0] for rs, ri in zip(scores, ids)]

    @cached_property
    def lexical(self) -> LexicalIndex:
        if self.manifest.get("lexical") and not self.dir.is_dir():
            # opened on first use (see the module's docstring): two builds since this view was opened removed it
            raise IndexError_(f"the index at {self.root} was rebuilt since it was opened ({self.generation} is gone): open it again")
        if not self.manifest.get("lexical") or not (self.dir / LEXICAL_DIR).is_dir():
            raise IndexError_(f"the index at {self.root} has no lexical half (built dense only, or before lexical search): rebuild it with factcheck index")
        lexical = LexicalIndex(self.dir / LEXICAL_DIR)
        try:
            lexical.bm25  # noqa: B018  (loaded now: a damaged file is an error here, not deep in a search)
        except (OSError, ValueError, KeyError) as exc:
            raise _corrupt(self.root, f"lexical index: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        return lexical

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
        return [r[0] for r in self._query(f"SELECT p.id FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE {clause}", params)]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        index = self.faiss_index
        if not ids:
            return np.zeros((0, index.d), dtype=np.float32)
        if any(not 0 <= i < self.passage_count for i in ids):
            raise _corrupt(self.root, f"row {max(ids)} is beyond its {self.passage_count:,} passages")
        out = ann.reconstruct(index, np.asarray(ids, dtype=np.int64))
        if not np.all(np.linalg.norm(out, axis=1) <= MAX_SIMILARITY):
            raise _corrupt(self.root, f"{VECTORS}: a stored vector is not of unit length")
        return out

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


def _corrupt(root: Path, why: str) -> IndexError_:
    return IndexError_(f"index at {root} is corrupt ({why}): rebuild it with factcheck index")


def _read_current(root: Path, hint: str) -> str:
    """The generation CURRENT names, refused unless it is one of this directory's own (``gen-NNNNNN``)."""
    try:
        raw = (root / CURRENT).read_bytes()
    except FileNotFoundError:
        raise IndexError_(f"{root} holds no complete factcheck index (no {CURRENT} file): {hint}") from None
    except OSError as exc:
        raise _corrupt(root, f"{CURRENT}: {exc.strerror or exc}") from None
    try:
        name = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        name = ""
    if not GENERATION.fullmatch(name):
        shown = raw[:40].decode("utf-8", "backslashreplace").strip()
        raise _corrupt(root, f"{CURRENT} names {shown!r}, not a generation of this directory")
    return name


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _file_sums(directory: Path) -> dict[str, dict]:
    """Size and sha256 of every file under a generation folder, by path relative to it (what the manifest records)."""
    return {
        p.relative_to(directory).as_posix(): {"bytes": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


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
        # Left-overs of interrupted builds go; the current generation stays, and the one before it (a reader may
        # still open its lexical half)
        current = _current_generation(self.root)
        _remove_stale_generations(self.root, keep={current, _previous_generation(self.root, current)})
        return old

    def write(self, passages: list[Passage], doc_rows: list[tuple], vectors: np.ndarray, manifest: dict, progress: Progress | None) -> None:
        generation = _next_generation(self.root)
        tmp = self.root / f".{generation}.tmp"
        _remove(tmp)
        tmp.mkdir()
        # all FAISS build choices live in factcheck.index._ann
        manifest["faiss"] = ann.choose(len(vectors), vectors.shape[1], self.config.exact_up_to, self.config.nprobe)
        ann.write(ann.build(vectors, manifest["faiss"]), str(tmp / VECTORS))
        _write_store(tmp / STORE, passages, doc_rows)
        if self.config.retrieval == "hybrid":
            manifest["lexical"] = build_lexical(passages, tmp / LEXICAL_DIR)
        manifest["retrieval"] = self.config.retrieval
        manifest["files"] = _file_sums(tmp)  # sizes checked at every open, hashes by factcheck info --verify
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        _fsync_dir_files(tmp)
        replaced = _current_generation(self.root)
        os.rename(tmp, self.root / generation)
        _atomic_write(self.root / CURRENT, generation)
        # the generation just replaced stays until the next build: a reader that read CURRENT a moment ago may be
        # opening it (see the module's docstring); only older ones go
        _remove_stale_generations(self.root, keep={generation, replaced})


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
    """The generation CURRENT names (None when it names none, or anything but a generation of this directory)."""
    try:
        return _read_current(root, "")
    except IndexError_:
        return None


def _previous_generation(root: Path, current: str | None) -> str | None:
    """The newest complete generation folder below ``current`` (the one the last build replaced)."""
    if current is None:
        return None
    older = sorted(p.name for p in root.glob("gen-*") if GENERATION.fullmatch(p.name) and p.name < current and (p / MANIFEST).is_file())
    return older[-1] if older else None


def _written_by_a_build(name: str) -> bool:
    """Whether a name in an index directory is one a build writes (an interrupted first build leaves some)."""
    return name in (CURRENT, CURRENT + ".tmp", ".lock") or name.startswith(("gen-", ".gen-"))


def _next_generation(root: Path) -> str:
    numbers = [int(p.name[4:].split(".")[0]) for p in root.glob("gen-*") if p.name[4:].split(".")[0].isdigit()]
    numbers += [int(p.name[5:].split(".")[0]) for p in root.glob(".gen-*") if p.name[5:].split(".")[0].isdigit()]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def _remove_stale_generations(root: Path, keep: set[str | None]) -> None:
    for child in list(root.glob("gen-*")) + list(root.glob(".gen-*")):
        if child.name not in keep:
            _remove(child)


def _remove(path: Path) -> None:
    """Remove a folder of the index directory, or whatever stands at its name: a symbolic link is removed itself,
    never followed."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _fsync_dir_files(directory: Path) -> None:
    for file in directory.iterdir():
        if file.is_dir():
            _fsync_dir_files(file)
            continue
        with open(file, "rb") as fh:
            os.fsync(fh.fileno())


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    # a fresh file: whatever stands at the name (a symbolic link planted there) is removed, never written through
    tmp.unlink(missing_ok=True)
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644), "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
