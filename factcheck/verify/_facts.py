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
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import snowballstemmer

from .._text import fold
from ..labels import negation

#: what a check compares.
NUMBER, PERCENT, MONEY, YEAR, DATE, SCORE, NAME = "number", "percent", "money", "year", "date", "score", "name"
WEEKDAY = "weekday"
#: results of a check.
MATCH, MISMATCH, ABSENT, UNNAMED = "match", "mismatch", "absent", "unnamed"

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
    "février": 2, "août": 8, "décembre": 12,  # as written: the patterns below read accents
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_WEEKDAYS = {
    **{d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), 1)},
    **{d: i for i, d in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"), 1)},
}
#: units of length and mass, in metres and kilograms: "11.6 kilometres" is "11,600 metres".
_UNITS = {
    **dict.fromkeys(("mm", "millimetre", "millimeter", "millimetre", "millimetr"), ("length", 1e-3)),
    **dict.fromkeys(("cm", "centimetre", "centimeter", "centimetr"), ("length", 1e-2)),
    **dict.fromkeys(("metre", "meter", "metr"), ("length", 1.0)),
    **dict.fromkeys(("km", "kilometre", "kilometer", "kilometr"), ("length", 1e3)),
    **dict.fromkeys(("mile",), ("length", 1609.344)),
    **dict.fromkeys(("gram", "gramme"), ("mass", 1e-3)),
    **dict.fromkeys(("kg", "kilogram", "kilogramme", "kilo"), ("mass", 1.0)),
    **dict.fromkeys(("tonne", "ton"), ("mass", 1e3)),
}
_CURRENCY = r"(?:\$|€|£|\bdollars?\b|\beuros?\b|\bpounds?\b|\blivres?\b|\busd\b|\beur\b|\bgbp\b)"
_PERCENT = r"(?:%|percent\b|per cent\b|pour cent\b|pourcents?\b)"

_NUM = r"\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_SCALE_RE = "|".join(sorted((re.escape(s) for s in _SCALES), key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?P<pre>{_CURRENCY}\s?)?(?<![\w.,-])(?P<num>{_NUM})(?!\()(?:\s?(?P<scale>{_SCALE_RE})\b)?(?:\s?(?:de\s)?(?P<post>{_CURRENCY}|{_PERCENT}))?(?:\s?(?P<unit>km|cm|mm|kg)\b|\s(?:(?:de|of)\s|d['’])?(?P<noun>[^\W\d_]{{3,}}))?",
    re.I,
)
_SCORE = re.compile(r"(?<![\w.,-])(\d{1,2})\s?[-–]\s?(\d{1,2})(?![\w.,-])")
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORDS) + r")\b(?:\s(?:(?:de|of)\s|d['’])?([^\W\d_]{3,}))?", re.I)
_MONTH_RE = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?", re.I)
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er)?\s+(?:of\s+)?(" + "|".join(_MONTHS) + r")\b|\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I)
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")s?\b", re.I)
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
    """One value of the claim looked up in the passage: ``match`` (the passage gives it: ``evidence`` is how), ``mismatch`` (the passage
    gives another value of that kind: ``evidence`` lists them), ``absent`` (a name the passage does not mention) or
    ``unnamed`` (a name neither the passage nor the rest of its document mentions: it speaks of something else).
    For a value given otherwise, ``about`` lists the words around it that claim and passage share (what the value is
    said of: "billet plein tarif coûte"); for the differences of :func:`contrasts`, ``kind`` says which."""

    kind: str
    claim: str
    result: str
    evidence: str = ""
    about: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.kind == "negation":
            return f"the claim says “{self.claim}”, the passage does not" if self.claim else f"the passage says “{self.evidence}”, the claim does not"
        if self.result == MISMATCH:
            return f"the claim says {self.claim}, the passage says {self.evidence}"
        if self.result == ABSENT:
            return f"the passage does not name {self.claim}"
        if self.result == UNNAMED:
            return f"neither the passage nor its document names {self.claim}"
        return f"{self.claim} as in the passage"


