"""Benchmark runs: score labelled claims through the pipeline, measure them, and write a run folder."""

from __future__ import annotations

import json
import os
import platform
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .._types import Claim, Progress
from ..errors import FactcheckError
from ..index import FaissIndex, IndexConfig, build_index
from ..labels import UNVERIFIED
from ..pipeline import FactChecker
from ..settings import __version__
from ._datasets import Benchmark, milvus_bench_name, sample
from ._fit import oracle_config
from ._metrics import calibration, claim_only_baseline, evidence_label_f1, metrics, peak_rss_mib, retrieval_metrics, retrieval_only_baseline
from ._report import report_markdown, write_plots
from ._scoring import RANKING_PASSAGES, Scored, score_end_to_end, score_oracle


@dataclass(frozen=True)
class RunConfig:
    """What a benchmark run measures besides accuracy."""

    #: claims timed one at a time for the latency percentiles (a seeded sample; 0 skips).
    latency_sample: int = 50
    #: a claim-only model folder for that baseline (None: reported as not run).
    claim_only_model: str | None = None
    #: equal-width confidence bins of the ECE and the reliability diagram.
    calibration_bins: int = 10
    seed: int = 13
    #: oracle mode: whether the aggregation's similarity gate also applies to gold evidence. Keep it where a
    #: benchmark's evidence may not bear on the claim (SciFact's NEI claims, Climate-FEVER's candidate
    #: sentences); drop it where gold evidence always does (FEVER-Lite, COVID-Fact), or the gate turns right
    #: stances into "unverified".
    gate_oracle_evidence: bool = True


def run_benchmark(
    checker: FactChecker,
    claims: Sequence[Claim],
    *,
    name: str,
    oracle: bool,
    out_dir: Path,
    meta: dict | None = None,
    config: RunConfig | None = None,
    progress: Progress | None = None,
) -> dict:
    """Score ``claims`` (end to end, or against their own evidence with ``oracle``), write a run folder
    (metrics.json, predictions.jsonl, report.md, confusion_matrix.png, reliability.png) and return the metrics."""
    run = config or RunConfig()
    claims = list(claims)
    if not claims:
        raise FactcheckError(f"no claim to evaluate in {name}")
    load_before = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    ranking = not oracle and any(c.evidence_ids for c in claims)

    def score(batch: Sequence[Claim], hook: Progress | None = None) -> list[Scored]:
        if oracle:
            return score_oracle(checker, batch, progress=hook)
        return score_end_to_end(checker, batch, ranking=ranking, progress=hook)

    score([next((c for c in claims if c.evidence or not oracle), claims[0])])  # warm-up: load the models before timing
    started = time.perf_counter()
    scored = score(claims, progress)
    seconds = time.perf_counter() - started
    latencies = []
    timed = sample(claims, run.latency_sample, run.seed) if run.latency_sample else []
    for i, c in enumerate(timed, 1):
        t0 = time.perf_counter()
        if oracle:
            score_oracle(checker, [c])
        else:
            checker.check(c.claim)
        latencies.append(time.perf_counter() - t0)
        if progress:
            progress("timing single claims", i, len(timed))

    check_config = oracle_config(checker.config, gate=run.gate_oracle_evidence) if oracle else checker.config
    k = check_config.top_k
    # the verdicts, made as ``factcheck check`` makes them (the oracle's config judges every given passage)
    deciding = checker.with_config(top_k=check_config.top_k, min_similarity=check_config.min_similarity) if oracle else checker
    verdicts = [deciding.verdict(s.judgement) for s in scored]  # type: ignore[arg-type]
    gold = [s.claim.label for s in scored]
    predicted = [v.label for v in verdicts]
    confidence = [v.confidence for v in verdicts]
    correct = [p == g for p, g in zip(predicted, gold)]

    def headline(labels: Sequence[str]) -> dict:
        m = metrics(gold, labels)
        return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}

    majority = Counter(gold).most_common(1)[0][0] if gold else UNVERIFIED
    threshold = checker.config.min_similarity
    baselines: dict = {
        "majority_class": {"label": majority, **headline([majority] * len(gold))},
        "retrieval_only": {
            "rule": f"supported if the most similar {'gold evidence passage' if oracle else f'of the top {k} passages'} has cosine similarity >= {threshold} (the relevance gate of the aggregation), else unverified; no verifier",
            "threshold": threshold,
            **headline(retrieval_only_baseline(scored, threshold, k)),
        },
    }
    if run.claim_only_model:
        baselines["claim_only"] = {"model": run.claim_only_model, **headline(claim_only_baseline(run.claim_only_model, claims))}
    else:
        baselines["claim_only"] = {"model": None, "note": "not run: give --claim-only-model PATH (train it with eval/sweep_verifier.py --only claim-only-bs16)"}

    result: dict = {
        "benchmark": name,
        "mode": "oracle" if oracle else "end-to-end",
        "similarity_gate": None if oracle and not run.gate_oracle_evidence else checker.config.min_similarity,
        **metrics(gold, predicted),
        "calibration": {"measures": "the printed confidence against whether the claim label is right", **calibration(confidence, correct, run.calibration_bins)},
        "baselines": baselines,
    }
    kinds = sorted({s.claim.kind for s in scored if s.claim.kind})
    if kinds:
        result["by_kind"] = {
            kind: {"n": len(rows), "accuracy": round(sum(correct[i] for i in rows) / len(rows), 4)}
            for kind in kinds
            for rows in [[i for i, s in enumerate(scored) if s.claim.kind == kind]]
        }
    if ranking:
        result["retrieval"] = {
            "measures": f"distinct documents in the order their passages were retrieved ({RANKING_PASSAGES} passages searched), against the gold evidence_ids",
            **retrieval_metrics([s.ranking for s in scored], [s.claim.evidence_ids for s in scored], (1, 5, 10, k)),
        }
        result["evidence_label_only"] = {
            "measures": "SciFact abstract-level label-only: a (document, label) from the deciding passages counts when the document is gold for the claim and its label matches",
            **evidence_label_f1(scored, check_config),
        }
    result["speed"] = {
        "claims_per_second": round(len(scored) / seconds, 2) if seconds > 0 else None,
        "scoring_seconds": round(seconds, 2),
        "measures": "claims/s: all claims scored in batches of 64, models loaded; latency: one claim at a time "
        + ("(checker.check: embed, search, verify, aggregate)" if not oracle else "(embed claim and evidence, verify)")
        + f" on {len(timed)} sampled claims",
        "latency_ms": {
            "claims": len(latencies),
            "p50": round(float(np.percentile(latencies, 50)) * 1000, 1) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)) * 1000, 1) if latencies else None,
        },
        "peak_rss_mib": peak_rss_mib(),
        "load_average": [load_before, round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None],
    }
    result.update(
        {
            "config": asdict(checker.config),
            "verifier": checker.verifier.name,
            "embedder": checker.embedder.name,
            "factcheck_version": __version__,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **(meta or {}),
        }
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    result["plots"] = write_plots(out_dir, result)
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    with open(out_dir / "predictions.jsonl", "w", encoding="utf-8") as fh:
        for s, label, conf, verdict in zip(scored, predicted, confidence, verdicts):
            evidence = [
                {"text": t, "id": s.ids[n] if n < len(s.ids) else "", "similarity": round(sim, 4), "probabilities": [round(p, 4) for p in prob]}
                for n, (t, sim, prob) in enumerate(zip(s.texts, s.similarities, s.probabilities))
            ]
            row = {"id": s.claim.id, **({"kind": s.claim.kind} if s.claim.kind else {}), "claim": s.claim.claim, "gold": s.claim.label, "predicted": label, "confidence": round(conf, 4), "evidence": evidence, "verdict": verdict.to_dict()}
            if ranking:
                row["retrieved_documents"] = s.ranking
                row["gold_documents"] = s.claim.evidence_ids
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out_dir / "report.md").write_text(report_markdown(result))
    return result


