"""Building an index, the same for every backend: read the documents, reuse the vectors of unchanged ones, embed the
rest, and hand the generation to the backend's :class:`BuildTarget`, which makes it current atomically."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .._types import Document, Passage, Progress
from ..embed import DEFAULT_EMBEDDER, USE_MULTILINGUAL, Embedder, EmbedderConfig, create_embedder
from ..errors import EmptyCorpusError, FactcheckError
from ..ingest import read_documents, reading_text, split_passages
from ..settings import __version__
from ._base import INDEX_FORMAT, BuildReport, BuildTarget, EvidenceStore, IndexConfig, check_embedder, same_embedder
from ._factory import create_target

#: the split phase (documents into passages) reports its progress every this many documents, and at its end.
SPLIT_PROGRESS_EVERY = 100


def build_index(
    paths: Sequence[str | Path],
    root: str | Path,
    embedder: Embedder | None = None,
    config: IndexConfig | None = None,
    progress: Progress | None = None,
    *,
    reuse: EvidenceStore | None = None,
) -> BuildReport:
    """Index the documents under ``paths`` into ``root`` (a directory for FAISS, an index name for Milvus);
    re-embeds only new or changed documents. ``reuse``: another index (any backend, same embedder) whose
    vectors serve unchanged documents when ``root`` holds no index yet, e.g. to move a FAISS index to Milvus."""
    started = time.perf_counter()
    config = config or IndexConfig()
    if not paths:
        raise FactcheckError("no documents given: name the folders or files to index")
    target = create_target(root, config)
    missing = [str(p) for p in paths if _missing(p)]
    if missing:
        raise FactcheckError(f"no such file or directory: {missing[0]} (give the folders or files to index)")
    report = read_documents(paths, progress)
    if not report.documents:
        why = f"; skipped: {report.skipped[0][0]} ({report.skipped[0][1]})" if report.skipped else ""
        raise EmptyCorpusError(f"no readable document in {', '.join(map(str, paths))}{why} (supported: .txt .md .html .jsonl .csv .pdf)")
    with target.lock():
        return _build(report.documents, report.skipped, target, embedder, config, progress, started, paths, reuse)


def _missing(path: str | Path) -> bool:
    """Whether ``path`` does not exist (a path that cannot be looked at, in a folder without read permission, is read
    and skipped with its reason like any unreadable input)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return False


def _build(
    documents: list[Document],
    skipped: list[tuple[str, str]],
    target: BuildTarget,
    embedder: Embedder | None,
    config: IndexConfig,
    progress: Progress | None,
    started: float,
    paths: Sequence[str | Path],
    reuse: EvidenceStore | None = None,
) -> BuildReport:
    old = target.current()
    if embedder is None:  # the index's own embedder on a rebuild (or the reused index's); else by the corpus's languages
        # a model an index names is loaded from this machine only: a download needs the user to name it
        embedder = create_embedder(EmbedderConfig(model=choose_embedder(documents, old or reuse), local_only=(old or reuse) is not None))
    if old is None and reuse is not None:
        old = reuse
    if old is not None and not same_embedder(old.manifest, embedder):
        if old is not reuse:
            old.close()
        old = None  # another embedder: nothing can be reused

    old_docs = old.documents() if old else {}
    passages: list[Passage] = []
    reuse_rows: list[int] = []  # for each passage, the old row id, or -1 when it must be embedded
    embedded_docs = reused_docs = 0
    doc_rows: list[tuple] = []
    for done, doc in enumerate(documents, 1):
        checksum = doc.checksum
        prior = old_docs.get(doc.doc_id)
        first = len(passages)
        if old is not None and prior is not None and prior["checksum"] == checksum:
            ids = list(range(prior["first_passage"], prior["first_passage"] + prior["n_passages"]))
            passages += [replace(kept, title=doc.title, source=doc.source, date=doc.date) for kept in old.passages(ids)]
            reuse_rows += ids
            reused_docs += 1
        else:
            split = split_passages(doc)
            passages += split
            reuse_rows += [-1] * len(split)
            embedded_docs += 1
        doc_rows.append((doc.doc_id, doc.title, doc.source, doc.date, doc.lang, doc.path, checksum, first, len(passages) - first))
        if progress and (done % SPLIT_PROGRESS_EVERY == 0 or done == len(documents)):
            progress("split", done, len(documents))
    removed_docs = len(set(old_docs) - {d.doc_id for d in documents})

    dim = embedder.dim
    vectors = np.zeros((len(passages), dim), dtype=np.float32)
    reuse_pairs = [(i, r) for i, r in enumerate(reuse_rows) if r >= 0]
    if old is not None and reuse_pairs:
        vectors[[i for i, _ in reuse_pairs]] = old.vectors([r for _, r in reuse_pairs])
    # embedded in chunks (progress, bounded memory) of passages of similar length: each model batch then pads
    # little, as when the embedder sorts one whole list by length
    todo = sorted((i for i, r in enumerate(reuse_rows) if r < 0), key=lambda i: len(passages[i].text))
    for start in range(0, len(todo), config.chunk_size):
        chunk = todo[start : start + config.chunk_size]
        vectors[chunk] = embedder.encode([reading_text(passages[i].text, _before(passages, i)) for i in chunk])
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


def _before(passages: list[Passage], i: int) -> str:
    """The text of the passage before passage ``i`` in the same document ("" for a document's first)."""
    return passages[i - 1].text if i > 0 and passages[i - 1].doc_id == passages[i].doc_id else ""


#: the share of a corpus's text in languages other than English above which a build that names no embedder takes the
#: multilingual one: claims in one language must find evidence in the other (the plain-claims suite's bilingual
#: corpus: claims across languages right 0 times in 9 with all-MiniLM-L6-v2, 5 in 9 with use-multilingual; eval/RESULTS.md).
MULTILINGUAL_ABOVE = 0.1


def choose_embedder(documents: Sequence[Document], existing: EvidenceStore | None = None) -> str:
    """The embedder for a build that names none: the one that built the index being rebuilt, else the default
    English one for an English corpus and the multilingual USE for a corpus with more than ``MULTILINGUAL_ABOVE`` of
    its text in other languages (English claims can then find French evidence and back; see eval/RESULTS.md)."""
    if existing is not None:
        name = existing.manifest.get("embedder", {}).get("name")
        if name:
            return str(name)
    total = sum(len(d.text) for d in documents)
    other = sum(len(d.text) for d in documents if (d.lang or "en") != "en")
    return DEFAULT_EMBEDDER if other <= MULTILINGUAL_ABOVE * total else USE_MULTILINGUAL


def _language_mix(passages: list[Passage]) -> dict[str, int]:
    mix: dict[str, int] = {}
    for p in passages:
        key = p.lang or "unknown"
        mix[key] = mix.get(key, 0) + 1
    return dict(sorted(mix.items(), key=lambda kv: -kv[1]))


def embedder_for(index: EvidenceStore, requested: str | None = None, batch_size: int = 64) -> Embedder:
    """The embedder to query ``index`` with: the one that built it (a different request is refused). Unless the user
    names it (``requested``), it is loaded from this machine only: an index directory is data, and its manifest alone
    never makes factcheck download a model (an index built with a hub model needs ``--embedder NAME`` on a machine
    that does not have that model yet)."""
    check_embedder(index, requested)
    return create_embedder(EmbedderConfig(model=index.manifest["embedder"]["name"], batch_size=batch_size, local_only=requested is None))