@dataclass(frozen=True)
class _Value:
    kind: str
    value: object
    text: str
    #: where the value stands in its text (character offsets).
    start: int = 0
    end: int = 0


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
    """The numbers (with their scale and unit), years, day-and-month dates, months, days of the week and scores a
    text gives."""
    found: list[_Value] = []
    taken: list[tuple[int, int]] = []
    for m in _SCORE.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        found.append(_Value(SCORE, tuple(sorted((a, b))), m.group(0), *m.span()))
        taken.append(m.span())
    for m in _DAY_MONTH.finditer(text):
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        found.append(_Value(DATE, (int(day), _MONTHS[fold(month)]), m.group(0), *m.span()))
        taken.append(m.span())
    for m in _WEEKDAY_RE.finditer(text):
        found.append(_Value(WEEKDAY, _WEEKDAYS[m.group(1).lower()], m.group(0), *m.span()))
    for m in _MONTH_RE.finditer(text):
        word = fold(m.group(1))
        if word in ("may", "mar", "mai", "sept", "dec", "jan", "oct", "nov", "aug", "jun", "jul", "apr", "feb", "sep") and not m.group(1)[0].isupper():
            continue  # "may" the verb, and short forms only as written names of months
        found.append(_Value("month", _MONTHS[word], m.group(0), *m.span()))
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
        span = m.start(), m.end()
        if re.search(_PERCENT, unit, re.I):
            found.append(_Value(PERCENT, round(number * scale, 6), shown, *span))
        elif unit.strip():
            found.append(_Value(MONEY, round(number * scale, 6), shown, *span))
        elif scale == 1.0 and re.fullmatch(r"(1[89]|20)\d\d", m.group("num")):
            found.append(_Value(YEAR, int(number), shown, *span))
        elif (m.group("unit") or _noun(m.group("noun"))) in _UNITS:
            dimension, factor = _UNITS[m.group("unit") or _noun(m.group("noun")) or ""]
            found.append(_Value(NUMBER, (dimension, round(number * scale * factor, 9)), text[m.start() : m.end()].strip(), *span))
        else:
            noun = _noun(m.group("noun"))
            found.append(_Value(NUMBER, (noun, round(number * scale, 6)), f"{shown} {m.group('noun')}" if noun else shown, *span))
    for m in _WORD_NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if m.group(2) and re.match(rf"\s*{_PERCENT}", text[m.start(2) :], re.I):
            end = m.start(2) + re.match(rf"\s*{_PERCENT}", text[m.start(2) :], re.I).end()  # type: ignore[union-attr]
            found.append(_Value(PERCENT, float(_WORDS[m.group(1).lower()]), text[m.start() : end], m.start(), end))
            taken.append((m.start(), end))
            continue
        noun = _noun(m.group(2))
        found.append(_Value(NUMBER, (noun, float(_WORDS[m.group(1).lower()])), m.group(0).strip(), *m.span()))
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
    without one), amounts of money, percentages, years, dates, months (a date's month too), days of the week and
    scores."""
    if value.kind == "month":
        return other.kind in ("month", DATE)
    if value.kind == NUMBER:
        return other.kind == NUMBER and _same_noun(value.value[0], other.value[0])  # type: ignore[index]
    return other.kind == value.kind


_CALENDAR_KINDS = frozenset({DATE, "month", "year", WEEKDAY})
_BOUNDS = {
    "start": re.compile(r"\b(?:from|since|starting|beginning|à partir d[ue']|à compter d[ue']|depuis|dès|du)\W+(?:\w+\W+){0,2}$", re.I),
    "end": re.compile(r"\b(?:until|till|through|to|jusqu['’](?:au|à|en)|au)\W+(?:\w+\W+){0,2}$", re.I),
}


def _bound(text: str, value: _Value) -> str | None:
    """Whether a date opens ("from 8 March", "à partir du samedi 8 mars") or closes ("until 29 June", "jusqu'au
    29 juin") a span, from the words just before it; None for neither."""
    before = text[max(0, value.start - 40) : value.start]
    return next((name for name, pattern in _BOUNDS.items() if pattern.search(before)), None)


def _same_noun(a: str | None, b: str | None) -> bool:
    """Counted nouns alike, one the start of the other across languages too ("degree" / "degré")."""
    if a is None or b is None:
        return a is b
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


#: function words left out when measuring how much of a claim a passage repeats (negations are compared apart).
_STOP = _NOT_NAMES | frozenset(
    """is are was were be been being has have had do does did will would can could should may might must shall
    est sont etait etaient ete etre a ont avait avaient sera seront fait faire peut peuvent doit plus tres
    also just only very more most much such own same so s t d l n qu
    between among within across through upon via per entre parmi vers chez
    never none nothing neither nor without rather instead ne pas jamais aucun aucune ni sans plutot lieu""".split()
)
#: the share of a claim's content words a passage (with its context) must repeat to state the claim.
RESTATES_COVERAGE = 0.8
#: the share of a claim's words (not names) and values a passage must repeat itself to restate it, its context aside.
OWN_WORDS = 0.4
#: the share of a claim's other content words a passage must repeat for one difference (a name put in another's
#: place, an opposite word, two names in each other's roles) to contradict the claim.
CONTRAST_COVERAGE = 0.7
#: content words either side of a value that say what it is the value of ("fined ... 150,000 euros" is not
#: "had requested 200,000 euros"): a value is compared only with a passage value that shares one of them.
SLOT_WINDOW = 6


_STEMMERS = {"en": snowballstemmer.stemmer("english"), "fr": snowballstemmer.stemmer("french")}


@lru_cache(maxsize=65536)
def _stems(word: str) -> tuple[str, ...]:
    """A word's Snowball stems in English and in French (a pair read in either language compares alike)."""
    return tuple(dict.fromkeys(fold(stemmer.stemWord(word)) for stemmer in _STEMMERS.values()))


def _words(text: str) -> list[tuple[str, ...]]:
    """Content words as their stems: beat / beats, cofondateur / cofondateurs compare alike."""
    return [_stems(w) for w in re.findall(r"[^\W_]+", text.lower()) if fold(w) not in _STOP]


#: titles before a name: "Me Claire Fontaine" is the name "Claire Fontaine".
_TITLES = frozenset("me mr mrs ms dr mme mlle m sir dame lord prof professor maitre docteur councillor judge juge".split())


@dataclass(frozen=True)
class _Token:
    """A content word: its text, folded form, stems, place, and whether it is part of a name."""

    text: str
    key: str
    stems: frozenset[str]
    start: int
    end: int
    name: bool


def _tokens(text: str) -> list[_Token]:
    """A text's content words (no function word, no figure). A capitalised word is a name, except a lone first word
    of the text (a sentence start) without a capital inside."""
    out = []
    for m in re.finditer(r"[^\W_]+", text):
        word, key = m.group(0), fold(m.group(0))
        if key in _STOP or any(ch.isdigit() for ch in word):
            continue
        name = len(word) > 1 and key not in _MONTHS and key not in _TITLES and (word[0].isupper() or any(c.isupper() for c in word[1:]))
        out.append(_Token(word, key, frozenset(_stems(word.lower())), m.start(), m.end(), name))
    if out and out[0].name and not re.search(r"\w", text[: out[0].start]) and not any(c.isupper() for c in out[0].text[1:]) and (len(out) < 2 or not out[1].name or not _joined(text, out[0], out[1])):
        out[0] = replace(out[0], name=False)
    return out


def _as_named_in(tokens: list[_Token], other: list[_Token]) -> list[_Token]:
    """A text's tokens with a capitalised first word made a name again where the other text writes it as a name
    ("Lyon beat Nantes" / "Nantes beat Lyon"): for the order of names in a restatement only, as a role contrast
    would also take symmetric words ("Microsoft is a partner of OpenAI" / "OpenAI's partners, Microsoft among
    them") for roles."""
    if tokens and not tokens[0].name and tokens[0].text[:1].isupper() and any(t.name and t.key == tokens[0].key for t in other):
        return [replace(tokens[0], name=True), *tokens[1:]]
    return tokens


def _joined(text: str, a: _Token, b: _Token) -> bool:
    return re.fullmatch(r"[\s'’-]*", text[a.end : b.start]) is not None


def _groups(tokens: list[_Token], text: str) -> list[list[_Token]]:
    """Runs of name words, each one name: "Edenside Town", "Me Claire Fontaine", "Marie-Claire Dufresne"."""
    groups: list[list[_Token]] = []
    for t in tokens:
        if not t.name:
            continue
        if groups and _joined(text, groups[-1][-1], t):
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def _shown(group: list[_Token]) -> str:
    return " ".join(t.text for t in group)


def _near(tokens: list[_Token], start: int, end: int) -> list[_Token]:
    """The ``SLOT_WINDOW`` content words (not names) either side of a span: what the value is said of."""
    before = [t for t in tokens if t.end <= start and not t.name][-SLOT_WINDOW:]
    after = [t for t in tokens if t.start >= end and not t.name][:SLOT_WINDOW]
    return before + after


def _coverage(tokens: list[_Token], stems: set[str]) -> float:
    """The share of ``tokens`` whose stem is among ``stems`` (0 for no token)."""
    return sum(bool(t.stems & stems) for t in tokens) / len(tokens) if tokens else 0.0


def _plain(text: str) -> str:
    """A text with its values blanked out (offsets kept): what is left are the words around them."""
    chars = list(text)
    for v in values(text):
        chars[v.start : v.end] = " " * (v.end - v.start)
    return "".join(chars)


def _read(passage: str, context: str) -> set[str]:
    """The stems a passage offers a claim: its own words, and the names of its context (who "she" or "the company"
    is); the context's other words are not the passage's to state."""
    return {s for t in _tokens(passage) + [t for t in _tokens(context) if t.name] for s in t.stems}


def _stems_of(text: str) -> set[str]:
    """The stems of all of a text's content words."""
    return {s for t in _tokens(text) for s in t.stems}


def _matched(mine: list[_Value], theirs: list[_Value]) -> int:
    """How many of the claim's values (``mine``) the passage gives (``theirs``)."""
    return sum(any(_comparable(v, w) and _same(v, w) for w in theirs) for v in mine)


def coverage(claim: str, passage: str, context: str = "") -> float:
    """The share of the claim's content words and values that the passage repeats: words by stem (in English and
    French) in the passage or its context, values (compared as values: "9,74 milliards" is "9.74 billion") in the
    passage itself."""
    seen = _stems_of(passage + " \n " + context)
    tokens = _tokens(_plain(claim))
    mine = values(claim)
    total = len(tokens) + len(mine)
    return (sum(bool(t.stems & seen) for t in tokens) + _matched(mine, values(passage))) / total if total else 0.0


def _haystack(text: str) -> str:
    """A text folded to its words between spaces, for :func:`_names`."""
    return " " + re.sub(r"[^\w]+", " ", fold(text)) + " "


def _names(haystack: str, name: str) -> bool:
    """Whether a text (as :func:`_haystack` gives it) names ``name``: the word, or a longer word it begins
    ("Norvance's", "Garnier" in "Garnier-Lambert")."""
    key = re.sub(r"[^\w]+", " ", fold(name)).strip()
    return f" {key} " in haystack or (len(key) > 4 and f" {key}" in haystack)


def _proper(word: str, claim: str) -> bool:
    """A proper name as news spells it (Oslo, Calderbridge): letters, one capital at the start, and not the claim's
    first word. Terms of science (Th2, pre-miRNA, ADAR1, Ly6C) have variant spellings ("T(H)2", "pre-microRNA"):
    their absence says little."""
    return word.isalpha() and word[0].isupper() and word[1:].islower() and not re.match(r"\W*" + re.escape(word) + r"\b", claim)


def in_document(claim: str, checks: list[Check], document: str) -> list[Check]:
    """The checks with each proper name the passage does not mention looked up in the rest of its document
    (``document``: the passages around it): one the document never mentions either is ``unnamed``. A passage whose
    document never names what the claim is about (Oslo, Calderbridge's tram) states nothing about it."""
    if not document or all(c.result != ABSENT for c in checks):
        return checks
    haystack = _haystack(document)
    return [replace(c, result=UNNAMED) if c.result == ABSENT and _proper(c.claim, claim) and not _names(haystack, c.claim) else c for c in checks]


def compare(claim: str, passage: str, context: str = "") -> list[Check]:
    """The claim's values and names looked up in a passage (``context``: text read with it, such as the sentence
    before and the document title: names may be found there, values only in the passage itself), then the
    differences that contradict a claim the passage otherwise repeats (:func:`contrasts`).

    A claim value the passage gives otherwise is a mismatch only where the passage speaks of the same thing: the
    value of the passage is said of it (a counted noun in common, or a content word in common within
    ``SLOT_WINDOW`` words: the claim's fine is not the amount a prosecutor asked for), and the passage names every
    name of the claim, or shares two words around the value with it, or repeats ``CONTRAST_COVERAGE`` of the claim."""
    checks: list[Check] = []
    haystack = _haystack(passage + " " + context)
    for name in names(claim):
        checks.append(Check(NAME, name, MATCH if _names(haystack, name) else ABSENT))
    all_named = all(c.result == MATCH for c in checks)
    theirs = values(passage)
    claim_tokens, passage_tokens = _tokens(_plain(claim)), _tokens(_plain(passage))
    covered: float | None = None
    found_values: list[Check] = []
    for value in values(claim):
        candidates = [v for v in theirs if _comparable(value, v)]
        if value.kind == "month":
            candidates = [v if v.kind == "month" else replace(v, kind="month", value=v.value[1]) for v in candidates]  # type: ignore[index]
        if value.kind in _CALENDAR_KINDS:  # "until 29 June" is not "from 8 March": the start and the end of something
            bound = _bound(claim, value)
            candidates = [v for v in candidates if not (bound and (theirs_bound := _bound(passage, v)) and theirs_bound != bound)]
        if not candidates:
            continue
        same = next((v for v in candidates if _same(value, v)), None)
        if same is not None:
            found_values.append(Check(value.kind, value.text, MATCH, same.text))
            continue
        near = _near(claim_tokens, value.start, value.end)
        counted = value.kind == NUMBER and value.value[0] is not None  # type: ignore[index]
        around = [[t.text for t in near if t.stems & {s for u in _near(passage_tokens, v.start, v.end) for s in u.stems}] for v in candidates]
        shared = [len(words) for words in around]
        said_of = [v for v, n in zip(candidates, shared) if counted or n]
        if not said_of:
            continue
        if not all_named and max(shared) < 2:
            covered = coverage(claim, passage, context) if covered is None else covered
            if covered < CONTRAST_COVERAGE:
                continue
        about = max(around, key=len)
        found_values.append(Check(value.kind, value.text, MISMATCH, ", ".join(dict.fromkeys(v.text for v in said_of)), " ".join(about)))
    checks = found_values + checks
    return checks + contrasts(claim, passage, context, checks)


def aligned(claim: str, checks: list[Check]) -> str:
    """The claim with each value it shares with the passage written as the passage writes it ("11,600 metres" ->
    "11.6 kilometres", "six per cent" -> "6%"): the verifier then reads the same fact in the same words, and does
    not take a figure written otherwise for another figure."""
    for c in checks:
        if c.kind != NAME and c.result == MATCH and c.evidence and c.evidence != c.claim:
            claim = claim.replace(c.claim, c.evidence, 1)
    return claim


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
    ``RESTATES_COVERAGE`` of the claim's content words, gives every value the claim states and no other, names every
    name, none of them in another's role (so "B beat A" does not restate "A beat B"), and no difference of :func:`contrasts` sets
    them apart; a claim word of direction (rose, accepted, launched) that the passage does not repeat makes it no restatement. A
    passage reporting what someone said restates only a claim that reports it too ("Musk claimed the funds are
    missing" is one side of a dispute, not the fact). Negations are the caller's to compare."""
    if any(c.result != MATCH for c in checks) or (reports_speech(passage) and not reports_speech(claim)):
        return False
    tokens = _tokens(_plain(claim))
    if not tokens or coverage(claim, passage, context) < RESTATES_COVERAGE:
        return False
    plain = [t for t in tokens if not t.name]
    mine = values(claim)
    own_stems = _stems_of(passage)
    given = _matched(mine, values(passage))
    if given < len(mine):
        return False  # a value the passage does not give ("won the final in 2022" / "won the final on Saturday")
    own = sum(bool(t.stems & own_stems) for t in plain) + given
    if plain and own < OWN_WORDS * (len(plain) + len(mine)):
        return False  # the sentence before says it, not this passage ("Altman refused the offer" after the offer)
    seen = _stems_of(passage + " \n " + context)
    if any(t.stems & side and not t.stems & seen and not side & seen for t in tokens for side in _SIDES):
        return False  # "rose" is not restated by a passage without any word of rising
    passage_tokens = _tokens(_plain(passage))
    return not any(shared for _, _, shared in _reversals(_as_named_in(tokens, passage_tokens), claim, passage_tokens))


def restates_across_languages(claim: str, passage: str, checks: list[Check]) -> bool:
    """For a claim and a passage in different languages, whose words cannot be compared: whether the passage gives
    every value of the claim (at least one) and names every name of it (at least one), and reports speech only if
    the claim does ("A Bordeaux court fined Garonne Recyclage 150,000 euros" / "Le tribunal de Bordeaux a condamné
    Garonne Recyclage à une amende de 150 000 euros")."""
    kinds = {c.kind for c in checks}
    return (
        bool(checks)
        and all(c.result == MATCH for c in checks)
        and NAME in kinds
        and len(kinds) > 1
        and len([c for c in checks if c.kind != NAME]) >= len({v.text for v in values(claim)})
        and not (reports_speech(passage) and not reports_speech(claim))
    )


#: opposite words, by axis (English and French, several forms each: compared by stem). Converse axes (win/lose,
#: buy/sell) flip back when the names swap places too ("A beat B" is "B lost to A").
_AXES: tuple[tuple[str, str, bool], ...] = (
    (
        "up rise rose risen rises rising increase increased increases increasing grow grew grown grows growth gain gained "
        "gains climb climbed jump jumped surge surged double doubled raise raised higher hausse augmente augmenté "
        "augmentent augmentation croissance progresse progressé progression monte monté doublé doublent accru",
        "down fall fell fallen falls falling decrease decreased decreases decreasing shrink shrank shrunk decline declined "
        "declines drop dropped drops slump slumped plunge plunged halve halved lower cut cuts baisse baissé baissent "
        "diminue diminué diminuent diminution recul recule reculé chute chuté réduit réduisent réduction",
        False,
    ),
    (
        "win won wins winning winner victory beat beats gagne gagné gagnent remporte remporté remportent victoire vainqueur",
        "lose lost loses losing loser perd perdu perdent défaite",
        True,
    ),
    (
        "accept accepted accepts approve approved approves adopt adopted accepte accepté acceptent approuve approuvé "
        "approuvent adopte adopté valide validé",
        "reject rejected rejects refuse refused refuses rejette rejeté rejettent refusé refusent",
        False,
    ),
    (
        "launch launched launches start started starts begin began begun open opened opens introduce introduced lance "
        "lancé lancent lancement ouvre ouvert ouvrent ouverture commence commencé débute débuté inaugure inauguré",
        "end ended ends stop stopped stops close closed closes scrap scrapped halt halted suspend suspended cancel "
        "cancelled canceled shut axed arrête arrêté arrêtent ferme fermé ferment fermeture suspendu annule annulé "
        "annulent termine terminé",
        False,
    ),
    (
        "create created creates creating hire hired hires recruit recruited crée créé créent création embauche "
        "embauché embauchent recrute recruté",
        "cut cuts axe axed eliminate eliminated shed lay laid supprime supprimé suppriment suppression licencie licencié",
        False,
    ),
    (
        "buy bought buys purchase purchased acquire acquired acquires achète acheté achètent rachète racheté acquiert "
        "rachat achat",
        "sell sold sells divest divested vend vendu vendent cède cédé cèdent cession vente",
        True,
    ),
    (
        "allow allowed allows permit permitted authorise authorised authorize authorized legalise legalised autorise "
        "autorisé autorisent permet",
        "ban banned bans prohibit prohibited forbid forbidden outlaw outlawed interdit interdisent interdiction prohibe",
        False,
    ),
    ("convicted guilty condamné condamnée coupable", "acquitted acquitté acquittée relaxé relaxée", False),
    ("succeed succeeded success successful réussi réussite succès", "fail failed fails failure échoue échoué échec", False),
)


def _stem_set(words: str) -> frozenset[str]:
    return frozenset(s for w in words.split() for s in _stems(w))


def _axes() -> list[tuple[frozenset[str], frozenset[str], bool]]:
    out = []
    for one, other, converse in _AXES:
        a, b = _stem_set(one), _stem_set(other)
        out.append((a - b, b - a, converse))  # a stem on both sides (a word of both languages) says nothing
    return out


_OPPOSITES = _axes()
#: every side of every axis, for a word of direction whatever its axis.
_SIDES = tuple(side for one, other, _ in _OPPOSITES for side in (one, other))
#: a passive verb or a "by"/"par" agent: the names then stand in the other order for the same roles.
_PASSIVE = re.compile(
    r"\b(?:by|par)\b[^.;]*$|\b(?:was|were|been|being|is|are|be|get|got|été|est|sont|était|étaient|sera|seront)\b[^.;]*\b(?:by|par)\b",
    re.I,
)

#: a negation contradicts only a passage about as much about the claim as the claim is about it: the share of the
#: passage's words the claim repeats ("X is cleaved" is not denied by "... and does not occur in other cells").
NEGATION_OVERLAP = 0.6
#: a passage that asks or supposes ("to examine whether", "may") asserts nothing a negation could deny.
_HEDGED = re.compile(r"\b(?:whether|examine[sd]?|investigate[sd]?|hypothesi[sz]ed?|may|might|could|si|pourrait|pourraient)\b", re.I)

#: kinds of the differences :func:`contrasts` finds (each a contradiction of a claim the passage otherwise repeats).
ROLE, DIRECTION, NEGATION = "role", "direction", "negation"
CONTRASTS = frozenset({NAME, ROLE, DIRECTION, NEGATION})


def _acronym(group: list[_Token]) -> bool:
    """A name in capitals only (AZT, CGT) or a heading (RESULTS): too often a term, not a name in another's place."""
    return all(t.text.isupper() for t in group)


def _position(group: list[_Token], tokens: list[_Token]) -> _Token | None:
    """Where a name first stands in a text (any of its words: "Norvance" for "Norvance Foods"), or None."""
    keys = {t.key for t in group}
    return next((t for t in tokens if t.key in keys), None)


def _reversals(claim_tokens: list[_Token], claim: str, passage_tokens: list[_Token]) -> list[tuple[list[_Token], list[_Token], bool]]:
    """The pairs of the claim's names that stand in the passage in the other order, each with whether a word
    between them in the claim stands between them in the passage too (then they swapped roles: "A beat B" / "B beat
    A"; "ran the European business of Norvance" / "led Norvance ... ran its European business" did not)."""
    placed = [(g, _position(g, passage_tokens)) for g in _groups(claim_tokens, claim)]
    out = []
    for i, (a, pa) in enumerate(placed):
        for b, pb in placed[i + 1 :]:
            if pa is None or pb is None or pa.start < pb.start:
                continue
            between = [t for t in claim_tokens if not t.name and a[-1].end <= t.start and t.end <= b[0].start]
            theirs_between = [t for t in passage_tokens if not t.name and pb.end <= t.start and t.end <= pa.start]
            out.append((a, b, any(t.stems & u.stems for t in between for u in theirs_between)))
    return out


def contrasts(claim: str, passage: str, context: str, checks: list[Check]) -> list[Check]:
    """The one difference that makes a passage contradict a claim it otherwise repeats (``checks``: the claim's values
    and names as :func:`compare` found them):

    - negation: the passage repeats ``RESTATES_COVERAGE`` of the claim's words and values, and one of them negates
      what the other does not ("the lawsuit was never withdrawn" / "Musk withdrew the lawsuit");
    - name: one name of the claim is not in the passage, which gives another one in its place and repeats
      ``CONTRAST_COVERAGE`` of the claim's other words ("agreed to buy Van Riel, a vegan start-up" / "agreed to buy
      Greenhollow, a vegan start-up");
    - direction: the claim's word is the opposite of the passage's (rose / fell, launch / end, accepted / rejected);
    - role: two names of the claim stand in the passage in the other order around a word they share, and neither
      text is in the passive ("B beat A" / "A beat B").

    Names, directions and roles are compared only when claim and passage agree in negation.
    """
    claim_tokens, passage_tokens, context_tokens = _tokens(_plain(claim)), _tokens(_plain(passage)), _tokens(context)
    seen = _read(passage, context)
    mine, theirs = negation(claim), negation(passage)
    if (mine is None) != (theirs is None):
        values_agree = all(c.result == MATCH for c in checks if c.kind != NAME)
        claim_stems = {s for t in claim_tokens for s in t.stems}
        if (
            values_agree
            and _coverage(claim_tokens, seen) >= RESTATES_COVERAGE
            and _coverage(passage_tokens, claim_stems) >= NEGATION_OVERLAP
            and not _HEDGED.search(passage)
            and not (reports_speech(passage) and not reports_speech(claim))
        ):
            return [Check(NEGATION, mine or "", MISMATCH, theirs or "")]
        return []
    out: list[Check] = []
    claim_stems = {s for t in claim_tokens for s in t.stems}
    keys = {t.key for t in passage_tokens + context_tokens}
    groups = _groups(claim_tokens, claim)
    absent = [g for g in groups if not _acronym(g) and not any(t.key in keys or (len(t.key) > 4 and any(k.startswith(t.key) for k in keys)) for t in g)]
    plain = [t for t in claim_tokens if not t.name]
    passage_stems = {s for t in passage_tokens for s in t.stems}  # the other name stands in the passage itself
    if len(absent) == 1 and len(plain) >= 2 and _coverage(plain, passage_stems) >= CONTRAST_COVERAGE:
        claim_keys = {t.key for t in claim_tokens}
        others = [g for g in _groups(passage_tokens, passage) if not _acronym(g) and not any(t.key in claim_keys for t in g)]
        if others:
            out.append(Check(NAME, _shown(absent[0]), MISMATCH, ", ".join(_shown(g) for g in others)))
    reversals = _reversals(claim_tokens, claim, passage_tokens)
    for a, b, shared in reversals:
        if shared and not _PASSIVE.search(claim) and not _PASSIVE.search(passage) and _coverage(claim_tokens, seen) >= CONTRAST_COVERAGE:
            out.append(Check(ROLE, f"{_shown(a)} … {_shown(b)}", MISMATCH, f"{_shown(b)} … {_shown(a)}"))
            break
    for one, other, converse in _OPPOSITES:
        if converse and reversals:
            continue
        for side, opposite in ((one, other), (other, one)):
            said = [t for t in claim_tokens if t.stems & side and not t.stems & seen]
            against = [t for t in passage_tokens if t.stems & opposite and not t.stems & claim_stems]
            if not said or not against or passage_stems & side:
                continue
            rest = [t for t in claim_tokens if t not in said]
            if _coverage(rest, seen) >= CONTRAST_COVERAGE:
                out.append(Check(DIRECTION, said[0].text, MISMATCH, against[0].text))
    return out


def rules_out_entailment(checks: list[Check], *, negated: bool = False) -> bool:
    """Whether the checks show that the passage cannot entail the claim: a difference :func:`contrasts` found, or
    another value for something the claim states (:func:`compare` reports one only where the passage speaks of the
    same thing, and not in a document that never names a name of the claim). ``negated``: the claim has a negation, and then a value given otherwise says nothing (a claim that
    denies a wrong year is right)."""
    if any(c.result == MISMATCH and c.kind in CONTRASTS for c in checks):
        return True
    elsewhere = any(c.result == UNNAMED for c in checks)  # its values are said of something else
    return not negated and not elsewhere and any(c.result == MISMATCH for c in checks)
