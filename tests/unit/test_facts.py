"""The checks the verifier cannot get wrong: a claim's numbers, years, dates, scores and names looked up in a passage
(English and French), and the two rules they feed (a value given otherwise rules out entailment; a restatement rules
out contradiction)."""

from __future__ import annotations

import pytest

from factcheck.labels import STANCES
from factcheck.pipeline import with_checks
from factcheck.verify import aligned_claim, compare_facts, restates, restates_across_languages, rules_out_entailment
from factcheck.verify._facts import MATCH, MISMATCH, UNNAMED, in_document, values


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
    assert _results("Le salon ouvre le 8 février", "Le salon ouvre le 8 mars.")["date:8 février"] == MISMATCH
    assert _results("The board met on Monday", "The board met on Wednesday.")["weekday:Monday"] == MISMATCH


def test_values_of_another_kind_are_not_compared() -> None:
    # "four years" is not compared with an amount of money, nor 12 stations with 90,000 homes
    assert _results("Stargate will invest 500 billion dollars over four years", "Stargate has a budget of 500 billion dollars.") == {
        "money:500 billion dollars": MATCH,
        "name:Stargate": MATCH,
    }
    assert not any(k.startswith("number") for k in _results("The line has 12 stations", "The storm cut power to 90,000 homes."))


def test_lengths_and_masses_compare_across_units_and_spelled_percentages_are_percentages() -> None:
    assert _results("The bridge is 1,200 metres long", "The bridge runs for 1.2 kilometres.")["number:1,200 metres"] == MATCH
    assert _results("The frog is 2.1 cm long", "The frog measures 21 millimetres.")["number:2.1 cm"] == MATCH
    assert _results("Sales grew by six per cent", "Sales were up 6% on last year.")["percent:six per cent"] == MATCH
    # a counted noun compares across languages by its start (degree / degré), and "de" opens no noun ("degrees")
    assert _results("Grapes reached 12.5 degrees", "Les raisins ont atteint 12,5 degrés.")["number:12.5 degrees"] == MATCH
    # gene and cytokine names are not values
    assert not any(k.startswith("number") for k in _results("IL-1 inhibits IL-6", "IL-10 was produced."))


def test_a_value_is_compared_only_with_a_value_said_of_the_same_thing() -> None:
    claim = "The court fined Brennic Chemicals 80,000 euros"
    # what the prosecutor asked for is not the fine
    assert "money:80,000 euros" not in _results(claim, "The prosecutor had requested 120,000 euros.")
    assert _results(claim, "The court fined Brennic Chemicals 60,000 euros on Monday.")["money:80,000 euros"] == MISMATCH


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
    assert out[con] == 0.0 and out[ent] == pytest.approx(1.0)  # a restatement neither contradicts nor is silent


def test_a_value_given_otherwise_beside_a_restatement_is_said_of_something_else() -> None:
    ent, neu, con = (STANCES.index(s) for s in ("entailment", "neutral", "contradiction"))
    p = [0.0] * 3
    p[ent], p[neu], p[con] = 0.2, 0.7, 0.1
    claim = "Analysts had expected Norvance revenue of £1.80 billion for the quarter."
    other = "Norvance reported revenue of £1.84 billion for the quarter, analysts said."
    checks = compare_facts(claim, other)
    assert with_checks(p, checks, claim, other)[ent] == 0.0  # alone, the other figure rules out entailment
    assert with_checks(p, checks, claim, other, restated_elsewhere=True) == p  # beside a restatement it is another figure


def test_reported_speech_is_not_a_restatement() -> None:
    claim, passage = "Stargate funds will not be available", "Elon Musk claimed that the funds announced for Stargate will not be available."
    assert not restates(claim, passage, "", compare_facts(claim, passage))
    reported = "Elon Musk claimed that Stargate funds will not be available"
    assert restates(reported, passage, "", compare_facts(reported, passage))


def _contrasts(claim: str, passage: str) -> list[str]:
    return [f"{c.kind}:{c.claim}>{c.evidence}" for c in compare_facts(claim, passage) if c.result == MISMATCH and c.kind in ("name", "role", "direction", "negation")]


def test_one_difference_in_a_passage_that_repeats_the_claim_contradicts_it() -> None:
    # a name in another's place
    assert _contrasts("Tomas Varga is the head coach of Rivergate United.", "Rivergate United's head coach, Ingrid Solberg, praised the fans.") == [
        "name:Tomas Varga>Ingrid Solberg"
    ]
    # an opposite word, in English and in French
    assert _contrasts("The ministry approved the Lindell wind farm.", "The ministry rejected the Lindell wind farm.") == ["direction:approved>rejected"]
    assert _contrasts("Le chômage a augmenté en mars à Brévannes.", "Le chômage a baissé en mars à Brévannes.") == ["direction:augmenté>baissé"]
    # two names in each other's roles
    assert _contrasts("Ardent Bank acquired Telmor Finance in June.", "Telmor Finance acquired Ardent Bank in June.") == [
        "role:Ardent Bank … Telmor Finance>Telmor Finance … Ardent Bank"
    ]
    # a negation
    assert _contrasts("The Halvorsen museum was never closed to visitors.", "The Halvorsen museum was closed to visitors.") == ["negation:never>"]


