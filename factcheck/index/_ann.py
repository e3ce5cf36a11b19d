"""FAISS itself: which FAISS index a corpus gets, building it, reading it back, searching it.

Every FAISS call of the index stage lives here.

- up to ``IndexConfig.exact_up_to`` passages (200,000 by default): ``IndexFlatIP``, exact search;
- beyond: ``IndexIVFScalarQuantizer`` (inverted lists over k-means cells, 8-bit scalar quantization:
  1 byte per dimension instead of 4), searched in ``nprobe`` cells. Its recall@10 against exact search
  is measured by eval/bench.py (eval/experiments/README.md, "Speed and scale (issue 5)").

The parameters go into the index manifest (``faiss`` section) and are read back from it. Both kinds are read
memory-mapped (``IO_FLAG_MMAP_IFC`` for the flat vectors, ``IO_FLAG_MMAP`` for the inverted lists): opening
costs no memory, pages stay in the shared page cache, and an IVF search reads only the cells it probes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import faiss

FLAT = "IndexFlatIP"
IVF_SQ8 = "IndexIVFScalarQuantizer"


def choose(n: int, dim: int, exact_up_to: int, nprobe: int | None = None) -> dict[str, Any]:
    """The manifest's ``faiss`` section for ``n`` vectors: index type and its parameters."""
    if n <= exact_up_to:
        return {"index_type": FLAT, "metric": "inner_product", "params": {}}
    # about 2 * sqrt(n) cells (2,048 at 1M), a power of two; at least 64 training points per cell.
    nlist = 2 ** round(math.log2(2 * math.sqrt(n)))
    return {
        "index_type": IVF_SQ8,
        "metric": "inner_product",
        "params": {
            "nlist": nlist,
            "nprobe": nprobe or max(1, nlist // 32),
            "quantizer": "QT_8bit",
            "train_size": min(n, 64 * nlist),
        },
    }


def build(vectors: np.ndarray, spec: dict[str, Any], seed: int = 13) -> faiss.Index:
    import faiss

    dim = vectors.shape[1]
    if spec["index_type"] == FLAT:
        flat = faiss.IndexFlatIP(dim)
        flat.add(vectors)
        return flat
    if spec["index_type"] != IVF_SQ8:
        raise ValueError(f"unknown index type {spec['index_type']!r}")
    params = spec["params"]
    quantizer = faiss.IndexFlatIP(dim)
    index: faiss.Index = faiss.IndexIVFScalarQuantizer(quantizer, dim, params["nlist"], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed  # type: ignore[attr-defined]
    rng = np.random.default_rng(seed)
    sample = vectors if len(vectors) <= params["train_size"] else vectors[np.sort(rng.choice(len(vectors), params["train_size"], replace=False))]
    index.train(np.ascontiguousarray(sample))
    for start in range(0, len(vectors), 65536):  # bounded temporary memory while adding
        index.add(np.ascontiguousarray(vectors[start : start + 65536]))
    index.nprobe = params["nprobe"]  # type: ignore[attr-defined]
    return index


def write(index: faiss.Index, path: str) -> None:
    import faiss

    faiss.write_index(index, path)


def read(path: str, spec: dict[str, Any]) -> faiss.Index:
    """Read an index, memory-mapped where FAISS can map it; raises RuntimeError for an unreadable file."""
    import faiss

    # IO_FLAG_MMAP maps the inverted lists of an IVF index but reads a flat one whole; IO_FLAG_MMAP_IFC
    # (faiss >= 1.9) maps the vectors of a flat index ("index flat codes").
    flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY
    if spec.get("index_type") == FLAT and hasattr(faiss, "IO_FLAG_MMAP_IFC"):
        flags = faiss.IO_FLAG_MMAP_IFC
    try:
        index = faiss.read_index(path, flags)
    except RuntimeError:
        index = faiss.read_index(path)
    nprobe = spec.get("params", {}).get("nprobe")
    if nprobe:
        faiss.extract_index_ivf(index).nprobe = int(nprobe)
    return index


#: below this many queries FAISS scans the vectors query by query (its BLAS path starts at 20): one OpenMP
#: thread then does it faster than two. On a 2-core machine, single-claim search over 100k exact vectors took
#: 21 ms on one thread against 49 ms on two, whose spinning competes with ONNX Runtime's threads in the same
#: process (eval/experiments/README.md, "Speed and scale (issue 5)").
FEW_QUERIES = 20


def search(index: faiss.Index, vectors: np.ndarray, k: int, params: faiss.SearchParameters | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``index.search``, on one OpenMP thread for a few queries (see FEW_QUERIES), on all of them for a batch."""
    import faiss

    if len(vectors) >= FEW_QUERIES:
        return index.search(vectors, k, params=params)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(vectors, k, params=params)
    finally:
        faiss.omp_set_num_threads(threads)


def search_parameters(index: faiss.Index, selector: faiss.IDSelector) -> faiss.SearchParameters:
    """Search parameters restricting a search to ``selector``'s ids (an IVF index needs its own kind, with its nprobe)."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is None:
        return faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]  # faiss's stubs omit the SWIG keywords
    return faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)  # type: ignore[call-arg]


def reconstruct(index: faiss.Index, ids: np.ndarray) -> np.ndarray:
    """Stored vectors by id (exact for a flat index, decoded 8-bit values for IVF-SQ8)."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None and not ivf.direct_map.type:
        ivf.make_direct_map()
    return index.reconstruct_batch(ids)


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    """Share of the exact top-k ids that a search found (rows are queries)."""
    k = exact.shape[1]
    hits = sum(len(set(f.tolist()) & set(e.tolist())) for f, e in zip(found, exact))
    return hits / (k * len(exact))
