"""The Milvus backend: passages, their document fields and vectors in Milvus collections, so any node that
reaches the server (a standalone server, a cluster, or a local milvus-lite ``.db`` file) can serve queries.

Layout for an index named ``NAME``::

    NAME             an alias: the complete generation, switched at the end of a build
    NAME__g000003    one generation: a row per passage (id = row number, vector, text, offsets, document fields)
    NAME__meta       one row per generation: its manifest (JSON), as manifest.json in a FAISS index directory

A build writes a new generation collection, indexes and loads it, stores its manifest, and only then moves the
alias to it: a build interrupted or failed at any point (server killed, Ctrl-C) leaves the alias on the previous
generation, and the next build drops the left-over collection. :meth:`MilvusIndex.add_documents` and
:meth:`MilvusIndex.delete_documents` change the current generation in place, by document id.

Searches read with Milvus's Bounded consistency: a new generation is flushed before the alias moves to it, so
it is complete for every reader, but in-place changes made by another process may stay unseen for Milvus's
graceful time (5 s by default). An index object that changed its generation in place searches with Strong
consistency from then on, so a process always sees its own changes. Strong consistency for every search made
each one wait for the server's next time tick (200-400 ms each on one machine, against 5 ms Bounded); set
``MilvusIndex.consistency = "Strong"`` where that wait is wanted.

Errors from the server become one-line :class:`~factcheck.errors.BackendError` naming the URI; reads (search,
query, get) are retried with backoff when the server is unreachable, writes are not (a retried insert could
duplicate rows).
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import Document, Hit, Passage, Progress
from ..embed import Embedder
from ..errors import BackendError, FactcheckError, IndexError_
from ..ingest import split_passages
from ..settings import MILVUS_TOKEN_ENV, milvus_token
from ._base import IndexConfig, SearchFilter, check_format, same_embedder

if TYPE_CHECKING:
    from pymilvus import MilvusClient

#: environment variable holding a Milvus token (``user:password`` or an API key), never written to a manifest.
TOKEN_ENV = MILVUS_TOKEN_ENV
CONNECT_TIMEOUT = 10.0
CALL_TIMEOUT = 60.0
READ_RETRIES = 3
BACKOFF = 0.5
INSERT_ROWS = 2000
READ_ROWS = 5000
META_SUFFIX = "__meta"
GEN_RE = re.compile(r"^(?P<name>.+)__g(?P<n>\d{6})$")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")
PASSAGE_FIELDS = ["doc_id", "text", "char_start", "char_end", "title", "source", "date", "lang"]
VARCHAR = {"doc_id": 4096, "text": 65535, "title": 2048, "source": 4096, "date": 64, "lang": 32, "checksum": 64, "path": 4096}


def index_params(n_passages: int, choice: str = "auto", dim: int = 384) -> tuple[str, dict, dict]:
    """Milvus index type, build parameters and search parameters for a corpus of ``n_passages``.

    auto: FLAT (exact, as FAISS) up to 500k passages; HNSW (M 16, efConstruction 200, ef 128) up to 20M;
    IVF_SQ8 beyond (8-bit scalar quantization: a quarter of the memory), nlist ~ 4 sqrt(rows per segment).
    """
    choice = choice.upper()
    if choice == "AUTO":
        choice = "FLAT" if n_passages <= 500_000 else "HNSW" if n_passages <= 20_000_000 else "IVF_SQ8"
    # Milvus builds an index per sealed segment (~1 GB, ~650k vectors of 384 floats): nlist follows that size.
    segment_rows = max(1, min(n_passages, 650_000))
    nlist = int(min(65536, max(16, 2 ** round(math.log2(4 * math.sqrt(segment_rows))))))
    if choice == "FLAT":
        return "FLAT", {}, {}
    if choice == "HNSW":
        return "HNSW", {"M": 16, "efConstruction": 200}, {"ef": 128}
    if choice in ("IVF_FLAT", "IVF_SQ8"):
        return choice, {"nlist": nlist}, {"nprobe": 32}
    if choice == "IVF_PQ":
        m = next(m for m in (dim // 8, dim // 4, dim // 2, dim) if m and dim % m == 0)
        return "IVF_PQ", {"nlist": nlist, "m": m, "nbits": 8}, {"nprobe": 32}
    raise FactcheckError(f"unknown Milvus index type {choice!r}: use auto, FLAT, HNSW, IVF_FLAT, IVF_SQ8 or IVF_PQ")


# ---------------------------------------------------------------- connection and errors


def _reason(exc: BaseException) -> str:
    """The first 300 characters of an error's message, on one line."""
    text = getattr(exc, "message", None)
    if not text and callable(getattr(exc, "details", None)):
        text = exc.details()  # type: ignore[attr-defined]
    return " ".join(str(text or exc or type(exc).__name__).split())[:300]


