"""The fast paths: ONNX Runtime models equal the torch ones, the check path skips torch, large corpora get IVF."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from helpers import run_cli

from factcheck import EmbedderConfig, FactChecker, Verifier, VerifierConfig
from factcheck.embed import create_embedder
from factcheck.index import FaissIndex, IndexConfig, build_index


def test_onnx_embedder_gives_the_sentence_transformers_vectors(checker: FactChecker) -> None:
    fast, slow = create_embedder(), create_embedder(EmbedderConfig(backend="torch"))
    assert fast.onnx is not None and slow.onnx is None
    texts = [p.text for p in checker.index.passages(list(range(40)))] + ["Stargate funds will not be available"]
    cos = (fast.encode(texts) * slow.encode(texts)).sum(axis=1)
    assert cos.min() > 0.9999
    claim = "Sam Altman's company,  OpenAI, rejected the offer! " * 20
    assert fast.claim_cut(claim, 30) == slow.claim_cut(claim, 30) is not None
    assert fast.claim_cut(claim, 10_000) is None
    assert fast.max_tokens == slow.max_tokens == 256 and fast.dim == slow.dim == 384


def test_onnx_verifier_gives_the_torch_logits(checker: FactChecker) -> None:
    fast, slow = Verifier(), Verifier(VerifierConfig(backend="torch"))
    assert fast.onnx is not None and slow.onnx is None
    claim = "Stargate funds will not be available"
    pairs = [(p.text, claim) for p in checker.index.passages(list(range(0, 120, 4)))]
    a, b = fast.logits(pairs), slow.logits(pairs)
    assert np.abs(a - b).max() < 1e-2
    assert (a.argmax(axis=1) == b.argmax(axis=1)).all()


def test_auto_backend_leaves_onnx_for_a_gpu_device(checker: FactChecker) -> None:
    """ONNX Runtime runs on the CPU: a config that names a GPU gets torch there, unless it forces "onnx"."""
    assert Verifier(VerifierConfig(device="cuda:0")).onnx is None
    assert create_embedder(EmbedderConfig(device="cuda")).onnx is None
    assert Verifier(VerifierConfig(device="cpu")).onnx is not None
    assert Verifier(VerifierConfig(device="cuda:0", backend="onnx")).onnx is not None


def test_check_path_never_imports_torch(demo_index: Path) -> None:
    code = (
        "import sys\n"
        "from factcheck.cli import main\n"
        f"sys.argv = ['factcheck', 'check', 'Stargate funds will not be available', '--index', {str(demo_index)!r}, '--json']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)\n"
        "print(repr(heavy), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["label"] in {"supported", "disputed", "unverified"}
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_backend_torch_gives_the_same_verdict(checker: FactChecker, demo_index: Path) -> None:
    slow = FactChecker.open(demo_index)
    slow.embedder, slow.verifier = create_embedder(EmbedderConfig(backend="torch")), Verifier(VerifierConfig(backend="torch"))
    slow = slow.with_config()
    for claim in ["Stargate funds will not be available", "OpenAI rejected Musk's offer", "The Eiffel Tower was moved to Berlin"]:
        a, b = checker.check(claim), slow.check(claim)
        assert a.label == b.label and [e.text for e in a.evidence] == [e.text for e in b.evidence]


def test_large_corpus_gets_an_approximate_index(tmp_path: Path, demo_corpus: Path, demo_index: Path) -> None:
    """Past exact_up_to passages, an IVF-SQ8 index with its parameters in the manifest, read memory-mapped."""
    build_index([demo_corpus], tmp_path / "ivf", create_embedder("all-MiniLM-L6-v2"), config=IndexConfig(exact_up_to=50, nprobe=8))
    ivf, flat = FaissIndex.open(tmp_path / "ivf"), FaissIndex.open(demo_index)
    spec = ivf.manifest["faiss"]
    assert spec["index_type"] == "IndexIVFScalarQuantizer" and spec["params"]["nprobe"] == 8
    assert spec["params"]["nlist"] >= 16 and spec["params"]["quantizer"] == "QT_8bit"
    import faiss

    assert faiss.extract_index_ivf(ivf.faiss_index).nprobe == 8
    n = ivf.passage_count
    assert n == flat.passage_count
    queries = flat.vectors(list(range(0, n, 7)))
    found, exact = ivf.search_ids(queries, 5)[1], flat.search_ids(queries, 5)[1]
    assert (found[:, 0] == np.arange(0, n, 7)).mean() > 0.9  # each passage finds itself
    from factcheck.index import recall_at_k

    assert recall_at_k(found, exact) > 0.8
    verdict = FactChecker.open(tmp_path / "ivf").check("Stargate funds will not be available")
    assert verdict.evidence


def test_single_claim_search_on_one_thread_finds_what_a_batch_finds(demo_index: Path) -> None:
    """A few queries are searched on one OpenMP thread (faster there), then the thread count is restored."""
    import faiss

    from factcheck.index import FEW_QUERIES

    index = FaissIndex.open(demo_index)
    queries = index.vectors(list(range(0, 3 * FEW_QUERIES, 3)))
    threads = faiss.omp_get_max_threads()
    batch_scores, batch_ids = index.search_ids(queries, 5)
    for i in range(0, len(queries), 7):
        scores, ids = index.search_ids(queries[i : i + 1], 5)
        assert (ids[0] == batch_ids[i]).all() and np.allclose(scores[0], batch_scores[i], atol=1e-5)
    assert faiss.omp_get_max_threads() == threads


def test_unknown_backend_is_a_one_line_error(demo_index: Path) -> None:
    import os

    proc = run_cli("check", "a claim", "--index", str(demo_index), env={**os.environ, "FACTCHECK_BACKEND": "gpu"})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["factcheck: error: unknown backend 'gpu' (FACTCHECK_BACKEND or config): use one of auto, onnx, torch"]
