"""The three verdict labels, the three stances a verifier gives a passage, and their aliases."""

from __future__ import annotations

import re

SUPPORTED = "supported"
DISPUTED = "disputed"
UNVERIFIED = "unverified"
LABELS: tuple[str, ...] = (SUPPORTED, DISPUTED, UNVERIFIED)

ENTAILMENT = "entailment"
NEUTRAL = "neutral"
CONTRADICTION = "contradiction"
#: Stance label ids of the models factcheck trains (also written into their config's id2label).
STANCES: tuple[str, ...] = (ENTAILMENT, NEUTRAL, CONTRADICTION)

STANCE_TO_LABEL = {ENTAILMENT: SUPPORTED, NEUTRAL: UNVERIFIED, CONTRADICTION: DISPUTED}
LABEL_TO_STANCE = {v: k for k, v in STANCE_TO_LABEL.items()}

_ALIASES = {
    SUPPORTED: {"supported", "support", "supports", "entailment", "entailed", "entails", "true", "yes", "e"},
    DISPUTED: {
        "disputed", "refuted", "refutes", "refute", "contradict", "contradicts", "contradiction",
        "contradicted", "false", "no", "c", "not_entailment",
    },
    UNVERIFIED: {
        "unverified", "nei", "not enough info", "not_enough_info", "not enough information", "neutral",
        "unknown", "n", "notenoughinfo",
    },
}
_ALIAS_TO_LABEL = {alias: label for label, aliases in _ALIASES.items() for alias in aliases}


def normalize_label(value: object) -> str:
    """Map any usual spelling of a fact-checking or NLI label to supported / disputed / unverified.

    Raises ``ValueError`` for a value that is not a known label.
    """
    key = str(value).strip().lower().replace("-", " ").replace("_", " ")
    label = _ALIAS_TO_LABEL.get(key) or _ALIAS_TO_LABEL.get(key.replace(" ", "_"))
    if label is None:
        known = ", ".join(sorted(LABELS))
        raise ValueError(f"unknown label {value!r}: use one of {known} (or SUPPORTS/REFUTES/NOT ENOUGH INFO)")
    return label


def stance_of(value: object) -> str:
    """Map a label or stance spelling to entailment / neutral / contradiction."""
    return LABEL_TO_STANCE[normalize_label(value)]


#: the auxiliaries a simple negation follows ("is not", "will not", ...), as a regex group
AUXILIARY = r"\b(is|was|are|were|can|could|will|would|has|have|had|does|did|do|should|may|might|must)"
_NEGATION = re.compile(AUXILIARY + r" not\b(?!\s+(?:only|just|merely|least|necessarily|always|all|every|quite|entirely)\b)")


def positive_form(claim: str) -> str | None:
    """``claim`` without its first simple negation ("X will not be Y" -> "X will be Y"), or None when it has
    none. "not only", "not always", "not all" and the like are not simple negations and are left alone."""
    if not _NEGATION.search(claim):
        return None
    return _NEGATION.sub(r"\1", claim, count=1)


_ANY_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|rather than|instead of|ne|n'|pas|jamais|aucun|aucune|ni|"
    r"sans|plutôt que|au lieu de)\b|n't\b",
    re.I,
)


def negation(text: str) -> str | None:
    """The first negation word of a text (English or French: not, never, no, n't, rather than, ne ... pas, jamais,
    aucun, sans, plutôt que), or None."""
    m = _ANY_NEGATION.search(text)
    return m.group(0) if m else None


def has_negation(text: str) -> bool:
    """Whether a text has a negation word (see :func:`negation`)."""
    return negation(text) is not None