def _transient(exc: BaseException) -> bool:
    """The server could not be reached or did not answer in time (worth retrying a read)."""
    import grpc

    if isinstance(exc, grpc.RpcError):
        return exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    text = _reason(exc).lower()
    return any(s in text for s in ("fail connecting", "unavailable", "deadline", "connection refused", "socket closed", "server unavailable"))


def _is_local(uri: str) -> bool:
    return "://" not in uri


def connect(uri: str, timeout: float = CONNECT_TIMEOUT) -> MilvusClient:
    """A client for ``uri``; a one-line BackendError when the server cannot be reached."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise FactcheckError("the milvus backend needs pymilvus: pip install 'factcheck[milvus]'") from None
    for name in ("pymilvus", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # its tracebacks are not for the user: errors come as one line
    if _is_local(uri):
        if not uri.endswith(".db"):
            raise FactcheckError(f"--uri {uri}: give http://HOST:19530 for a Milvus server, or a milvus-lite file ending in .db")
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri=uri, token=milvus_token(), timeout=timeout)
    except ImportError:
        raise FactcheckError(f"--uri {uri} is a local milvus-lite file, which needs milvus-lite: pip install 'factcheck[milvus]'") from None
    except Exception as exc:  # pymilvus raises MilvusException, grpc errors or OSError depending on the failure
        if _is_local(uri):
            raise BackendError(
                f"cannot open the milvus-lite file {uri} ({_reason(exc)}): is another process using it? "
                "(milvus-lite opens a file in one process at a time; a Milvus server serves many)"
            ) from None
        raise BackendError(f"Milvus at {uri} is unreachable ({_reason(exc)}): start the server or check --uri") from None


class _Milvus:
    """A client with the URI kept for error messages, and reads retried with backoff."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.client = connect(uri)
        self.failed_hint = (
            "is the file damaged, or written by another milvus-lite version?" if _is_local(uri) else "see the Milvus server's log"
        )

    def call(self, what: str, method: str, *args: Any, retry: bool = False, **kwargs: Any) -> Any:
        attempts = READ_RETRIES if retry else 1
        for attempt in range(attempts):
            try:
                return getattr(self.client, method)(*args, timeout=CALL_TIMEOUT, **kwargs)
            except Exception as exc:
                if isinstance(exc, FactcheckError):
                    raise
                transient = _transient(exc)
                if transient and attempt + 1 < attempts:
                    time.sleep(BACKOFF * 2**attempt)
                    continue
                if transient:
                    tried = f"; tried {attempts} times" if attempts > 1 else ""
                    raise BackendError(f"Milvus at {self.uri} is unreachable during {what} ({_reason(exc)}{tried}): check the server and --uri") from None
                # it answered, so the server and --uri are not the problem: say what it refused
                raise BackendError(f"Milvus at {self.uri} failed during {what} ({_reason(exc)}): {self.failed_hint}") from None
        raise AssertionError("unreachable")

    def collections(self, name: str) -> list[str]:
        """The generation collections of index ``name``, oldest first."""
        names = self.call("list collections", "list_collections", retry=True)
        return sorted(c for c in names if (m := GEN_RE.match(c)) and m.group("name") == name)

    def alias_target(self, name: str) -> str | None:
        try:
            return self.client.describe_alias(alias=name, timeout=CALL_TIMEOUT)["collection_name"]
        except Exception as exc:
            if _transient(exc):
                return self.call(f"describe alias {name}", "describe_alias", alias=name, retry=True)["collection_name"]
            return None  # no such alias


