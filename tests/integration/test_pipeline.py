from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write

from factcheck import FactChecker, FactcheckError, Verdict

STARGATE = "Stargate funds will not be available"
BID = "Elon Musk's consortium offered 97.4 billion dollars to buy OpenAI"
EIFFEL = "The Eiffel Tower was moved to Berlin in 2025"


def test_stargate_claim_is_disputed_citing_both_sides(checker: FactChecker) -> None:
    verdict = checker.check(STARGATE)
    assert verdict.label == "disputed"
    decisive = [e.text for e in verdict.evidence if e.decisive]
    assert any("Musk" in t and ("money" in t or "fund" in t) for t in decisive), decisive
    assert any("Altman" in t for t in decisive), decisive
    assert 0.0 < verdict.confidence <= 1.0


def test_bid_claim_is_supported_by_the_bid(checker: FactChecker) -> None:
    verdict = checker.check(BID)
    assert verdict.label == "supported"
    top = next(e for e in verdict.evidence if e.decisive)
    assert "97.4 billion" in top.text and top.stance == "entailment"
    assert top.source and top.doc_id.startswith("en-") and top.date


def test_unrelated_claim_is_unverified(checker: FactChecker) -> None:
    verdict = checker.check(EIFFEL)
    assert verdict.label == "unverified"
    assert not any(e.decisive for e in verdict.evidence)


def test_check_many_matches_check(checker: FactChecker) -> None:
    claims = [STARGATE, BID, EIFFEL, "Sam Altman offered to buy X for 9.74 billion dollars"]
    many = checker.check_many(claims, batch_size=3)
    assert [v.label for v in many] == [checker.check(c).label for c in claims]
    d = many[0].to_dict()
    assert set(d) == {"claim", "label", "confidence", "evidence", "warnings"}
    assert {"text", "source", "doc_id", "stance", "score", "similarity"} <= set(d["evidence"][0])
    assert len(d["evidence"]) == checker.config.top_k


def test_passages_below_the_gate_are_not_judged_and_judging_them_changes_no_verdict(checker: FactChecker) -> None:
    claims = [STARGATE, BID, EIFFEL]
    everything = checker.with_config(judge_below_gate=True)
    gate = checker.config.min_similarity
    below = 0
    for fast, full in zip(checker.check_many(claims), everything.check_many(claims)):
        assert fast.label == full.label and fast.confidence == pytest.approx(full.confidence, abs=1e-3)  # batches differ
        assert [(e.text, e.decisive) for e in fast.evidence] == [(e.text, e.decisive) for e in full.evidence]
        for e, f in zip(fast.evidence, full.evidence):
            assert f.stance is not None and f.probabilities is not None
            if e.similarity >= gate:
                assert e.stance == f.stance and e.probabilities == pytest.approx(f.probabilities, abs=1e-3)
            else:
                below += 1
                assert e.stance is None and e.score is None and e.probabilities is None and not e.decisive
    assert below > 0  # the unrelated claim's passages are all below the gate


def test_build_open_roundtrip_from_python(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "note.md", "---\ntitle: Team note\n---\nThe quarterly report was published on Monday by the finance team.\n")
    checker = FactChecker.build([tmp_path / "docs"], tmp_path / "idx")
    reopened = FactChecker.open(tmp_path / "idx")
    verdict = reopened.check("The finance team published the quarterly report on Monday")
    assert isinstance(verdict, Verdict)
    assert verdict.evidence[0].title == "Team note"
    assert verdict.label == checker.check("The finance team published the quarterly report on Monday").label


def test_empty_and_overlong_claims(checker: FactChecker) -> None:
    with pytest.raises(FactcheckError, match="^empty claim"):
        checker.check("   ")
    with pytest.raises(FactcheckError, match=r"^claims\[1\]: empty claim"):
        checker.check_many(["Musk offered money for OpenAI", ""])
    with pytest.raises(FactcheckError, match="a claim is a string, not int"):
        checker.check(42)  # type: ignore[arg-type]
    with pytest.raises(FactcheckError, match="not one string: use check"):
        checker.check_many("Musk offered money for OpenAI")
    long_claim = "Elon Musk offered 97.4 billion dollars for OpenAI " * 60
    with pytest.warns(UserWarning, match="claim truncated"):
        verdict = checker.check(long_claim)
    assert verdict.warnings and len(verdict.claim) < len(long_claim)




def test_a_passage_whose_document_never_names_the_claims_place_neither_supports_nor_disputes_it(tmp_path: Path) -> None:
    write(
        tmp_path / "docs" / "airline.md",
        "---\ntitle: Heron Air to fly to Bergen\n---\n"
        "The Scottish airline Heron Air will launch direct flights between Inverness and Bergen on 2 May.\n\n"
        "Heron Air carried 410,000 passengers last year and employs 260 people.\n\n"
        "The route will operate three times a week.\n",
    )
    write(tmp_path / "docs" / "ferry.md", "---\ntitle: Ferry timetable\n---\nA ferry to Oslo leaves Aberdeen every Friday.\n")
    checker = FactChecker.build([tmp_path / "docs"], tmp_path / "idx")
    verdict = checker.check("Heron Air plans to open a route from Inverness to Oslo")
    judged = [e for e in verdict.evidence if e.stance is not None and e.doc_id == "airline.md"]
    assert judged, "the airline's passages were judged"
    for e in judged:
        assert {"kind": "name", "claim": "Oslo", "result": "unnamed"}.items() <= next(c for c in e.checks if c["claim"] == "Oslo").items()
        assert e.stance == "neutral" and e.probabilities is not None and e.probabilities["neutral"] == 1.0
    # the ferry note names Oslo but never Heron Air: it says nothing about the airline either
    assert verdict.label == "unverified"
    # a claim about what the airline's document does say is still supported
    assert checker.check("Heron Air will launch direct flights between Inverness and Bergen").label == "supported"
