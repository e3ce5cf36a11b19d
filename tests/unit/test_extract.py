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
    # "Elle" stays unresolved: the sentence before opens on no name ("La mairie"), and alone it states no checkable fact
    assert [s.reason for s in ex.skipped] == ["no figure, date or name", "question"]


def test_a_pronoun_stands_for_the_name_the_sentence_before_opens_on_and_nothing_further_back() -> None:
    def resolved(text: str) -> list[str]:
        return [c.resolved for c in extract_claims(text, "en").claims]

    # the same subject through several sentences
    assert resolved("Sandra Okoye joined Norvance in 2022. She ran its European business. She earned £2 million in 2024.") == ["", "Sandra Okoye", "Sandra Okoye"]
    # a sentence that opens on no name leaves the next pronoun as it is, rather than reaching further back
    assert resolved("Edenside Town lost the final 3-1. The line runs for 11.6 kilometres. It cost £742 million.") == ["", "", ""]
    # a capitalised opening word that the text never writes as a name, a possessive, an article: no name
    assert resolved("Trams will run every six minutes from 14 September. She added that fares start at £2.") == ["", ""]
    assert resolved("Heron Air's director, Fiona Gallacher, said 20,000 passengers were expected. She said demand was strong in 2024.") == ["", ""]
    assert resolved("Millbrook won 3-1 in 2024. The fans of Millbrook cheered. It was the club's first cup in 41 years.")[2] == ""