def _check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise FactcheckError(f"--index {name!r} is not a Milvus index name: letters, digits and _, starting with a letter or _")
    return name


def _clip(text: str | None, field: str) -> str:
    raw = (text or "").encode("utf-8")
    limit = VARCHAR[field]
    return raw[:limit].decode("utf-8", "ignore") if len(raw) > limit else (text or "")


def _passage_schema(dim: int) -> Any:
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    for field in ("doc_id", "text"):
        schema.add_field(field, DataType.VARCHAR, max_length=VARCHAR[field])
    schema.add_field("char_start", DataType.INT64)
    schema.add_field("char_end", DataType.INT64)
    for field in ("title", "source", "date", "lang", "checksum", "path"):
        schema.add_field(field, DataType.VARCHAR, max_length=VARCHAR[field])
    return schema


def _rows(passages: Sequence[Passage], vectors: np.ndarray, first_id: int, docs: dict[str, tuple]) -> list[dict]:
    rows = []
    for i, (p, v) in enumerate(zip(passages, vectors)):
        doc = docs[p.doc_id]  # (doc_id, title, source, date, lang, path, checksum, ...)
        if len(p.doc_id.encode("utf-8")) > VARCHAR["doc_id"]:
            raise FactcheckError(f"document id {p.doc_id[:60]!r}... is longer than {VARCHAR['doc_id']} bytes: Milvus cannot store it")
        rows.append(
            {
                "id": first_id + i,
                "vector": v.tolist(),
                "doc_id": p.doc_id,
                "text": _clip(p.text, "text"),
                "char_start": int(p.start),
                "char_end": int(p.end),
                "title": _clip(doc[1], "title"),
                "source": _clip(doc[2], "source"),
                "date": _clip(doc[3], "date"),
                "lang": _clip(p.lang, "lang"),
                "checksum": doc[6],
                "path": _clip(doc[5], "path"),
            }
        )
    return rows


def _manifest_json(manifest: dict) -> str:
    text = json.dumps(manifest, ensure_ascii=False)
    if len(text.encode("utf-8")) > 60_000:  # the meta field holds 64 KiB: keep the first skipped files only
        manifest = {**manifest, "skipped": manifest["skipped"][:50], "skipped_total": len(manifest["skipped"])}
        text = json.dumps(manifest, ensure_ascii=False)
    return text


def _ensure_meta(db: _Milvus, name: str) -> str:
    from pymilvus import DataType, MilvusClient

    meta = name + META_SUFFIX
    if not db.call("check collection", "has_collection", meta, retry=True):
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=256)
        schema.add_field("manifest", DataType.VARCHAR, max_length=65535)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=2)  # Milvus 2.3 wants a vector field in every collection
        params = db.client.prepare_index_params()
        params.add_index("vector", index_type="FLAT", metric_type="L2")
        db.call("create the manifest collection", "create_collection", meta, schema=schema, index_params=params, consistency_level="Strong")
    return meta


def _store_manifest(db: _Milvus, name: str, collection: str, manifest: dict) -> None:
    meta = _ensure_meta(db, name)
    db.call("write the manifest", "upsert", meta, [{"key": collection, "manifest": _manifest_json(manifest), "vector": [0.0, 0.0]}])


# ---------------------------------------------------------------- reading