class ClaimEvaluator:
    """An evaluator in the manner of sentence-transformers' evaluators: it holds the labelled claims and how to
    measure them; called with a checker it scores them, writes the run folder and returns the metrics.

    >>> evaluator = ClaimEvaluator(claims, name="mine", oracle=False)   # doctest: +SKIP
    >>> evaluator(checker, Path("runs/mine"))["macro_f1"]              # doctest: +SKIP
    """

    def __init__(self, claims: Sequence[Claim], *, name: str, oracle: bool, config: RunConfig | None = None) -> None:
        self.claims = list(claims)
        self.name = name
        self.oracle = oracle
        self.config = config or RunConfig()

    def __call__(self, checker: FactChecker, out_dir: Path, *, meta: dict | None = None, progress: Progress | None = None) -> dict:
        return run_benchmark(checker, self.claims, name=self.name, oracle=self.oracle, out_dir=out_dir, meta=meta, config=self.config, progress=progress)


def benchmark_index(benchmark: Benchmark, config: IndexConfig | None = None, progress: Progress | None = None) -> str:
    """Build (or update) the cached index of a benchmark's corpus and return its location: the FAISS directory, or
    for Milvus the index named after that directory, reusing the vectors of a FAISS index built there (no second
    embedding of the corpus)."""
    if benchmark.corpus is None or benchmark.index_dir is None:
        raise FactcheckError(f"{benchmark.name} ships no corpus to retrieve from: run it with --oracle")
    config = config or IndexConfig()
    if config.backend == "faiss":
        build_index(benchmark.corpus, benchmark.index_dir, config=config, progress=progress)
        return str(benchmark.index_dir)
    try:
        reuse = FaissIndex.open(benchmark.index_dir)
    except FactcheckError:
        reuse = None
    name = milvus_bench_name(benchmark.index_dir)
    build_index(benchmark.corpus, name, config=config, progress=progress, reuse=reuse)
    return name
