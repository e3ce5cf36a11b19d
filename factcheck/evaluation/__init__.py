"""Evaluation stage: run labelled claims through the pipeline, score them, and fit the aggregation.

A benchmark is a list of :class:`Claim` (text, gold label, optional gold evidence) and, for end-to-end runs, a
corpus to index (:class:`Benchmark`). The public sets are read from the files laid out as in ``shared/data``.
Scoring goes through the pipeline's one path (:meth:`FactChecker.judge` and :meth:`FactChecker.verdict`), so a
run measures what ``factcheck check`` does.
"""

from __future__ import annotations

from .._types import Claim
from ._datasets import (
    BENCHMARKS,
    CLIMATE_HELDOUT_EVERY,
    ORACLE_ONLY,
    Benchmark,
    climate_fever_claims,
    climate_fever_heldout,
    climate_fever_is_heldout,
    covid_fact_dev,
    covid_fact_rows,
    detokenize,
    fever_lite_rows,
    fever_lite_test,
    load_benchmark,
    load_claims,
    milvus_bench_name,
    read_jsonl,
    sample,
    scifact_claims,
    scifact_corpus,
    scifact_dev,
    user_benchmark,
)
from ._fit import GRID, fit_aggregation, fit_confidence_curves, oracle_config, replay, replay_with_scores, write_aggregation
from ._metrics import calibration, claim_only_baseline, evidence_label_f1, metrics, peak_rss_mib, retrieval_metrics, retrieval_only_baseline
from ._report import compare_runs, report_markdown, write_plots
from ._runs import ClaimEvaluator, RunConfig, benchmark_index, run_benchmark
from ._scoring import RANKING_DOCUMENTS, RANKING_PASSAGES, Scored, score_end_to_end, score_oracle

__all__ = [
    "BENCHMARKS",
    "CLIMATE_HELDOUT_EVERY",
    "GRID",
    "ORACLE_ONLY",
    "RANKING_DOCUMENTS",
    "RANKING_PASSAGES",
    "Benchmark",
    "Claim",
    "ClaimEvaluator",
    "RunConfig",
    "Scored",
    "benchmark_index",
    "calibration",
    "claim_only_baseline",
    "climate_fever_claims",
    "climate_fever_heldout",
    "climate_fever_is_heldout",
    "compare_runs",
    "covid_fact_dev",
    "covid_fact_rows",
    "detokenize",
    "evidence_label_f1",
    "fever_lite_rows",
    "fever_lite_test",
    "fit_aggregation",
    "fit_confidence_curves",
    "load_benchmark",
    "load_claims",
    "metrics",
    "milvus_bench_name",
    "oracle_config",
    "peak_rss_mib",
    "read_jsonl",
    "replay",
    "replay_with_scores",
    "report_markdown",
    "retrieval_metrics",
    "retrieval_only_baseline",
    "run_benchmark",
    "sample",
    "score_end_to_end",
    "score_oracle",
    "scifact_claims",
    "scifact_corpus",
    "scifact_dev",
    "user_benchmark",
    "write_aggregation",
    "write_plots",
]