class MilvusIndex:
    """A view of the current generation of a Milvus index (the collection its alias points at when opened)."""

    backend = "milvus"
    #: consistency level of searches (Strong, Bounded, Session or Eventually; see the module's docstring).
    consistency: str = "Bounded"

    def __init__(self, db: _Milvus, name: str, collection: str, manifest: dict) -> None:
        self.db = db
        self.name = name
        self.collection = collection
        self.manifest = manifest
        self.generation = collection
        #: set by an in-place change: this object's searches then read with Strong consistency.
        self.changed = False

    @property
    def uri(self) -> str:
        return self.db.uri

    @property
    def location(self) -> str:
        return f"{self.name} at {self.db.uri}"

    @classmethod
    def open(cls, name: str, uri: str) -> MilvusIndex:
        _check_name(name)
        db = _Milvus(uri)
        hint = f"build one with: factcheck index DOCS --backend milvus --uri {uri} --index {name}"
        collection = db.alias_target(name)
        if collection is None:
            raise IndexError_(f"no index named {name} at Milvus {uri}: {hint}")
        meta = name + META_SUFFIX
        rows: list[dict] = []
        if db.call("check collection", "has_collection", meta, retry=True):
            # A collection is loaded only in the process that loaded it on milvus-lite (a server keeps it loaded):
            # a new process must load the manifests before reading them.
            db.call("load the manifest collection", "load_collection", meta)
            rows = db.call("read the manifest", "query", meta, filter=f"key == {json.dumps(collection)}", output_fields=["manifest"], retry=True)
        if not rows:
            raise IndexError_(f"index {name} at Milvus {uri} is corrupt (no manifest for {collection}): rebuild it with factcheck index")
        try:
            manifest = json.loads(rows[0]["manifest"])
        except ValueError:
            raise IndexError_(f"index {name} at Milvus {uri} is corrupt (its manifest is not JSON): rebuild it with factcheck index") from None
        check_format(manifest, f"{name} at Milvus {uri}")
        db.call("load the collection", "load_collection", collection)
        return cls(db, name, collection, manifest)

    @property
    def passage_count(self) -> int:
        return int(self.manifest["counts"]["passages"])

    def _scan(self, fields: list[str]) -> list[dict]:
        """Every row (the given fields), read by id ranges so no query exceeds Milvus's result window."""
        rows: list[dict] = []
        top = int(self.manifest["milvus"]["next_id"])
        for lo in range(0, top, READ_ROWS):
            rows += self.db.call(
                "read passages", "query", self.collection, filter=f"id >= {lo} and id < {lo + READ_ROWS}", output_fields=["id", *fields], retry=True
            )
        return rows

    def documents(self) -> dict[str, dict]:
        docs: dict[str, dict] = {}
        for row in self._scan(["doc_id", "checksum", "lang"]):
            d = docs.setdefault(row["doc_id"], {"checksum": row["checksum"], "first_passage": row["id"], "n_passages": 0, "lang": row["lang"]})
            d["first_passage"] = min(d["first_passage"], row["id"])
            d["n_passages"] += 1
        return docs

    def _get(self, ids: Sequence[int], fields: list[str]) -> dict[int, dict]:
        found: dict[int, dict] = {}
        ids = [int(i) for i in ids]
        for start in range(0, len(ids), READ_ROWS):
            for row in self.db.call("read passages", "get", self.collection, ids=ids[start : start + READ_ROWS], output_fields=fields, retry=True):
                found[int(row["id"])] = row
        missing = [i for i in ids if i not in found]
        if missing:
            raise IndexError_(f"index {self.location} lacks passage {missing[0]} (changed while in use?): reopen it")
        return found

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        rows = self._get(ids, PASSAGE_FIELDS)
        return [_passage(rows[int(i)]) for i in ids]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        if not ids:
            return np.zeros((0, int(self.manifest["embedder"]["dim"])), dtype=np.float32)
        rows = self._get(ids, ["vector"])
        return np.asarray([rows[int(i)]["vector"] for i in ids], dtype=np.float32)

    def lexical_search(self, texts: Sequence[str], langs: Sequence[str], k: int, where: SearchFilter | None = None) -> list[list[tuple[int, float]]]:
        raise IndexError_(
            f"index {self.location} is a Milvus index, dense only (the Milvus server has no full-text search here): "
            "search it with --retrieval dense, or build a FAISS index for hybrid search"
        )

    def search(self, vectors: np.ndarray, k: int, where: SearchFilter | None = None) -> list[list[Hit]]:
        info = self.manifest["milvus"]
        results = self.db.call(
            "search",
            "search",
            self.collection,
            data=[v.tolist() for v in vectors],
            limit=max(1, min(k, 16384)),
            filter=_expression(where),
            output_fields=PASSAGE_FIELDS,
            search_params={"metric_type": "IP", "params": info.get("search_params", {})},
            consistency_level="Strong" if self.changed else self.consistency,
            retry=True,
        )
        return [[Hit(_passage(h["entity"]), float(h["distance"]), int(h["id"])) for h in hits] for hits in results]

    # -- in-place changes by document id --------------------------------------------------------

    def delete_documents(self, doc_ids: Sequence[str]) -> int:
        """Delete these documents' passages from the current generation; returns how many passages went."""
        doc_ids = list(dict.fromkeys(doc_ids))
        if not doc_ids:
            return 0
        present = self._rows_of(doc_ids)
        if present:
            self.changed = True
            self.db.call("delete passages", "delete", self.collection, ids=sorted(present))
        docs = {d for d in present.values()}
        self._update_counts(-len(docs), -len(present), {"removed_documents": len(docs)})
        return len(present)

    def add_documents(self, documents: Sequence[Document], embedder: Embedder, progress: Progress | None = None) -> int:
        """Embed and add (or replace, by document id) these documents in the current generation; returns the
        number of passages added. A document's new passages are written before its old ones are deleted."""
        if not same_embedder(self.manifest, embedder):
            raise IndexError_(f"index {self.location} was built with embedder {self.manifest['embedder']['name']!r}: add documents with that embedder")
        passages = [p for doc in documents for p in split_passages(doc)]
        if not passages:
            return 0
        old = self._rows_of([d.doc_id for d in documents])
        vectors = embedder.encode([p.text for p in passages])
        first = int(self.manifest["milvus"]["next_id"])
        docs = {d.doc_id: (d.doc_id, d.title, d.source, d.date, d.lang, d.path, d.checksum) for d in documents}
        rows = _rows(passages, vectors, first, docs)
        self.manifest["milvus"]["next_id"] = first + len(rows)
        _store_manifest(self.db, self.name, self.collection, self.manifest)  # ids are taken before rows land
        self.changed = True
        for start in range(0, len(rows), INSERT_ROWS):
            self.db.call("insert passages", "insert", self.collection, rows[start : start + INSERT_ROWS])
            if progress:
                progress("store", min(start + INSERT_ROWS, len(rows)), len(rows))
        if old:
            self.db.call("delete replaced passages", "delete", self.collection, ids=sorted(old))
        new_docs = len(docs) - len(set(old.values()))
        self._update_counts(new_docs, len(rows) - len(old), {"embedded_documents": len(docs), "embedded_passages": len(rows)})
        return len(rows)

    def _rows_of(self, doc_ids: Sequence[str]) -> dict[int, str]:
        rows: dict[int, str] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            offset = 0
            while True:
                found = self.db.call(
                    "find passages", "query", self.collection, filter=f"doc_id in {json.dumps(chunk, ensure_ascii=False)}",
                    output_fields=["id", "doc_id"], limit=READ_ROWS, offset=offset, retry=True,
                )
                rows.update({int(r["id"]): r["doc_id"] for r in found})
                if len(found) < READ_ROWS:
                    break
                offset += READ_ROWS
        return rows

    def _update_counts(self, documents: int, passages: int, build: dict) -> None:
        counts = self.manifest["counts"]
        counts["documents"] = int(counts["documents"]) + documents
        counts["passages"] = int(counts["passages"]) + passages
        self.manifest["updated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.manifest["last_change"] = build
        _store_manifest(self.db, self.name, self.collection, self.manifest)

    def close(self) -> None:
        self.db.client.close()


def _passage(row: dict) -> Passage:
    return Passage(
        doc_id=row["doc_id"], text=row["text"], start=int(row["char_start"]), end=int(row["char_end"]),
        title=row["title"], source=row["source"], date=row["date"], lang=row["lang"],
    )


def _expression(where: SearchFilter | None) -> str:
    if not where:
        return ""
    clauses = []
    if where.sources:
        clauses.append(f"source in {json.dumps(list(where.sources), ensure_ascii=False)}")
    if where.languages:
        clauses.append(f"lang in {json.dumps(list(where.languages), ensure_ascii=False)}")
    if where.since:
        clauses.append(f'date != "" and date >= {json.dumps(where.since)}')
    if where.until:
        clauses.append(f'date != "" and date <= {json.dumps(where.until)}')
    return " and ".join(clauses)


# ---------------------------------------------------------------- building


def milvus_uri(uri: str | None) -> str:
    if not uri:
        raise FactcheckError("the milvus backend needs --uri: http://HOST:19530 for a server or cluster, or a milvus-lite file ending in .db")
    return uri


class MilvusTarget:
    """Where a Milvus build writes (a :class:`BuildTarget`): a new generation collection, then the alias switched
    to it. Connects on first use: making one only checks the name and the index type."""

    def __init__(self, name: str | Path, config: IndexConfig) -> None:
        self.name = _check_name(str(name))
        self.config = config
        self.uri = milvus_uri(config.uri)
        index_params(1, config.milvus_index)  # refuse an unknown index type before any work

    @cached_property
    def db(self) -> _Milvus:
        return _Milvus(self.uri)

    def lock(self) -> nullcontext[None]:
        """Milvus builds take no lock: the alias moves atomically at the end of each."""
        return nullcontext()

    def current(self) -> MilvusIndex | None:
        """The index as it is, to reuse its vectors; None when there is none or it is corrupt (the build then
        replaces it whole). A Milvus that fails or cannot be reached fails the build here, before anything is
        embedded."""
        try:
            return MilvusIndex.open(self.name, self.db.uri)
        except IndexError_:
            return None

    def write(self, passages: list[Passage], doc_rows: list[tuple], vectors: np.ndarray, manifest: dict, progress: Progress | None) -> None:
        manifest["retrieval"] = "dense"  # the Milvus server installed here (2.3) has no full-text search
        db, name = self.db, self.name
        live = db.alias_target(name)
        # Left-overs of interrupted builds go; the live generation stays until the alias leaves it.
        self._drop([c for c in db.collections(name) if c != live])
        numbers = [int(GEN_RE.match(c).group("n")) for c in db.collections(name)]  # type: ignore[union-attr]
        collection = f"{name}__g{max(numbers, default=0) + 1:06d}"
        kind, build_params, search_params = index_params(len(passages), self.config.milvus_index, vectors.shape[1])
        db.call("create the collection", "create_collection", collection, schema=_passage_schema(vectors.shape[1]), consistency_level="Strong")
        docs = {row[0]: row for row in doc_rows}
        for start in range(0, len(passages), INSERT_ROWS):
            end = min(start + INSERT_ROWS, len(passages))
            db.call("insert passages", "insert", collection, _rows(passages[start:end], vectors[start:end], start, docs))
            if progress:
                progress("store", end, len(passages))
        db.call("flush", "flush", collection)
        params = db.client.prepare_index_params()
        params.add_index("vector", index_type=kind, metric_type="IP", params=build_params)
        db.call("build the vector index", "create_index", collection, params)
        db.call("load the collection", "load_collection", collection)
        manifest["milvus"] = {
            "uri": db.uri,
            "alias": name,
            "collection": collection,
            "index_type": kind,
            "metric": "IP",
            "params": build_params,
            "search_params": search_params,
            "next_id": len(passages),
        }
        _store_manifest(db, name, collection, manifest)
        if live is None:
            db.call("create the alias", "create_alias", collection, name)
        else:
            db.call("switch the alias", "alter_alias", collection, name)
        self._drop([c for c in db.collections(name) if c != collection])

    def _drop(self, collections: list[str]) -> None:
        meta = self.name + META_SUFFIX
        for c in collections:
            self.db.call("drop an old generation", "drop_collection", c)
        if collections and self.db.call("check collection", "has_collection", meta, retry=True):
            self.db.call("drop old manifests", "delete", meta, ids=collections)

