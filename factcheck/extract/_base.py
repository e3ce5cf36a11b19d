"""What every claim extractor gives: the claims of a text with their spans, and the sentences left out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ExtractedClaim:
    """A check-worthy statement of a text: the claim as checked, the sentence as written and its span."""

    claim: str
    sentence: str
    start: int
    end: int
    #: why it was kept: "figure", "date", "name", "reported statement" (the rules), or the extractor model's words.
    reasons: tuple[str, ...]
    #: the name put in place of its opening pronoun ("" when the sentence stands alone).
    resolved: str = ""

    def to_dict(self) -> dict:
        return asdict(self) | {"reasons": list(self.reasons)}


@dataclass(frozen=True)
class SkippedSentence:
    """A sentence that is not checked, and why ("question", "opinion", "heading", "boilerplate", "fragment", "no
    figure, date or name")."""

    sentence: str
    start: int
    end: int
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Extraction:
    """The claims of a text, the sentences left out, and the text's language."""

    claims: list[ExtractedClaim] = field(default_factory=list)
    skipped: list[SkippedSentence] = field(default_factory=list)
    lang: str = ""


class Extractor(Protocol):
    """A claim extractor, chosen by name in :func:`factcheck.extract.make_extractor`."""

    #: its name, as ``--extractor`` takes it.
    name: str

    def extract(self, text: str, lang: str | None = None) -> Extraction:
        """The check-worthy claims of ``text`` (``lang`` detected when None), with the sentences left out."""
        ...
