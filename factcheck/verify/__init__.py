"""Verify stage: an NLI cross-encoder scores each (passage, claim) pair as entailment, neutral or contradiction.

Any ``sentence_transformers.CrossEncoder`` NLI model works, by hub name or local path: its label order is read
from the model's ``config.json`` (``id2label``). The default is the verifier factcheck trains and ships inside
the package. A model folder may carry ``factcheck_calibration.json`` with softmax temperatures fitted on dev
data (:func:`calibrate`), so that the probabilities it returns are calibrated.

Across languages: the shipped verifier reads English only. When it is the verifier in use, a pair whose
evidence or claim is not English is judged instead by a small stance classifier on multilingual sentence
embeddings, also shipped (:class:`EmbeddingStanceClassifier`). A verifier named by the user (for instance a
multilingual NLI cross-encoder from the hub) judges every pair itself.
"""

from __future__ import annotations

from ._calibration import (
    CALIBRATION_FILE,
    MIN_POSITIVE_FORM_PAIRS,
    calibrate,
    calibration,
    expected_calibration_error,
    fit_temperature,
    softmax,
)
from ._facts import CONTRASTS, MISMATCH, RESTATES_COVERAGE, UNNAMED, Check, contrasts, reports_speech, restates, restates_across_languages, rules_out_entailment
from ._facts import aligned as aligned_claim
from ._facts import compare as compare_facts
from ._facts import coverage as claim_coverage
from ._facts import in_document as names_in_document
from ._facts import names as find_names
from ._facts import values as find_values
from ._verifier import DEFAULT_VERIFIER, VERIFIER_LANGUAGE, Verifier, VerifierConfig, default_verifier_path, load_verifier, resolve_verifier
from ._xling import EmbeddingStanceClassifier, xling_classifier_path

__all__ = [
    "CALIBRATION_FILE",
    "Check",
    "DEFAULT_VERIFIER",
    "MIN_POSITIVE_FORM_PAIRS",
    "VERIFIER_LANGUAGE",
    "EmbeddingStanceClassifier",
    "Verifier",
    "VerifierConfig",
    "calibrate",
    "calibration",
    "compare_facts",
    "contrasts",
    "claim_coverage",
    "CONTRASTS",
    "MISMATCH",
    "RESTATES_COVERAGE",
    "default_verifier_path",
    "expected_calibration_error",
    "find_names",
    "find_values",
    "fit_temperature",
    "load_verifier",
    "resolve_verifier",
    "reports_speech",
    "restates",
    "restates_across_languages",
    "rules_out_entailment",
    "names_in_document",
    "aligned_claim",
    "UNNAMED",
    "softmax",
    "xling_classifier_path",
]
