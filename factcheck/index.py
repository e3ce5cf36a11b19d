"""Index stage: the evidence index on disk (FAISS vectors, a SQLite passage store, a JSON manifest).

Layout of an index directory::

    my-index/
      CURRENT            name of the complete generation, replaced atomically at the end of a build
      gen-000003/
        manifest.json    embedder and its weights hash, dimension, FAISS parameters, counts, checksums
        vectors.faiss    one vector per passage; vector i is passage row i
        passages.sqlite  passages (text, offsets) and documents (title, source, date, checksum)

A build writes a new generation beside the current one and only then points CURRENT at it, so an interrupted
or failed build (Ctrl-C, kill -9, a full disk) leaves the previous index intact and readable. Unchanged
documents keep their vectors: only new or changed documents are embedded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from . import __version__
from .embed import DEFAULT_EMBEDDER, USE_MULTILINGUAL, Embedder, EmbedderConfig, canonical_embedder
from .errors import EmptyCorpusError, FactcheckError, IndexError_
from .ingest import Document, Passage, read_documents, split_passages

if TYPE_CHECKING:
    import faiss
    import numpy as np

INDEX_FORMAT = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
STORE = "passages.sqlite"

ProgressHook = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class BuildReport:
    documents: int
    passages: int
    embedded_documents: int
    reused_documents: int
    removed_documents: int
    embedded_passages: int
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class IndexConfig:
    """How the index is built. Search is exact (FAISS IndexFlatIP over normalized vectors)."""

    #: passages embedded per progress step.
    chunk_size: int = 512


class EvidenceIndex:
    """A read-only view of one complete generation of an index directory."""

    def __init__(self, root: Path, generation: str, manifest: dict) -> None:
        self.root = root
        self.dir = root / generation
        self.generation = generation
        self.manifest = manifest

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, root: str | Path) -> EvidenceIndex:
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
        fmt = manifest.get("format")
        if fmt != INDEX_FORMAT:
            raise IndexError_(
                f"index at {root} has format {fmt!r} (factcheck {manifest.get('factcheck_version', '?')}); "
                f"this factcheck reads format {INDEX_FORMAT}: rebuild it with factcheck index"
            )
        for name in (VECTORS, STORE):
            if not (gen_dir / name).is_file():
                raise IndexError_(f"index at {root} is corrupt ({generation}/{name} is missing): rebuild it with factcheck index")
        return cls(root, generation, manifest)

    def check_embedder(self, name: str | None) -> None:
        """Refuse a query embedder other than the one that built the index."""
        built = self.manifest["embedder"]["name"]
        if name is not None and canonical_embedder(name) != built:
            raise IndexError_(
                f"index at {self.root} was built with embedder {built!r}, not {name!r}: "
                f"drop --embedder or rebuild the index with it"
            )

    # -- contents --------------------------------------------------------------------------------

    @cached_property
    def faiss_index(self) -> faiss.Index:
        import faiss

        try:
            return faiss.read_index(str(self.dir / VECTORS), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError:
            try:
                return faiss.read_index(str(self.dir / VECTORS))
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
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT p.id, p.doc_id, p.text, p.start, p.end, d.title, d.source, d.date, p.lang "
            f"FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE p.id IN ({marks})",
            [int(i) for i in ids],
        ).fetchall()
        by_id = {r[0]: Passage(doc_id=r[1], text=r[2], start=r[3], end=r[4], title=r[5], source=r[6], date=r[7], lang=r[8]) for r in rows}
        return [by_id[int(i)] for i in ids]

    def documents(self) -> dict[str, dict]:
        rows = self.db.execute("SELECT doc_id, checksum, first_passage, n_passages, lang FROM documents").fetchall()
        return {r[0]: {"checksum": r[1], "first_passage": r[2], "n_passages": r[3], "lang": r[4]} for r in rows}

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, min(k, self.passage_count))
        return self.faiss_index.search(vectors, k)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        import numpy as np

        index = self.faiss_index
        if not ids:
            return np.zeros((0, index.d), dtype=np.float32)
        return index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
            del self.__dict__["db"]


# ---------------------------------------------------------------- building


def build_index(
    paths: Sequence[str | Path],
    root: str | Path,
    embedder: Embedder | None = None,
    config: IndexConfig | None = None,
    progress: ProgressHook | None = None,
) -> BuildReport:
    """Index the documents under ``paths`` into ``root``; re-embeds only new or changed documents."""
    from filelock import FileLock, Timeout

    started = time.perf_counter()
    root = Path(root)
    config = config or IndexConfig()
    if root.exists() and not root.is_dir():
        raise FactcheckError(f"--index {root} is a file: give a directory for the index")
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise FactcheckError(f"no such file or directory: {missing[0]} (give the folders or files to index)")

    report = read_documents(paths)
    if not report.documents:
        why = f"; skipped: {report.skipped[0][0]} ({report.skipped[0][1]})" if report.skipped else ""
        raise EmptyCorpusError(f"no readable document in {', '.join(map(str, paths))}{why} (supported: .txt .md .html .jsonl .csv .pdf)")

    root.mkdir(parents=True, exist_ok=True)
    try:
        lock = FileLock(str(root / ".lock"), timeout=0)
        lock.acquire()
    except Timeout:
        raise FactcheckError(f"another factcheck build is writing {root}: wait for it to finish") from None
    try:
        chosen = embedder or Embedder(EmbedderConfig(model=choose_embedder(report.documents, root)))
        return _build_locked(report.documents, report.skipped, root, chosen, config, progress, started, paths)
    finally:
        lock.release()


def _build_locked(
    documents: list[Document],
    skipped: list[tuple[str, str]],
    root: Path,
    embedder: Embedder,
    config: IndexConfig,
    progress: ProgressHook | None,
    started: float,
    paths: Sequence[str | Path],
) -> BuildReport:
    import faiss
    import numpy as np

    old: EvidenceIndex | None
    try:
        old = EvidenceIndex.open(root)
    except IndexError_:
        old = None
    # Left-overs of interrupted builds go; the current generation stays until the new one replaces it.
    _remove_stale_generations(root, keep=_current_generation(root))
    if old is not None and not _same_embedder(old.manifest, embedder):
        old.close()
        old = None  # another embedder: nothing can be reused

    old_docs = old.documents() if old else {}
    passages: list[Passage] = []
    reuse_rows: list[int] = []  # for each passage, the old row id, or -1 when it must be embedded
    embedded_docs = reused_docs = 0
    doc_rows: list[tuple] = []
    for doc in documents:
        checksum = doc.checksum
        prior = old_docs.get(doc.doc_id)
        first = len(passages)
        if prior is not None and prior["checksum"] == checksum:
            ids = list(range(prior["first_passage"], prior["first_passage"] + prior["n_passages"]))
            passages += old.passages(ids)  # type: ignore[union-attr]
            reuse_rows += ids
            reused_docs += 1
        else:
            split = split_passages(doc)
            passages += split
            reuse_rows += [-1] * len(split)
            embedded_docs += 1
        doc_rows.append((doc.doc_id, doc.title, doc.source, doc.date, doc.lang, doc.path, checksum, first, len(passages) - first))
    removed_docs = len(set(old_docs) - {d.doc_id for d in documents})

    dim = embedder.dim
    vectors = np.zeros((len(passages), dim), dtype=np.float32)
    reuse = [(i, r) for i, r in enumerate(reuse_rows) if r >= 0]
    if reuse:
        vectors[[i for i, _ in reuse]] = old.vectors([r for _, r in reuse])  # type: ignore[union-attr]
    todo = [i for i, r in enumerate(reuse_rows) if r < 0]
    for start in range(0, len(todo), config.chunk_size):
        chunk = todo[start : start + config.chunk_size]
        vectors[chunk] = embedder.encode([passages[i].text for i in chunk])
        if progress:
            progress("embed", min(start + config.chunk_size, len(todo)), len(todo))
    if not todo and progress:
        progress("embed", 0, 0)
    if old is not None:
        old.close()

    generation = _next_generation(root)
    tmp = root / f".{generation}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    faiss.write_index(index, str(tmp / VECTORS))
    _write_store(tmp / STORE, passages, doc_rows)
    manifest = {
        "format": INDEX_FORMAT,
        "factcheck_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "embedder": {
            "name": embedder.name,
            "package": embedder.package,
            "weights_sha256": embedder.weights_hash,
            "dim": dim,
            "normalized": True,
            "max_seq_length": embedder.max_tokens,
        },
        "faiss": {"index_type": "IndexFlatIP", "metric": "inner_product", "params": {}},
        "counts": {"documents": len(documents), "passages": len(passages)},
        "corpus": {
            "checksum": hashlib.sha256("".join(sorted(r[6] for r in doc_rows)).encode()).hexdigest(),
            "inputs": [str(Path(p).resolve()) for p in paths],
            "languages": _language_mix(passages),
        },
        "skipped": [{"path": p, "reason": r} for p, r in skipped],
        "build": {
            "embedded_documents": embedded_docs,
            "reused_documents": reused_docs,
            "removed_documents": removed_docs,
            "embedded_passages": len(todo),
            "config": asdict(config),
        },
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    _fsync_dir_files(tmp)
    os.rename(tmp, root / generation)
    _atomic_write(root / CURRENT, generation)
    _remove_stale_generations(root, keep=generation)
    return BuildReport(
        documents=len(documents),
        passages=len(passages),
        embedded_documents=embedded_docs,
        reused_documents=reused_docs,
        removed_documents=removed_docs,
        embedded_passages=len(todo),
        skipped=skipped,
        seconds=time.perf_counter() - started,
    )


def choose_embedder(documents: Sequence[Document], root: Path | None = None) -> str:
    """The embedder for a build that names none: the one that built the index already at ``root``, else the
    default English one for a mostly English corpus and the multilingual USE for a mostly non-English one
    (English claims can then find French evidence and back; see eval/RESULTS.md, issue 6)."""
    if root is not None:
        try:
            return str(EvidenceIndex.open(root).manifest["embedder"]["name"])
        except (IndexError_, KeyError):
            pass
    english = sum(len(d.text) for d in documents if (d.lang or "en") == "en")
    return DEFAULT_EMBEDDER if english * 2 >= sum(len(d.text) for d in documents) else USE_MULTILINGUAL


def _same_embedder(manifest: dict, embedder: Embedder) -> bool:
    built = manifest.get("embedder", {})
    return built.get("name") == embedder.name and built.get("weights_sha256") == embedder.weights_hash


def _language_mix(passages: list[Passage]) -> dict[str, int]:
    mix: dict[str, int] = {}
    for p in passages:
        key = p.lang or "unknown"
        mix[key] = mix.get(key, 0) + 1
    return dict(sorted(mix.items(), key=lambda kv: -kv[1]))


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


def embedder_for(index: EvidenceIndex, requested: str | None = None, batch_size: int = 64) -> Embedder:
    """The embedder to query ``index`` with: the one that built it (a different request is refused)."""
    index.check_embedder(requested)
    return Embedder(EmbedderConfig(model=index.manifest["embedder"]["name"], batch_size=batch_size))
