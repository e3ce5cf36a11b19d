"""The checks the verifier cannot get wrong: a claim's numbers, years, dates, scores and names looked up in a passage
(English and French), and the two rules they feed (a value given otherwise rules out entailment; a restatement rules
out contradiction)."""

from __future__ import annotations

import pytest

from factcheck.labels import STANCES
from factcheck.pipeline import with_checks
from factcheck.verify import compare_facts, restates, rules_out_entailment
from factcheck.verify._facts import MATCH, MISMATCH, values


def _results(claim: str, passage: str, context: str = "") -> dict[str, str]:
    return {f"{c.kind}:{c.claim}": c.result for c in compare_facts(claim, passage, context)}


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("9.74 billion dollars", "money", 9.74e9),
        ("$9.74 billion", "money", 9.74e9),
        ("9,74 milliards de dollars", "money", 9.74e9),
        ("610 million euros", "money", 6.1e8),
        ("3 percent", "percent", 3.0),
        ("54,3 %", "percent", 54.3),
        ("in 2023", "year", 2023),
    ],
)
def test_values_read_numbers_written_either_way(text: str, kind: str, value: float) -> None:
    (found,) = [v for v in values(text) if v.kind != "month"]
    assert found.kind == kind and found.value == pytest.approx(value)


def test_counts_keep_their_noun() -> None:
    assert [(v.kind, v.value) for v in values("1,200,000 homes and 1.2 million homes; 12 500 habitants")] == [
        ("number", ("home", 1.2e6)),
        ("number", ("home", 1.2e6)),
        ("number", ("habitant", 12500.0)),
    ]


def test_a_changed_value_is_a_mismatch_and_an_equal_one_a_match() -> None:
    assert _results("xAI was founded in 2015", "Elon Musk founded xAI in 2023.") == {"year:2015": MISMATCH, "name:xAI": MATCH}
    assert _results("Altman offered 9.74 billion dollars for X", "Sam Altman offered $9.74 billion for X.")["money:9.74 billion dollars"] == MATCH
    assert _results("Lyon won the final 2-0", "Lyon beat Nantes 3-1 in the final.")["score:2-0"] == MISMATCH
    assert _results("About 60,000 homes lost power", "About 90,000 homes lost power.")["number:60,000 homes"] == MISMATCH
    assert _results("Le match a eu lieu le 12 mai", "Le match a eu lieu le 14 mai.")["date:12 mai"] == MISMATCH


def test_values_of_another_kind_are_not_compared() -> None:
    # "four years" is not compared with an amount of money, nor 12 stations with 90,000 homes
    assert _results("Stargate will invest 500 billion dollars over four years", "Stargate has a budget of 500 billion dollars.") == {
        "money:500 billion dollars": MATCH,
        "name:Stargate": MATCH,
    }
    assert not any(k.startswith("number") for k in _results("The line has 12 stations", "The storm cut power to 90,000 homes."))


def test_a_mismatch_rules_out_entailment_only_when_the_passage_names_what_the_claim_names() -> None:
    assert rules_out_entailment(compare_facts("xAI was founded in 2015", "xAI was founded in 2023."))
    # another company's founding year says nothing about xAI's
    assert not rules_out_entailment(compare_facts("xAI was founded in 2015", "OpenAI was founded in 2023."))
    # names may come from the context read with the passage (the sentence before, the title)
    checks = compare_facts("The Blue Line tram cost 742 million pounds", "It cost 610 million pounds.", "The Blue Line opened on Sunday.")
    assert rules_out_entailment(checks)


def test_restates_needs_the_words_the_values_and_the_order_of_names() -> None:
    claim = "Lyon beat Nantes in the final"
    assert restates(claim, "Lyon beat Nantes 2-0 in the final on Sunday.", "", compare_facts(claim, "Lyon beat Nantes 2-0 in the final on Sunday."))
    swapped = "Nantes beat Lyon in the final."
    assert not restates(claim, swapped, "", compare_facts(claim, swapped))
    assert not restates(claim, "Lyon played Nantes.", "", compare_facts(claim, "Lyon played Nantes."))
    french = "Elon Musk fait partie des cofondateurs d'OpenAI."
    assert restates("Elon Musk est le cofondateur d'OpenAI", french, "", compare_facts("Elon Musk est le cofondateur d'OpenAI", french))


def test_with_checks_moves_probability_between_entailment_and_contradiction() -> None:
    ent, con = STANCES.index("entailment"), STANCES.index("contradiction")
    p = [0.0] * 3
    p[ent], p[STANCES.index("neutral")], p[con] = 0.6, 0.1, 0.3
    claim, passage = "xAI was founded in 2015", "xAI was founded in 2023."
    out = with_checks(p, compare_facts(claim, passage), claim, passage)
    assert out[ent] == 0.0 and out[con] == pytest.approx(0.9) and sum(out) == pytest.approx(1.0)
    # a negated claim that denies the wrong year is not contradicted by it
    negated = "xAI was not founded in 2015"
    assert with_checks(p, compare_facts(negated, passage), negated, passage) == p
    same = "xAI was founded in 2023."
    out = with_checks(p, compare_facts("xAI was founded in 2023", same), "xAI was founded in 2023", same)
    assert out[con] == 0.0 and out[ent] == pytest.approx(0.9)


def test_reported_speech_is_not_a_restatement() -> None:
    claim, passage = "Stargate funds will not be available", "Elon Musk claimed that the funds announced for Stargate will not be available."
    assert not restates(claim, passage, "", compare_facts(claim, passage))
    reported = "Elon Musk claimed that Stargate funds will not be available"
    assert restates(reported, passage, "", compare_facts(reported, passage))
