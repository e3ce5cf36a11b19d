"""What every index backend shares: its configuration, the search filter, the build report, the manifest checks,
and the two small interfaces a backend implements: :class:`EvidenceStore` (reading a complete generation) and
:class:`BuildTarget` (writing the next one)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from .._types import Hit, Passage, Progress
from ..embed import Embedder, canonical_embedder
from ..errors import FactcheckError, IndexError_
from ..ingest import lang_code

if TYPE_CHECKING:
    import numpy as np

#: the manifest format this factcheck reads and writes.
INDEX_FORMAT = 1
#: the name a build of this backend records in the manifest
ProgressHook = Progress


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
    IVF with 8-bit scalar quantization beyond (``factcheck.index._ann``); Milvus picks its index type by corpus
    size (``factcheck.index._milvus.index_params``)."""

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
    #: ``hybrid`` (the default): a lexical index (BM25) is built beside the vectors and searches fuse both;
    #: ``dense``: vectors only. Milvus indexes are dense only (their server version here has no full-text search).
    retrieval: str = "hybrid"

    def __post_init__(self) -> None:
        if self.retrieval not in ("hybrid", "dense"):
            raise FactcheckError(f"--retrieval {self.retrieval!r} cannot be built: build hybrid (the default) or dense")


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


class EvidenceStore(Protocol):
    """A read-only view of one complete generation of an index, whatever its backend."""

    #: the backend's name (``faiss``, ``milvus``).
    backend: str
    #: the generation's manifest: embedder, counts, corpus, build, and the backend's own section.
    manifest: dict
    #: the generation this view reads.
    generation: str

    @property
    def location(self) -> str:
        """Where the index lives, for messages (a directory, or ``NAME at URI``)."""
        ...

    @property
    def passage_count(self) -> int: ...

    def documents(self) -> dict[str, dict]:
        """Per document id: checksum, first_passage (row), n_passages, lang."""
        ...

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        """Passages by row id, in the order asked."""
        ...

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """Stored vectors by row id."""
        ...

    def search(self, vectors: np.ndarray, k: int, where: SearchFilter | None = None) -> list[list[Hit]]:
        """The top ``k`` passages for each query vector, best first."""
        ...

    def lexical_search(self, texts: Sequence[str], langs: Sequence[str], k: int, where: SearchFilter | None = None) -> list[list[tuple[int, float]]]:
        """The top ``k`` rows of each query text by BM25, with their scores, best first (rows sharing no word with
        the query left out); IndexError_ when the index has no lexical half (``manifest["lexical"]`` absent)."""
        ...

    def close(self) -> None: ...


class BuildTarget(Protocol):
    """Where a build writes the next generation of an index; a backend switches readers to it atomically."""

    def lock(self) -> AbstractContextManager[object]:
        """Held for the whole build (IndexBusyError when another build holds it)."""
        ...

    def current(self) -> EvidenceStore | None:
        """The complete generation there now (None for a new index); left-overs of interrupted builds go."""
        ...

    def write(self, passages: list[Passage], doc_rows: list[tuple], vectors: np.ndarray, manifest: dict, progress: Progress | None) -> None:
        """Write a new generation and only then make it the current one."""
        ...


def check_format(manifest: dict, location: str) -> None:
    """Refuse a manifest of another index format (one message for every backend)."""
    fmt = manifest.get("format")
    if fmt != INDEX_FORMAT:
        raise IndexError_(
            f"index {location} has format {fmt!r} (factcheck {manifest.get('factcheck_version', '?')}); "
            f"this factcheck reads format {INDEX_FORMAT}: rebuild it with factcheck index"
        )


#: what a manifest must hold for factcheck to read it, key by key: (path, the types its value may have).
_MANIFEST_KEYS: tuple[tuple[tuple[str, ...], tuple[type, ...]], ...] = (
    (("factcheck_version",), (str,)),
    (("created",), (str,)),
    (("embedder",), (dict,)),
    (("embedder", "name"), (str,)),
    (("embedder", "dim"), (int,)),
    (("embedder", "weights_sha256"), (str,)),
    (("embedder", "normalized"), (bool,)),
    (("counts",), (dict,)),
    (("counts", "documents"), (int,)),
    (("counts", "passages"), (int,)),
    (("corpus",), (dict,)),
    (("corpus", "checksum"), (str,)),
    (("corpus", "inputs"), (list,)),
    (("corpus", "languages"), (dict,)),
    (("skipped",), (list,)),
    (("build",), (dict,)),
    (("build", "embedded_documents"), (int,)),
    (("build", "reused_documents"), (int,)),
    (("build", "removed_documents"), (int,)),
)
#: the FAISS backend's own section.
_FAISS_KEYS: tuple[tuple[tuple[str, ...], tuple[type, ...]], ...] = (
    (("faiss",), (dict,)),
    (("faiss", "index_type"), (str,)),
    (("faiss", "metric"), (str,)),
)


def check_manifest(manifest: object, location: str) -> None:
    """Refuse a manifest that lacks a key factcheck reads, or holds a value of the wrong type there (IndexError_
    naming the key), instead of failing later with a KeyError deep in a search."""

    def corrupt(why: str) -> IndexError_:
        return IndexError_(f"index {location} is corrupt (manifest.json: {why}): rebuild it with factcheck index")

    if not isinstance(manifest, dict):
        raise corrupt(f"holds {type(manifest).__name__}, not an object")
    keys = _MANIFEST_KEYS + (_FAISS_KEYS if manifest.get("backend", "faiss") == "faiss" else ())
    for path, types in keys:
        value: object = manifest
        for key in path:
            if not isinstance(value, dict) or key not in value:
                raise corrupt(f"no {'.'.join(path)}")
            value = value[key]
        # bool is an int in Python: a count of True is no count
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            raise corrupt(f"{'.'.join(path)} is {value!r}, not {' or '.join(t.__name__ for t in types)}")
    if not manifest["embedder"]["name"].strip():
        raise corrupt("embedder.name is empty")
    if manifest["counts"]["passages"] < 1 or manifest["counts"]["documents"] < 1 or manifest["embedder"]["dim"] < 1:
        raise corrupt("a count or the dimension is below 1")
    files = manifest.get("files")
    if files is not None and not (
        isinstance(files, dict)
        and all(
            isinstance(name, str) and not name.startswith("/") and ".." not in name.split("/") and isinstance(meta, dict) and isinstance(meta.get("bytes"), int) and isinstance(meta.get("sha256"), str)
            for name, meta in files.items()
        )
    ):
        raise corrupt("files is not a table of the generation's files, their sizes and checksums")
    lexical = manifest.get("lexical")
    if lexical and not (isinstance(lexical, dict) and all(isinstance(lexical.get(k), str) for k in ("library", "version"))):
        raise corrupt("lexical is not a description of the lexical index")


def check_embedder(store: EvidenceStore, requested: str | None) -> None:
    """Refuse a query embedder other than the one that built the index (aliases folded, on every backend)."""
    built = store.manifest["embedder"]["name"]
    if requested is not None and canonical_embedder(requested) != built:
        raise IndexError_(
            f"index {store.location} was built with embedder {built!r}, not {requested!r}: "
            f"drop --embedder or rebuild the index with it"
        )


def same_embedder(manifest: dict, embedder: Embedder) -> bool:
    """Whether ``embedder`` made the vectors of the index with this manifest (same name and weights)."""
    built = manifest.get("embedder", {})
    return bool(built.get("name") == embedder.name and built.get("weights_sha256") == embedder.weights_hash)
