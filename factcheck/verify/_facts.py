"""Checks the verifier cannot get wrong: the numbers, years, dates, scores and names of a claim compared with those of a
passage, in English and French.

A small cross-encoder misreads figures: it calls a passage that repeats the claim's price a contradiction and lets a
changed year pass. These checks read the figures themselves. A claim value that the passage gives differently
("the claim says 2015, the passage says 2023") rules out that the passage entails the claim, provided the passage
is about the same things (every name of the claim appears in it, its context or its document title); the checks
are shown with the evidence, so that a reader sees what disagreed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache

import snowballstemmer

#: what a check compares.
NUMBER, PERCENT, MONEY, YEAR, DATE, SCORE, NAME = "number", "percent", "money", "year", "date", "score", "name"
#: results of a check.
MATCH, MISMATCH, ABSENT = "match", "mismatch", "absent"

_SCALES = {
    "thousand": 1e3, "thousands": 1e3, "k": 1e3, "mille": 1e3,
    "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "milliard": 1e9, "milliards": 1e9, "md": 1e9, "mds": 1e9, "mrd": 1e9,
    "trillion": 1e12, "trillions": 1e12,
}
_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12,
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11,
    "douze": 12, "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "cent": 100,
}
_MONTHS = {
    **{m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"), 1)},
    **{m: i for i, m in enumerate(("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre"), 1)},
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_CURRENCY = r"(?:\$|€|£|\bdollars?\b|\beuros?\b|\bpounds?\b|\blivres?\b|\busd\b|\beur\b|\bgbp\b)"
_PERCENT = r"(?:%|percent\b|per cent\b|pour cent\b|pourcents?\b)"

_NUM = r"\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_SCALE_RE = "|".join(sorted((re.escape(s) for s in _SCALES), key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?P<pre>{_CURRENCY}\s?)?(?<![\w.,])(?P<num>{_NUM})(?:\s?(?P<scale>{_SCALE_RE})\b)?(?:\s?(?:de\s)?(?P<post>{_CURRENCY}|{_PERCENT}))?(?:\s(?:(?:de|d'|of)\s?)?(?P<noun>[^\W\d_]{{3,}}))?",
    re.I,
)
_SCORE = re.compile(r"(?<![\w.,-])(\d{1,2})\s?[-–]\s?(\d{1,2})(?![\w.,-])")
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORDS) + r")\b(?:\s(?:(?:de|d'|of)\s?)?([^\W\d_]{3,}))?", re.I)
_MONTH_RE = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?", re.I)
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er)?\s+(?:of\s+)?(" + "|".join(_MONTHS) + r")\b|\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I)
_NAME = re.compile(r"[\w’'-]*[A-ZÀ-Þ][\w’'-]*")
#: capitalised words that are not names (sentence starts, titles, days).
_NOT_NAMES = frozenset(
    """a an the this that these those it its he she they his her their we our i you in on at of for from by with to as
    and or but if when while after before since during about over under into than then there here what which who
    le la les l un une des du de d ce cet cette ces il elle ils elles on nous vous je son sa ses leur leurs au aux
    en dans sur sous par pour avec sans selon depuis pendant apres avant lors et ou mais si quand qui que quoi dont
    monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi dimanche
    mr mrs ms dr m mme mlle president minister ceo according however also both all some many most no not yes
    according selon""".split()
)


@dataclass(frozen=True)
class Check:
    """One value of the claim looked up in the passage: ``match`` (the passage gives it), ``mismatch`` (the passage
    gives another value of that kind: ``evidence`` lists them) or ``absent`` (a name the passage does not mention)."""

    kind: str
    claim: str
    result: str
    evidence: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.result == MISMATCH:
            return f"the claim says {self.claim}, the passage says {self.evidence}"
        if self.result == ABSENT:
            return f"the passage does not name {self.claim}"
        return f"{self.claim} as in the passage"


@dataclass(frozen=True)
class _Value:
    kind: str
    value: object
    text: str


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain: how names are compared."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _number(text: str) -> float:
    text = text.replace("\u202f", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?", text):
        return float(text.replace(",", "").replace(" ", ""))
    if re.fullmatch(r"\d{1,3}(?: \d{3})+(?:,\d+)?", text):  # French thousands with a decimal comma
        return float(text.replace(" ", "").replace(",", "."))
    return float(text.replace(",", "."))


def _noun(word: str | None) -> str | None:
    """The counted noun after a number, folded and without a plural ending (homes -> home), or None."""
    if not word or fold(word) in _NOT_NAMES:
        return None
    return re.sub(r"(?<=.{3})[sx]$", "", fold(word))


def values(text: str) -> list[_Value]:
    """The numbers (with their scale and unit), years, day-and-month dates, months and scores a text gives."""
    found: list[_Value] = []
    taken: list[tuple[int, int]] = []
    for m in _SCORE.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        found.append(_Value(SCORE, tuple(sorted((a, b))), m.group(0)))
        taken.append(m.span())
    for m in _DAY_MONTH.finditer(text):
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        found.append(_Value(DATE, (int(day), _MONTHS[fold(month)]), m.group(0)))
        taken.append(m.span())
    for m in _MONTH_RE.finditer(text):
        word = fold(m.group(1))
        if word in ("may", "mar", "mai", "sept", "dec", "jan", "oct", "nov", "aug", "jun", "jul", "apr", "feb", "sep") and not m.group(1)[0].isupper():
            continue  # "may" the verb, and short forms only as written names of months
        found.append(_Value("month", _MONTHS[word], m.group(0)))
    for m in _QUANTITY.finditer(text):
        if any(s <= m.start("num") < e for s, e in taken):
            continue
        try:
            number = _number(m.group("num"))
        except ValueError:
            continue
        scale = _SCALES.get((m.group("scale") or "").lower(), 1.0)
        unit = (m.group("pre") or "") + (m.group("post") or "")
        shown = text[m.start() : m.end("post") if m.group("post") else m.end("scale") if m.group("scale") else m.end("num")].strip()
        if re.search(_PERCENT, unit, re.I):
            found.append(_Value(PERCENT, round(number * scale, 6), shown))
        elif unit.strip():
            found.append(_Value(MONEY, round(number * scale, 6), shown))
        elif scale == 1.0 and re.fullmatch(r"(1[89]|20)\d\d", m.group("num")):
            found.append(_Value(YEAR, int(number), shown))
        else:
            noun = _noun(m.group("noun"))
            found.append(_Value(NUMBER, (noun, round(number * scale, 6)), f"{shown} {m.group('noun')}" if noun else shown))
    for m in _WORD_NUMBER.finditer(text):
        noun = _noun(m.group(2))
        found.append(_Value(NUMBER, (noun, float(_WORDS[m.group(1).lower()])), m.group(0).strip()))
    return found


def names(text: str) -> list[str]:
    """Capitalised words and words with a capital inside (xAI, OpenAI) that are not sentence function words."""
    out = []
    for m in _NAME.finditer(text):
        word = re.sub(r"^(?:[dlDLjJnNsScCmMtT]|[qQ]u)['’](?=\w)", "", re.sub(r"['’]s$", "", m.group(0))).strip("'’-")
        if len(word) < 2 or fold(word) in _NOT_NAMES or fold(word) in _MONTHS:
            continue
        out.append(word)
    return list(dict.fromkeys(out))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.005 * max(abs(a), abs(b), 1e-9)


def _same(a: _Value, b: _Value) -> bool:
    if a.kind in (PERCENT, MONEY):
        return _close(a.value, b.value)  # type: ignore[arg-type]
    if a.kind == NUMBER:
        return _close(a.value[1], b.value[1])  # type: ignore[index]
    return a.value == b.value


def _comparable(value: _Value, other: _Value) -> bool:
    """Whether a passage value speaks of the same kind of thing as a claim value: counts of the same noun (or both
    without one), amounts of money, percentages, years, dates, months (a date's month too) and scores."""
    if value.kind == "month":
        return other.kind in ("month", DATE)
    if value.kind == NUMBER:
        return other.kind == NUMBER and other.value[0] == value.value[0]  # type: ignore[index]
    return other.kind == value.kind


def compare(claim: str, passage: str, context: str = "") -> list[Check]:
    """The claim's values and names looked up in a passage (``context``: text read with it, such as the sentence
    before and the document title: names may be found there, values only in the passage itself)."""
    checks: list[Check] = []
    theirs = values(passage)
    for value in values(claim):
        candidates = [v for v in theirs if _comparable(value, v)]
        if value.kind == "month":
            candidates = [v if v.kind == "month" else _Value("month", v.value[1], v.text) for v in candidates]  # type: ignore[index]
        if not candidates:
            continue
        if any(_same(value, v) for v in candidates):
            checks.append(Check(value.kind, value.text, MATCH))
        else:
            checks.append(Check(value.kind, value.text, MISMATCH, ", ".join(dict.fromkeys(v.text for v in candidates))))
    haystack = " " + re.sub(r"[^\w]+", " ", fold(passage + " " + context)) + " "
    for name in names(claim):
        key = re.sub(r"[^\w]+", " ", fold(name)).strip()
        found = f" {key} " in haystack or (len(key) > 4 and f" {key}" in haystack)
        checks.append(Check(NAME, name, MATCH if found else ABSENT))
    return checks


#: function words left out when measuring how much of a claim a passage repeats.
_STOP = _NOT_NAMES | frozenset(
    """is are was were be been being has have had do does did will would can could should may might must shall
    est sont etait etaient ete etre a ont avait avaient sera seront fait faire peut peuvent doit plus tres
    also just only very more most much such own same so s t d l n qu""".split()
)
#: the share of a claim's content words a passage (with its context) must repeat to state the claim.
RESTATES_COVERAGE = 0.8


_STEMMERS = {"en": snowballstemmer.stemmer("english"), "fr": snowballstemmer.stemmer("french")}


@lru_cache(maxsize=65536)
def _stems(word: str) -> tuple[str, ...]:
    """A word's Snowball stems in English and in French (a pair read in either language compares alike)."""
    return tuple(dict.fromkeys(fold(stemmer.stemWord(word)) for stemmer in _STEMMERS.values()))


def _words(text: str) -> list[tuple[str, ...]]:
    """Content words as their stems: beat / beats, cofondateur / cofondateurs compare alike."""
    return [_stems(w) for w in re.findall(r"[^\W_]+", text.lower()) if fold(w) not in _STOP]


#: reported speech: a passage that says someone said something does not state it.
_REPORTED = re.compile(
    r"\b(?:said|says|say|claimed|claims|claim|alleged|alleges|argued|argues|insisted|insists|told|stated|states|"
    r"denied|denies|according to|suggested|believes|believed|thinks|thought|reportedly|"
    r"selon|a déclaré|déclare|affirme|a affirmé|a dit|dit|estime|a estimé|assure|a assuré|soutient|prétend|"
    r"aurait|auraient)\b",
    re.I,
)


def reports_speech(text: str) -> bool:
    """Whether a text reports what someone said or believes ("Musk claimed that ...", "selon lui")."""
    return bool(_REPORTED.search(text))


def restates(claim: str, passage: str, context: str, checks: list[Check]) -> bool:
    """Whether the passage says what the claim says, word for word or nearly: it repeats at least
    ``RESTATES_COVERAGE`` of the claim's content words, gives every value the claim states and no other, and names the
    claim's names in the same order (so "B beat A" does not restate "A beat B"). A passage reporting what someone said
    restates only a claim that reports it too ("Musk claimed the funds are missing" is one side of a dispute, not the
    fact). Negations are the caller's to compare."""
    if any(c.result != MATCH for c in checks) or (reports_speech(passage) and not reports_speech(claim)):
        return False
    words = _words(claim)
    if not words:
        return False
    theirs = {stem for stems in _words(passage + " " + context) for stem in stems}
    if sum(any(stem in theirs for stem in stems) for stems in words) < RESTATES_COVERAGE * len(words):
        return False
    order = [fold(c.claim) for c in checks if c.kind == NAME]
    text = fold(passage)
    positions = [text.find(name) for name in order]
    found = [p for p in positions if p >= 0]
    return found == sorted(found)


def rules_out_entailment(checks: list[Check]) -> bool:
    """Whether the checks show that the passage cannot entail the claim: it gives another value for something the
    claim states, and names everything the claim names (so it speaks of the same things)."""
    return any(c.result == MISMATCH for c in checks) and all(c.result != ABSENT for c in checks)
