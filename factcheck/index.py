"""Index stage: the evidence index, on disk (FAISS, the default) or in a Milvus server or cluster.

An index has one of two backends, recorded in its manifest: ``faiss`` (this module: an index directory) and
``milvus`` (:mod:`factcheck.milvus_index`: collections in Milvus). Both hold generations, are built by
:func:`build_index` from the same documents, passages and vectors, and answer the same read interface
(``manifest``, ``documents``, ``passages``, ``vectors``, ``search_passages``); :func:`open_index` opens either.

Layout of a FAISS index directory::

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
import re
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from . import __version__, ann
from .embed import DEFAULT_EMBEDDER, USE_MULTILINGUAL, Embedder, EmbedderConfig, canonical_embedder
from .errors import EmptyCorpusError, FactcheckError, IndexBusyError, IndexError_
from .ingest import Document, Passage, lang_code, read_documents, split_passages

if TYPE_CHECKING:
    import faiss
    import numpy as np

    from .milvus_index import MilvusIndex, MilvusTarget

INDEX_FORMAT = 1
BACKENDS = ("faiss", "milvus")
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
    """How and where the index is built. FAISS: exact search (IndexFlatIP) up to ``exact_up_to`` passages,
    IVF with 8-bit scalar quantization beyond (:mod:`factcheck.ann`); Milvus picks its index type by corpus
    size (:func:`factcheck.milvus_index.index_params`)."""

    #: passages embedded per progress step.
    chunk_size: int = 512
    #: ``faiss`` (an index directory) or ``milvus`` (collections on a Milvus server, cluster or milvus-lite file).
    backend: str = "faiss"
    #: with ``milvus``: ``http://host:19530`` or a milvus-lite file path ending in ``.db``.
    uri: str | None = None
    #: with ``milvus``: ``auto`` (by corpus size) or a Milvus index type (FLAT, HNSW, IVF_FLAT, IVF_SQ8, IVF_PQ).
    milvus_index: str = "auto"
    #: with ``faiss``: the largest corpus searched exactly; a larger one gets an approximate index.
    exact_up_to: int = 200_000
    #: with ``faiss``: cells an approximate index searches (None: nlist / 32).
    nprobe: int | None = None


@dataclass(frozen=True)
class SearchFilter:
    """Retrieve only passages whose document matches: one of ``sources`` (exact), one of ``languages``, and a
    date within ``since``..``until`` (inclusive, compared as ISO text; undated passages never match a date bound)."""

    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            try:
                if value is not None:
                    datetime.fromisoformat(value)
            except ValueError:
                raise FactcheckError(f"{name} {value!r} is not a date: use YYYY-MM-DD, e.g. 2025-02-01") from None
        # passages store the base code of their language (fr for fr-FR): compare like with like
        given = self.languages
        object.__setattr__(self, "languages", tuple(lang_code(code) for code in given))
        for original, code in zip(given, self.languages):
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise FactcheckError(f"language {original!r} is not a language code: use ISO 639-1 codes such as en, fr, de")

    def __str__(self) -> str:
        parts = [f"source {', '.join(self.sources)}" if self.sources else "", f"lang {', '.join(self.languages)}" if self.languages else "",
                 f"since {self.since}" if self.since else "", f"until {self.until}" if self.until else ""]
        return "; ".join(p for p in parts if p)

    def __bool__(self) -> bool:
        return bool(self.sources or self.languages or self.since or self.until)

    def sql(self) -> tuple[str, list[str]]:
        """A WHERE clause over ``passages p JOIN documents d`` and its parameters."""
        clauses: list[str] = []
        params: list[str] = []
        if self.sources:
            clauses.append(f"d.source IN ({','.join('?' * len(self.sources))})")
            params += self.sources
        if self.languages:
            clauses.append(f"p.lang IN ({','.join('?' * len(self.languages))})")
            params += self.languages
        if self.since:
            clauses.append("d.date != '' AND d.date >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("d.date != '' AND d.date <= ?")
            params.append(self.until)
        return " AND ".join(clauses) or "1", params


Hit = tuple[int, float, Passage]  # (row id, cosine similarity, passage)


class EvidenceIndex:
    """A read-only view of one complete generation of an index directory."""

    backend = "faiss"

    def __init__(self, root: Path, generation: str, manifest: dict) -> None:
        self.root = root
        self.dir = root / generation
        self.generation = generation
        self.manifest = manifest

    @property
    def location(self) -> str:
        return str(self.root)

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

    def search(self, vectors: np.ndarray, k: int, where: SearchFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """FAISS scores and row ids of the top ``k`` passages per vector (id -1 pads when fewer match)."""
        import faiss
        import numpy as np

        k = max(1, min(k, self.passage_count))
        if not where:
            return ann.search(self.faiss_index, vectors, k)
        clause, params = where.sql()
        rows = [r[0] for r in self.db.execute(f"SELECT p.id FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE {clause}", params)]
        selector = faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64)) if rows else faiss.IDSelectorRange(0, 0)
        return ann.search(self.faiss_index, vectors, k, params=ann.search_parameters(self.faiss_index, selector))

    def search_passages(self, vectors: np.ndarray, k: int, where: SearchFilter | None = None) -> list[list[Hit]]:
        """The top ``k`` passages for each vector, as (row id, similarity, passage), best first."""
        scores, ids = self.search(vectors, k, where)
        wanted = sorted({int(i) for row in ids for i in row if i >= 0})
        passages = dict(zip(wanted, self.passages(wanted)))
        return [[(int(i), float(s), passages[int(i)]) for s, i in zip(rs, ri) if i >= 0] for rs, ri in zip(scores, ids)]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        import numpy as np

        index = self.faiss_index
        if not ids:
            return np.zeros((0, index.d), dtype=np.float32)
        return ann.reconstruct(index, np.asarray(ids, dtype=np.int64))

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
            del self.__dict__["db"]


# ---------------------------------------------------------------- building


class _FaissTarget:
    """Where a FAISS build writes: a new generation directory, then CURRENT switched to it."""

    def __init__(self, root: Path, config: IndexConfig | None = None) -> None:
        self.root = root
        self.config = config or IndexConfig()

    def current(self) -> EvidenceIndex | None:
        try:
            old = EvidenceIndex.open(self.root)
        except IndexError_:
            old = None
        # Left-overs of interrupted builds go; the current generation stays until the new one replaces it.
        _remove_stale_generations(self.root, keep=_current_generation(self.root))
        return old

    def write(self, passages: list[Passage], doc_rows: list[tuple], vectors: np.ndarray, manifest: dict, progress: ProgressHook | None) -> None:
        generation = _next_generation(self.root)
        tmp = self.root / f".{generation}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        # all FAISS build choices live in factcheck.ann
        manifest["faiss"] = ann.choose(len(vectors), vectors.shape[1], self.config.exact_up_to, self.config.nprobe)
        ann.write(ann.build(vectors, manifest["faiss"]), str(tmp / VECTORS))
        _write_store(tmp / STORE, passages, doc_rows)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        _fsync_dir_files(tmp)
        os.rename(tmp, self.root / generation)
        _atomic_write(self.root / CURRENT, generation)
        _remove_stale_generations(self.root, keep=generation)


def open_index(location: str | Path, backend: str | None = None, uri: str | None = None) -> EvidenceIndex | MilvusIndex:
    """Open an index: a FAISS index directory, or with ``backend="milvus"`` (implied by ``uri``) the index
    named ``location`` on the Milvus server, cluster or milvus-lite file at ``uri``."""
    backend = backend or ("milvus" if uri else "faiss")
    if backend == "milvus":
        from .milvus_index import MilvusIndex

        return MilvusIndex.open(str(location), _milvus_uri(uri))
    if backend != "faiss":
        raise FactcheckError(f"unknown index backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if uri:
        raise FactcheckError("--uri is for the milvus backend: drop it, or use --backend milvus")
    return EvidenceIndex.open(location)


def _milvus_uri(uri: str | None) -> str:
    if not uri:
        raise FactcheckError("the milvus backend needs --uri: http://HOST:19530 for a server or cluster, or a milvus-lite file ending in .db")
    return uri


def build_index(
    paths: Sequence[str | Path],
    root: str | Path,
    embedder: Embedder | None = None,
    config: IndexConfig | None = None,
    progress: ProgressHook | None = None,
    *,
    reuse: EvidenceIndex | MilvusIndex | None = None,
) -> BuildReport:
    """Index the documents under ``paths`` into ``root`` (a directory for FAISS, an index name for Milvus);
    re-embeds only new or changed documents. ``reuse``: another index (any backend, same embedder) whose
    vectors serve unchanged documents when ``root`` holds no index yet, e.g. to move a FAISS index to Milvus."""
    from filelock import FileLock, Timeout

    started = time.perf_counter()
    config = config or IndexConfig()
    if config.backend not in BACKENDS:
        raise FactcheckError(f"unknown index backend {config.backend!r}: use one of {', '.join(BACKENDS)}")
    if not paths:
        raise FactcheckError("no documents given: name the folders or files to index")
    missing = [str(p) for p in paths if not Path(p).exists()]
    if config.backend == "faiss":
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise FactcheckError(f"--index {root} is a file: give a directory for the index")
        foreign = sorted(p.name for p in root.iterdir() if not _written_by_a_build(p.name)) if root.is_dir() and not (root / CURRENT).exists() else []
        if foreign:
            raise FactcheckError(
                f"--index {root} holds other files ({foreign[0]}{', ...' if len(foreign) > 1 else ''}) and no factcheck index: "
                "give a new or empty folder for the index"
            )
        if config.uri:
            raise FactcheckError("--uri is for the milvus backend: drop it, or use --backend milvus")
    if missing:
        raise FactcheckError(f"no such file or directory: {missing[0]} (give the folders or files to index)")

    report = read_documents(paths)
    if not report.documents:
        why = f"; skipped: {report.skipped[0][0]} ({report.skipped[0][1]})" if report.skipped else ""
        raise EmptyCorpusError(f"no readable document in {', '.join(map(str, paths))}{why} (supported: .txt .md .html .jsonl .csv .pdf)")
    if embedder is None:  # the index's own embedder on a rebuild; else by the corpus's main language
        embedder = Embedder(EmbedderConfig(model=choose_embedder(report.documents, Path(root) if config.backend == "faiss" else None)))
    if config.backend == "milvus":
        from .milvus_index import MilvusTarget

        target = MilvusTarget(str(root), _milvus_uri(config.uri), config)
        return _build_locked(report.documents, report.skipped, target, embedder, config, progress, started, paths, reuse)

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        lock = FileLock(str(root / ".lock"), timeout=0)
        lock.acquire()
    except Timeout:
        raise IndexBusyError(f"another factcheck build is writing {root}: wait for it to finish") from None
    try:
        return _build_locked(report.documents, report.skipped, _FaissTarget(root, config), embedder, config, progress, started, paths, reuse)
    finally:
        lock.release()


def _build_locked(
    documents: list[Document],
    skipped: list[tuple[str, str]],
    target: _FaissTarget | MilvusTarget,
    embedder: Embedder,
    config: IndexConfig,
    progress: ProgressHook | None,
    started: float,
    paths: Sequence[str | Path],
    reuse: EvidenceIndex | MilvusIndex | None = None,
) -> BuildReport:
    import numpy as np

    old = target.current()
    if old is None and reuse is not None:
        old = reuse
    if old is not None and not _same_embedder(old.manifest, embedder):
        if old is not reuse:
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
            passages += [replace(kept, title=doc.title, source=doc.source, date=doc.date) for kept in old.passages(ids)]  # type: ignore[union-attr]
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
    reuse_pairs = [(i, r) for i, r in enumerate(reuse_rows) if r >= 0]
    if reuse_pairs:
        vectors[[i for i, _ in reuse_pairs]] = old.vectors([r for _, r in reuse_pairs])  # type: ignore[union-attr]
    # embedded in chunks (progress, bounded memory) of passages of similar length: each model batch then pads
    # little, as when the embedder sorts one whole list by length
    todo = sorted((i for i, r in enumerate(reuse_rows) if r < 0), key=lambda i: len(passages[i].text))
    for start in range(0, len(todo), config.chunk_size):
        chunk = todo[start : start + config.chunk_size]
        vectors[chunk] = embedder.encode([passages[i].text for i in chunk])
        if progress:
            progress("embed", min(start + config.chunk_size, len(todo)), len(todo))
    if not todo and progress:
        progress("embed", 0, 0)
    if old is not None and old is not reuse:
        old.close()

    manifest = {
        "format": INDEX_FORMAT,
        "factcheck_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "backend": config.backend,
        "embedder": {
            "name": embedder.name,
            "package": embedder.package,
            "weights_sha256": embedder.weights_hash,
            "dim": dim,
            "normalized": True,
            "max_seq_length": embedder.max_tokens,
        },
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
    target.write(passages, doc_rows, vectors, manifest, progress)
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


def embedder_for(index: EvidenceIndex | MilvusIndex, requested: str | None = None, batch_size: int = 64) -> Embedder:
    """The embedder to query ``index`` with: the one that built it (a different request is refused)."""
    index.check_embedder(requested)
    return Embedder(EmbedderConfig(model=index.manifest["embedder"]["name"], batch_size=batch_size))
