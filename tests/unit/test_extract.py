"""Claim extraction from a whole text (rule-based, English and French): which sentences are kept, why, their spans,
and the subject pronouns replaced by the name the sentence before opens on."""

from __future__ import annotations

from factcheck.extract import extract_claims

ENGLISH = """Harbour plans

Norvik Port handled 4.2 million containers in 2024. It expects to pass 5 million by 2027.
Will the new quay be ready in time? We think the city should pay for the dredging.
Subscribe to our newsletter for more stories.
The mayor, Ines Dahl, said the quay would open in June.
"""


def test_statements_of_fact_are_kept_with_their_spans_and_reasons() -> None:
    ex = extract_claims(ENGLISH)
    assert ex.lang == "en"
    claims = {c.sentence: c for c in ex.claims}
    first = claims["Norvik Port handled 4.2 million containers in 2024."]
    assert ENGLISH[first.start : first.end] == first.sentence
    assert set(first.reasons) >= {"figure", "date", "name"}
    said = claims["The mayor, Ines Dahl, said the quay would open in June."]
    assert "reported statement" in said.reasons


def test_a_subject_pronoun_takes_the_name_the_sentence_before_opens_on() -> None:
    ex = extract_claims(ENGLISH)
    expects = next(c for c in ex.claims if c.sentence.startswith("It expects"))
    assert expects.claim == "Norvik Port expects to pass 5 million by 2027." and expects.resolved == "Norvik Port"


def test_questions_opinions_headings_and_boilerplate_are_left_out_with_a_reason() -> None:
    skipped = {s.sentence: s.reason for s in extract_claims(ENGLISH).skipped}
    assert skipped["Harbour plans"] == "heading"
    assert skipped["Will the new quay be ready in time?"] == "question"
    assert skipped["We think the city should pay for the dredging."] == "opinion"
    assert skipped["Subscribe to our newsletter for more stories."] == "boilerplate"


def test_french_texts_are_read_as_french() -> None:
    text = "La mairie de Brévannes a voté un budget de 12 millions d'euros. Elle a aussi approuvé la piscine. Faut-il s'en réjouir ?"
    ex = extract_claims(text)
    assert ex.lang == "fr"
    assert [c.claim for c in ex.claims][0] == "La mairie de Brévannes a voté un budget de 12 millions d'euros."
    # "Elle" is the subject of the sentence before, a name of a place's council (read off the parse)
    assert ex.claims[1].claim == "La mairie de Brévannes a aussi approuvé la piscine." and ex.claims[1].resolved == "La mairie de Brévannes"
    assert [s.reason for s in ex.skipped] == ["question"]


def test_a_pronoun_stands_for_the_name_the_sentence_before_opens_on_and_nothing_further_back() -> None:
    def resolved(text: str) -> list[str]:
        return [c.resolved for c in extract_claims(text, "en").claims]

    # the same subject through several sentences
    assert resolved("Sandra Okoye joined Norvance in 2022. She ran its European business. She earned £2 million in 2024.") == ["", "Sandra Okoye", "Sandra Okoye"]
    # a sentence that opens on no name leaves the next pronoun as it is, rather than reaching further back
    assert resolved("Edenside Town lost the final 3-1. The line runs for 11.6 kilometres. It cost £742 million.") == ["", "", ""]
    # a capitalised opening word that the text never writes as a name, a possessive, an article: no name
    assert resolved("Trams will run every six minutes from 14 September. She added that fares start at £2.") == ["", ""]
    # ... but the subject the parse finds is: the person an apposition names
    assert resolved("Heron Air's director, Fiona Gallacher, said 20,000 passengers were expected. She said demand was strong in 2024.") == ["", "Fiona Gallacher"]
    assert resolved("Millbrook won 3-1 in 2024. The fans of Millbrook cheered. It was the club's first cup in 41 years.")[2] == ""


def test_a_sentence_that_states_two_facts_gives_two_claims_on_its_span() -> None:
    text = "The Norvik plant will open in 2028 and produce 300,000 batteries a year. It cost £2 billion."
    ex = extract_claims(text)
    assert [c.claim for c in ex.claims][:2] == [
        "The Norvik plant will open in 2028.",
        "The Norvik plant will produce 300,000 batteries a year.",  # the subject and "will" carried over
    ]
    assert (ex.claims[0].start, ex.claims[0].end) == (ex.claims[1].start, ex.claims[1].end) == (0, text.index(" It"))
    french = "Le château de Brenn a été construit en 1519. Il compte 426 pièces et 282 cheminées."
    ex = extract_claims(french)
    assert [c.claim for c in ex.claims][1:] == ["Le château de Brenn compte 426 pièces.", "Le château de Brenn compte 282 cheminées."]
    assert ex.claims[1].end == ex.claims[2].end == len(french)
    # not split: a half with no figure, date or name; a negation; a list of names
    kept = [c.claim for c in extract_claims("Acme Corp hired 300 people and was happy. Acme did not open in 2024 and close in 2025. Musk runs Tesla and SpaceX.", "en").claims]
    assert kept == ["Acme Corp hired 300 people and was happy.", "Acme did not open in 2024 and close in 2025.", "Musk runs Tesla and SpaceX."]


def test_the_company_and_a_possessive_take_the_name_they_stand_for() -> None:
    ex = extract_claims("Norvance Corp said revenue rose 12% to 4 billion dollars. The company will hire 300 people and it expects profit to double by 2027.", "en")
    assert [c.claim for c in ex.claims][1:] == ["Norvance Corp will hire 300 people.", "Norvance Corp expects profit to double by 2027."]
    ex = extract_claims("The Halden Space Observatory is located in Chile. Its camera has 3,200 megapixels. The observatory opened in June 2025.", "en")
    assert [c.claim for c in ex.claims][1:] == [
        "The Halden Space Observatory's camera has 3,200 megapixels.",
        "Halden Space Observatory opened in June 2025.",  # a name earlier in the text ending on the same noun
    ]
    ex = extract_claims("Airbus a livré 735 avions en 2023. Le groupe vise 800 livraisons cette année. Il emploie 147 000 personnes.", "fr")
    assert [c.resolved for c in ex.claims] == ["", "Airbus", "Airbus"]
    # a description that names nothing said before stays as written
    assert extract_claims("Trams will run every six minutes from 2026. The company expects 9,000 riders a day.", "en").claims[1].resolved == ""
