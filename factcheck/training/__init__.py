"""Training stage: build the verifier's (evidence, claim, label) pairs from public sets (the recipes) and
fine-tune a CrossEncoder on them."""

from __future__ import annotations

from ._recipes import (
    NEGATABLE,
    NEGATED,
    Pair,
    RecipeConfig,
    balance,
    climate_fever_pairs,
    covid_fact_pairs,
    dev_sets,
    fever_lite_pairs,
    flip_negation,
    negation_flips,
    scifact_pairs,
    summarize,
    training_pairs,
    write_jsonl,
)
from ._synthetic import (
    DEFAULT_WEIGHTS,
    SourceText,
    source_sentences,
    split_sentences,
    summarize_synthetic,
    synthetic_pairs,
    synthetic_training_pairs,
)
from ._train import RUN_CONFIG_FILE, TrainConfig, TrainResult, checkpoint_to_resume, export_fp16, load_pairs, pairs_to_dataset, train_verifier

__all__ = [
    "DEFAULT_WEIGHTS",
    "SourceText",
    "NEGATABLE",
    "NEGATED",
    "RUN_CONFIG_FILE",
    "Pair",
    "RecipeConfig",
    "TrainConfig",
    "TrainResult",
    "balance",
    "checkpoint_to_resume",
    "climate_fever_pairs",
    "covid_fact_pairs",
    "dev_sets",
    "export_fp16",
    "fever_lite_pairs",
    "flip_negation",
    "load_pairs",
    "negation_flips",
    "pairs_to_dataset",
    "scifact_pairs",
    "source_sentences",
    "split_sentences",
    "summarize",
    "summarize_synthetic",
    "synthetic_pairs",
    "synthetic_training_pairs",
    "train_verifier",
    "training_pairs",
    "write_jsonl",
]
