"""Extract stage: the check-worthy claims of a whole text (an article, a press release, a chatbot's answer).

:func:`extract_claims` splits a text into sentences (the same splitter as the index), keeps the statements of fact
(a figure, a date, a name or a reported statement in a sentence that is not a question, an opinion, a heading or
boilerplate), and makes each self-contained where a subject pronoun opens it ("Il a proposé ..." after a sentence
that opens on "Sam Altman" becomes "Sam Altman a proposé ..."). Offline, rule-based, English and French; every
claim keeps its character span in the text and why it was kept, every sentence left out says why.
"""

from __future__ import annotations

from ._rules import ExtractedClaim, Extraction, SkippedSentence, extract_claims

__all__ = ["ExtractedClaim", "Extraction", "SkippedSentence", "extract_claims"]
