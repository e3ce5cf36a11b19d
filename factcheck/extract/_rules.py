"""Rule-based claim extraction, English and French (see :mod:`factcheck.extract`)."""

from __future__ import annotations

import re

from ..ingest import detect_language, fold_whitespace, lang_code, sentence_spans
from ..verify import find_names, find_values, reports_speech
from ._base import ExtractedClaim, Extraction, SkippedSentence

#: fewer words than this: a fragment, not a claim.
MIN_WORDS = 4
#: a line without final punctuation and at most this many words is a heading.
HEADING_WORDS = 14

#: what a sentence that states its own opinion or gives advice opens or turns on (first person, should / must).
_OPINION = re.compile(
    r"\b(?:I|we|my|our|in my view|in my opinion|I think|we think|I believe|we believe|should|ought to|"
    r"je|j['’]|nous|mon avis|à mon sens|je pense|nous pensons|il faut|devrait|devraient)\b",
    re.I,
)
#: page furniture: calls to act, cookie notices, rights, "read also".
_BOILERPLATE = re.compile(
    r"\b(?:subscribe|sign up|newsletter|click here|read more|read also|cookies?|all rights reserved|share this|"
    r"let me know|feel free|I hope this helps|abonnez-vous|inscrivez-vous|cliquez ici|lire aussi|lire la suite|"
    r"tous droits réservés|partager|n['’]hésitez pas|j['’]espère que cela)\b|©",
    re.I,
)
#: a subject pronoun opening a sentence, replaced by the name the sentence before opens on (or stood for).
_PRONOUN = re.compile(r"^(?:it|he|she|they|il|elle|ils|elles)\b", re.I)
_WHEN = {"year", "date", "month", "weekday"}


def _skip_reason(sentence: str) -> str | None:
    words = sentence.split()
    if sentence.rstrip("»\"'” )").endswith("?"):
        return "question"
    if not re.search(r"[.!…»\"”:;)]$", sentence.strip()) and len(words) <= HEADING_WORDS:
        return "heading"
    if len(words) < MIN_WORDS:
        return "fragment"
    if _BOILERPLATE.search(sentence):
        return "boilerplate"
    unquoted = re.sub(r"[«“\"][^»”\"]*[»”\"]", " ", sentence)  # a quoted opinion is a reported statement
    if _OPINION.search(unquoted):
        return "opinion"
    return None


def _reasons(sentence: str) -> tuple[str, ...]:
    kinds = {v.kind for v in find_values(sentence)}
    reasons = []
    if kinds - _WHEN:
        reasons.append("figure")
    if kinds & _WHEN:
        reasons.append("date")
    first = re.sub(r"^\w['’]", "", sentence.split()[0]) if sentence.split() else ""  # N'hésitez -> hésitez
    names = find_names(sentence)
    if [n for n in names if n != first.strip(",.;:")] or (first[:1].isupper() and len(names) > 1):
        reasons.append("name")
    if reports_speech(sentence):
        reasons.append("reported statement")
    return tuple(reasons)


def _opening_name(sentence: str, named: frozenset[str]) -> str:
    """The name a sentence opens on ("Sam Altman, dirigeant d'OpenAI, ..." -> "Sam Altman"), or "". A single
    capitalised word counts only if the text writes it capitalised inside a sentence too (``named``): "Millbrook"
    is a name, "Trams" or "Parmi" open a sentence."""
    m = re.match(r"((?:[A-ZÀ-Þ][\w’'-]*\s?){1,4})", sentence)
    if not m:
        return ""
    candidate = m.group(1).strip().split()
    known = find_names(sentence)
    words = [w for w in candidate if w in known]
    # a possessive ("Calderbridge's tram line", "Heron Air's director") or an article ("The Manchester-based group")
    # opens on the name of something else
    if not words or words[0] != candidate[0] or re.match(re.escape(" ".join(words)) + r"['’]s\b", sentence) or any(re.search(r"['’]s$", w) for w in candidate):
        return ""
    if len(words) == 1 and words[0] not in named and not any(c.isupper() for c in words[0][1:]):
        return ""
    return " ".join(words)


def _named_inside(text: str) -> frozenset[str]:
    """The capitalised words a text writes inside its sentences (not only at their start)."""
    return frozenset(m.group(1) for m in re.finditer(r"(?<![.!?»\n])\s([A-ZÀ-Þ][\w’'-]*)", text))


def text_language(text: str, lang: str | None = None) -> str:
    """``lang`` as a code, or the language detected from the start of ``text`` (English when unsure)."""
    if lang is None:
        detected, score = detect_language(text[:2000])
        lang = detected if detected and score >= 0.5 else "en"
    return lang_code(lang) or "en"


class RulesExtractor:
    """The offline default: sentences kept by rules, subject pronouns resolved from the sentence before."""

    name = "rules"

    def extract(self, text: str, lang: str | None = None) -> Extraction:
        lang = text_language(text, lang)
        out = Extraction(lang=lang)
        named = _named_inside(text)
        subject = ""  # the name the sentence before opens on (or its pronoun stood for)
        for start, end in sentence_spans(text, lang):
            sentence = fold_whitespace(text[start:end])
            why = _skip_reason(sentence)
            claim, resolved = sentence, ""
            pronoun = _PRONOUN.match(sentence)
            if pronoun and subject:
                claim, resolved = subject + sentence[pronoun.end() :], subject
            if not pronoun:  # "She said ... She added": the same subject; any other opening starts afresh
                subject = _opening_name(sentence, named)
            reasons = _reasons(claim) if why is None else ()
            if why is None and not reasons:
                why = "no figure, date or name"
            if why is not None:
                out.skipped.append(SkippedSentence(sentence, start, end, why))
                continue
            out.claims.append(ExtractedClaim(claim, sentence, start, end, reasons, resolved))
        return out
