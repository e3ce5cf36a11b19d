"""Rule-based claim extraction, English and French (see :mod:`factcheck.extract`)."""

from __future__ import annotations

import re

from ..ingest import detect_language, fold_whitespace, lang_code, sentence_spans
from ..verify import find_names, find_values, reports_speech
from . import _parse
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
#: an English possessive opening a sentence ("Its camera ..."), replaced by the name's possessive.
_POSSESSIVE = re.compile(r"^(?:its|his|her|their)\b", re.I)
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
    """The offline default: sentences kept by rules; pronouns, possessives and descriptions ("the company") put
    back to the name they stand for; sentences that state several facts split, where spaCy can parse the text."""

    name = "rules"

    def extract(self, text: str, lang: str | None = None) -> Extraction:
        lang = text_language(text, lang)
        out = Extraction(lang=lang)
        named = _named_inside(text)
        spans = list(sentence_spans(text, lang))
        sentences = [fold_whitespace(text[start:end]) for start, end in spans]
        parsed = _parse.parse(sentences, lang)
        subject = ""  # the name the sentence before opens on (or its pronoun stood for)
        for i, ((start, end), sentence) in enumerate(zip(spans, sentences)):
            why = _skip_reason(sentence)
            here = parsed[i] if parsed else None
            opening = here.description[0] if here else ""
            pronoun = _PRONOUN.match(sentence) or (lang == "en" and _POSSESSIVE.match(sentence))
            described = "" if pronoun or here is None or parsed is None else _parse.resolve_description(here.description, parsed[max(0, i - _parse.LOOK_BACK) : i])
            if not pronoun:  # "She said ... She added": the same subject; any other opening starts afresh
                subject = described or _opening_name(sentence, named) or _parsed_subject(here, named)
            facts = here.facts if here and why is None else (sentence,)
            claims = [_resolve(fact, subject, opening, described) for fact in facts]
            reasons = [_reasons(claim) for claim, _ in claims] if why is None else []
            if len(claims) > 1 and not all(r and len(c.split()) >= MIN_WORDS for (c, _), r in zip(claims, reasons)):
                claims = [_resolve(sentence, subject, opening, described)]  # a fact without a figure, date or name
                reasons = [_reasons(claims[0][0])]
            if why is None and not any(reasons):
                why = "no figure, date or name"
            if why is not None:
                out.skipped.append(SkippedSentence(sentence, start, end, why))
                continue
            for (claim, resolved), kept in zip(claims, reasons):
                out.claims.append(ExtractedClaim(claim, sentence, start, end, kept, resolved))
        return out


def _parsed_subject(parsed: _parse.Parsed | None, named: frozenset[str]) -> str:
    """The parse's subject of a sentence, as a name for the pronouns after it; one word only when the text writes it
    capitalised inside a sentence too (as :func:`_opening_name` asks: "Trams will run ..." names nothing); a plural
    subject is left out (most pronouns that follow are singular)."""
    if parsed is None or not parsed.subject or parsed.plural:  # "The fans of Millbrook cheered. It was ...": not them
        return ""
    return parsed.subject if len(parsed.subject.split()) > 1 or parsed.subject in named else ""


def _resolve(fact: str, subject: str, description: str, described: str) -> tuple[str, str]:
    """``fact`` with an opening pronoun (or English possessive) put back to ``subject`` and an opening description
    to the name it stands for; and the name put in ("" when none)."""
    if subject and (m := _PRONOUN.match(fact)):
        return subject + fact[m.end() :], subject
    if subject and (m := _POSSESSIVE.match(fact)):
        return subject + "'s" + fact[m.end() :], subject
    if described and description and fact.startswith(description):
        return described + fact[len(description) :], described
    return fact, ""
