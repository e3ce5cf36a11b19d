"""Settings: the version, where factcheck keeps what it builds, the ``FACTCHECK_*`` environment variables, and which
index and compute backends run. Every stage reads them from here; this module imports nothing of the package.

Environment variables:

- ``FACTCHECK_CACHE_DIR``: the cache directory (demo index, ONNX exports, benchmark indexes);
- ``FACTCHECK_BACKEND``: ``auto`` / ``onnx`` / ``torch``, how the default models run (a config left at "auto");
- ``FACTCHECK_VERIFIER_INT8``: ``1`` runs the shipped verifier int8-quantized through ONNX Runtime;
- ``FACTCHECK_MILVUS_TOKEN``: a Milvus token (``user:password`` or an API key), never written to a manifest.
- ``FACTCHECK_PROGRESS_SECONDS``: where standard error is no terminal, seconds between the progress lines of
  ``factcheck index`` (10; 0 prints every step).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from platformdirs import user_cache_dir

__version__ = "0.1.0"

CACHE_DIR_ENV = "FACTCHECK_CACHE_DIR"
BACKEND_ENV = "FACTCHECK_BACKEND"
VERIFIER_INT8_ENV = "FACTCHECK_VERIFIER_INT8"
MILVUS_TOKEN_ENV = "FACTCHECK_MILVUS_TOKEN"
PROGRESS_SECONDS_ENV = "FACTCHECK_PROGRESS_SECONDS"
#: environment passed on to Ray workers (offline hubs, the cache holding the demo index, a Milvus token).
WORKER_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", CACHE_DIR_ENV, MILVUS_TOKEN_ENV)

#: where an index lives: ``faiss`` (an index directory) or ``milvus`` (collections on a Milvus server, cluster or
#: milvus-lite file).
INDEX_BACKENDS = ("faiss", "milvus")
DEFAULT_INDEX_BACKEND = "faiss"
#: how the default models run: ``auto`` (ONNX Runtime on a CPU, torch on a GPU), ``onnx`` or ``torch``.
COMPUTE_BACKENDS = ("auto", "onnx", "torch")


def cache_dir() -> Path:
    """Where factcheck keeps what it builds for itself (``FACTCHECK_CACHE_DIR`` overrides)."""
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override) if override else Path(user_cache_dir("factcheck"))


def demo_corpus_path() -> Path:
    """The bundled demo corpus: package data when installed, ``corpus/`` in a source checkout."""
    installed = Path(str(resources.files("factcheck") / "demo_corpus"))
    if installed.is_dir() and any(installed.glob("*.md")):
        return installed
    return Path(__file__).resolve().parent.parent / "corpus"


def demo_index_dir() -> Path:
    """The FAISS index of the demo corpus, built on first use."""
    return cache_dir() / f"demo-index-{__version__}"


def demo_index_name() -> str:
    """The Milvus index of the demo corpus, built on first use on a server."""
    return "factcheck_demo_" + __version__.replace(".", "_")


def bench_dir() -> Path:
    """Where benchmark runs keep their indexes and corpora."""
    return cache_dir() / "bench"


def index_backend(backend: str | None, uri: str | None) -> str:
    """The index backend asked for: ``backend``, else ``milvus`` when a ``uri`` is given, else ``faiss``.
    Raises ValueError for an unknown name."""
    chosen = backend or ("milvus" if uri else DEFAULT_INDEX_BACKEND)
    if chosen not in INDEX_BACKENDS:
        raise ValueError(f"unknown index backend {chosen!r}: use one of {', '.join(INDEX_BACKENDS)}")
    return chosen


def compute_backend(configured: str) -> str:
    """How a default model runs: ``FACTCHECK_BACKEND`` overrides a config left at "auto". Raises ValueError for an
    unknown name."""
    backend = configured
    if backend == "auto":
        backend = os.environ.get(BACKEND_ENV, "auto").strip().lower() or "auto"
    if backend not in COMPUTE_BACKENDS:
        raise ValueError(f"unknown backend {backend!r} ({BACKEND_ENV} or config): use one of {', '.join(COMPUTE_BACKENDS)}")
    return backend


def verifier_int8() -> bool:
    """Whether the shipped verifier runs int8-quantized (``FACTCHECK_VERIFIER_INT8=1``; off by default: its stances
    disagree with the fp32 model's on about 2 % of dev pairs)."""
    return os.environ.get(VERIFIER_INT8_ENV, "") == "1"


def milvus_token() -> str:
    return os.environ.get(MILVUS_TOKEN_ENV, "")
