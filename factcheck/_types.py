"""The data contract every stage speaks, in the manner of BEIR's corpus / queries / qrels:

- :class:`Document`: a piece of evidence as read from a file (ingest's output, the index's input);
- :class:`Passage`: a sentence-level span of a document with its provenance (what the index stores);
- :class:`Hit`: a passage retrieved for a claim, with its similarity and row (what an index search returns);
- :class:`Evidence`: a retrieved passage and the verifier's judgement of it (what a verdict cites);
- :class:`Verdict`: a claim's label, confidence, evidence and warnings (what ``check`` returns and prints as JSON);
- :class:`Claim`: a labelled claim of a benchmark, with its gold evidence (what evaluation reads).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

#: the version of how documents become passages and vectors (sentence splitting, whitespace folding, the context a
#: passage is embedded with), part of a document's checksum: a rebuild re-embeds documents split another way.
PASSAGES_VERSION = 2


@dataclass
class Document:
    doc_id: str
    text: str
    title: str = ""
    source: str = ""
    date: str = ""
    lang: str = ""
    path: str = ""

    @property
    def checksum(self) -> str:
        """Hash of what a document's passages and vectors depend on: its id, text and declared language.
        Title, source (often the path as typed on the command line), date and path are left out, so moving a
        corpus or naming it by another path does not re-embed it; a rebuild refreshes them on reused passages."""
        payload = json.dumps([self.doc_id, self.lang, self.text, PASSAGES_VERSION], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Passage:
    """A sentence-level span of a document: ``text`` is ``document.text[start:end]`` with its whitespace folded."""

    doc_id: str
    text: str
    start: int
    end: int
    title: str = ""
    source: str = ""
    date: str = ""
    lang: str = ""


@dataclass(frozen=True)
class Hit:
    """A passage an index search returned for a claim."""

    passage: Passage
    #: cosine similarity between the claim and the passage (vectors are normalized).
    similarity: float
    #: the passage's row in its index (-1 for evidence given rather than retrieved).
    row: int


@dataclass
class Evidence:
    """One retrieved passage and the verifier's judgement of it."""

    text: str
    source: str
    doc_id: str
    title: str
    date: str
    start: int
    end: int
    #: entailment / neutral / contradiction, the verifier's most probable stance; None when the passage was
    #: not judged (less similar to the claim than the gate, ``CheckConfig.min_similarity``).
    stance: str | None
    #: probability of that stance (None when not judged).
    score: float | None
    #: cosine similarity between claim and passage.
    similarity: float
    #: stance probabilities after the fact checks (None when not judged).
    probabilities: dict[str, float] | None
    #: whether this passage decided the label.
    decisive: bool = False
    #: the sentence before the passage, read with it by the models when the passage refers back to it ("" if none).
    context: str = ""
    #: the verifier's own probabilities, before the fact checks (None when not judged).
    verifier_probabilities: dict[str, float] | None = None
    #: the claim's numbers, dates, scores and names looked up in the passage: kind, claim, result (match,
    #: mismatch, absent), evidence (the passage's values on a mismatch) and text (a sentence for the reader).
    checks: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Verdict:
    claim: str
    label: str
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "claim": self.claim,
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "evidence": [e.to_dict() for e in self.evidence],
            "warnings": list(self.warnings),
        }


@dataclass
class Claim:
    """A labelled claim of a benchmark (BEIR's query with its qrels)."""

    id: str
    claim: str
    label: str
    #: gold evidence texts (oracle mode judges the claim against them).
    evidence: list[str] = field(default_factory=list)
    #: gold document (or one-passage document) ids: retrieval metrics and label-only evidence F1.
    evidence_ids: list[str] = field(default_factory=list)
    #: per gold id, its own label when it differs from the claim's (SciFact labels each abstract).
    evidence_labels: dict[str, str] = field(default_factory=dict)
    #: what kind of claim it is, for results per kind ("number", "paraphrase", ...; "" when the set has none).
    kind: str = ""


#: the one shape of a progress callback, for index builds, batch checks and benchmark runs: (phase, done, total).
Progress = Callable[[str, int, int], None]