def test_what_is_not_a_contradiction_is_left_alone() -> None:
    # the passive and the converse say the same with the names the other way round
    assert _contrasts("Telmor Finance was acquired by Ardent Bank.", "Ardent Bank acquired Telmor Finance.") == []
    assert _contrasts("Rivergate United lost to Ashby Town.", "Ashby Town beat Rivergate United.") == []
    # a list is not a role
    assert _contrasts("Nora Quist runs Velta and Sorrow Labs.", "Sorrow Labs and Velta chief Nora Quist spoke.") == []
    # a passage on something else with a name the claim lacks
    assert _contrasts("Tomas Varga scored twice in the derby.", "Ingrid Solberg praised the fans after the derby.") == []
    # acronyms are terms more often than names in each other's place
    assert _contrasts("AZT resistance is caused by N348I.", "NNRTI resistance is caused by N348I.") == []
    # a negation in another clause of a longer passage, or in a passage that only asks
    assert _contrasts("The enzyme is cleaved in beta cells.", "The enzyme is cleaved in beta cells, a process that does not occur in other tissues of the adult pancreas.") == []
    assert _contrasts("The drug does not raise blood pressure.", "The study examined whether the drug raises blood pressure.") == []


def test_a_restatement_across_languages_gives_the_values_and_the_names() -> None:
    claim = "A Lyon court fined Brennic Chemicals 80,000 euros."
    french = "Le tribunal de Lyon a condamné Brennic Chemicals à une amende de 80 000 euros."
    assert restates_across_languages(claim, french, compare_facts(claim, french))
    other = "Le tribunal de Lyon a condamné Brennic Chemicals à une amende de 60 000 euros."
    assert not restates_across_languages(claim, other, compare_facts(claim, other))
    assert not restates_across_languages("Brennic Chemicals was fined.", "Brennic Chemicals a été condamnée.", compare_facts("Brennic Chemicals was fined.", "Brennic Chemicals a été condamnée."))


def test_a_contrast_moves_neutral_too() -> None:
    ent, neu, con = (STANCES.index(s) for s in ("entailment", "neutral", "contradiction"))
    p = [0.0] * 3
    p[ent], p[neu], p[con] = 0.5, 0.4, 0.1
    claim, passage = "The ministry approved the Lindell wind farm.", "The ministry rejected the Lindell wind farm."
    out = with_checks(p, compare_facts(claim, passage), claim, passage)
    assert out[con] == pytest.approx(1.0)


def test_a_restatement_gives_every_value_and_names_may_be_ordered_otherwise() -> None:
    claim = "Edenside Town won the Westmorland Cup final in 2022."
    passage = "Millbrook won the Westmorland Cup final on Saturday, beating Edenside Town 3-1."
    assert not restates(claim, passage, "", compare_facts(claim, passage))  # 2022 is not given
    # names in another order are not in another's role unless a word between them is shared
    claim, passage = "Sandra Okoye previously ran the European business of Norvance Foods.", "Sandra Okoye has led Norvance Foods since 2022 and previously ran its European business."
    assert restates(claim, passage, "", compare_facts(claim, passage))


def test_a_name_no_passage_of_the_document_mentions_says_the_passage_speaks_of_something_else() -> None:
    ent, neu, con = (STANCES.index(s) for s in ("entailment", "neutral", "contradiction"))
    claim = "Heron Air plans to open a route from Inverness to Oslo."
    passage = "Heron Air will launch the first direct flights between Inverness and Bergen on 2 May."
    document = "Heron Air carried 410,000 passengers last year. The airline expects 20,000 passengers on the route."
    checks = in_document(claim, compare_facts(claim, passage), document)
    assert {c.claim: c.result for c in checks if c.kind == "name"}["Oslo"] == UNNAMED
    p = [0.0] * 3
    p[ent], p[neu], p[con] = 0.7, 0.1, 0.2
    out = with_checks(p, checks, claim, passage)
    assert out[neu] == pytest.approx(1.0)
    # a name elsewhere in the document is only absent from the passage
    assert all(c.result != UNNAMED for c in in_document(claim, compare_facts(claim, passage), document + " A route to Oslo is studied."))
    # terms of science, spelled many ways, and a claim's first word are never unnamed
    term = "CX3CR1 on the Th2 cells promotes survival"
    assert all(c.result != UNNAMED for c in in_document(term, compare_facts(term, "CX3CR1 promoted T(H)2 survival."), "The lungs were inflamed."))


def test_a_date_that_opens_a_span_is_not_compared_with_one_that_closes_it() -> None:
    claim = "The Garnier exhibition at the Delorme museum runs until 29 June."
    assert "date:29 June" not in _results(claim, "The Delorme museum opens the Garnier exhibition from Saturday 8 March.")
    assert _results(claim, "The Garnier exhibition at the Delorme museum runs until 29 May.")["date:29 June"] == MISMATCH
    assert "date:29 juin" not in _results("L'exposition Garnier se tiendra jusqu'au 29 juin.", "Le musée consacre à partir du samedi 8 mars une exposition à Garnier.")


def test_a_capitalised_word_inside_a_claim_is_a_name_even_after_a_function_word() -> None:
    claim = "The 28 trams for Calderbridge were built by Hartwell Rolling Stock at its factory in Leicester."
    passage = "The 28 trams were built by Hartwell Rolling Stock at its factory in Derby."
    assert _contrasts(claim, passage.replace("The 28", "Calderbridge's 28")) == ["name:Leicester>Derby"]


def test_the_verifier_reads_the_claims_values_as_the_passage_writes_them() -> None:
    claim, passage = "The Blue Line is 11,600 metres long and cost £742 million.", "The line runs for 11.6 kilometres and cost £742 million."
    checks = compare_facts(claim, passage)
    assert aligned_claim(claim, checks) == "The Blue Line is 11.6 kilometres long and cost £742 million."
    # a value given otherwise is left as the claim gives it
    other = "The line runs for 12 kilometres."
    assert aligned_claim(claim, compare_facts(claim, other)) == claim
