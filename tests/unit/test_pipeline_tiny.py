"""The pipeline's logic on tiny models trained in the fixture: one scoring path for check, check_many and the
benchmarks; the similarity gate; the verifier's label order read from the model's config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import write

from factcheck import Claim, FactChecker, Verifier, VerifierConfig, build_index, create_embedder
from factcheck.evaluation import RunConfig, run_benchmark, score_end_to_end
from factcheck.labels import STANCES

DOCS = {
    "tram.md": "The tram line cost 610 million euros. It opened in March after four years of work.",
    "storm.md": "The storm cut power to 90,000 homes. Crews restored most lines within two days.",
    "final.md": "Lyon beat Nantes in the final. The winning goal came in the last minute.",
}
CLAIMS = ["The tram line cost 610 million euros.", "Nantes won the final.", "The storm cut power to 90,000 homes.", "  The   bridge opened in April. "]


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory, tiny_embedder: str, tiny_verifier: str) -> FactChecker:
    root = tmp_path_factory.mktemp("tiny-index")
    for name, text in DOCS.items():
        write(root / "docs" / name, f"---\nlang: en\n---\n{text}")
    build_index([root / "docs"], root / "index", create_embedder(tiny_embedder))
    opened = FactChecker.open(root / "index", verifier=tiny_verifier)
    # a gate between the claims' passages, so that some are judged and some are not
    sims = [h.similarity for j in opened.judge(CLAIMS) for h in j.hits]
    return opened.with_config(top_k=4, min_similarity=float(np.median(sims)))


def test_check_many_and_check_are_the_same_path(checker: FactChecker) -> None:
    one_by_one = [checker.check(c).to_dict() for c in CLAIMS]
    assert [v.to_dict() for v in checker.check_many(CLAIMS, batch_size=3)] == one_by_one
    assert one_by_one[3]["claim"] == "The bridge opened in April."


def test_below_the_gate_passages_are_shown_unjudged_and_never_decide(checker: FactChecker) -> None:
    gate = checker.config.min_similarity
    verdicts = [checker.check(c) for c in CLAIMS]
    shown = [e for v in verdicts for e in v.evidence]
    assert any(e.similarity < gate for e in shown) and any(e.similarity >= gate for e in shown)
    for e in shown:
        assert (e.stance is None) == (e.similarity < gate), e
        assert not (e.decisive and e.stance is None)
    judging_all = checker.with_config(judge_below_gate=True)
    for claim, verdict in zip(CLAIMS, verdicts):
        again = judging_all.check(claim)
        assert again.label == verdict.label and again.confidence == pytest.approx(verdict.confidence, abs=1e-6)  # other batches: float noise
        assert all(e.stance is not None for e in again.evidence)


def test_benchmark_scoring_makes_the_verdicts_check_makes(checker: FactChecker, tmp_path: Path) -> None:
    claims = [Claim(str(i), c, "supported") for i, c in enumerate(CLAIMS)]
    scored = score_end_to_end(checker, claims, batch_size=2, ranking=True)
    for s, claim in zip(scored, CLAIMS):
        assert s.judgement is not None and all(p is not None for p in s.judgement.probabilities)  # every passage judged
        assert len(s.probabilities) == len(s.similarities) == checker.config.top_k and s.ranking
        assert checker.verdict(s.judgement).to_dict() == checker.check(claim).to_dict()
    result = run_benchmark(checker, claims, name="tiny", oracle=False, out_dir=tmp_path / "run", config=RunConfig(latency_sample=0))
    rows = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert [r["verdict"] for r in rows] == [checker.check(c).to_dict() for c in CLAIMS]
    assert result["n"] == 4 and result["accuracy"] == sum(r["predicted"] == "supported" for r in rows) / 4


def test_verifier_reads_the_label_order_from_the_model_config(tiny_verifier: str, tmp_path: Path) -> None:
    """The same model with its output rows permuted and id2label saying so gives the same stance probabilities."""
    import torch
    from transformers import AutoModelForSequenceClassification

    pairs = [("The tram line cost 610 million euros.", "The tram line was free."), ("Lyon beat Nantes.", "Lyon won.")]
    reference = Verifier(VerifierConfig(model=tiny_verifier, backend="torch")).predict(pairs)
    assert reference.shape == (2, 3) and np.allclose(reference.sum(axis=1), 1.0, atol=1e-5)

    permuted_dir = tmp_path / "permuted"
    shutil.copytree(tiny_verifier, permuted_dir, ignore=shutil.ignore_patterns("checkpoints"))
    model = AutoModelForSequenceClassification.from_pretrained(str(permuted_dir))
    order = [2, 0, 1]  # new row i holds old row order[i]
    with torch.no_grad():
        model.classifier.weight.copy_(model.classifier.weight[order])
        model.classifier.bias.copy_(model.classifier.bias[order])
    model.config.id2label = {i: STANCES[j] for i, j in enumerate(order)}
    model.config.label2id = {v: k for k, v in model.config.id2label.items()}
    model.save_pretrained(str(permuted_dir))
    permuted = Verifier(VerifierConfig(model=str(permuted_dir), backend="torch")).predict(pairs)
    assert np.allclose(permuted, reference, atol=1e-5)


def test_a_passage_that_refers_back_is_judged_with_its_context_and_the_checks_are_shown(checker: FactChecker) -> None:
    """"It opened in March ..." is read after "The tram line cost 610 million euros." (the sentence before it in
    its document); every judged passage carries the verifier's own probabilities and the checks that fired."""
    verdict = checker.with_config(judge_below_gate=True).check("The tram line opened in April after four years of work.")
    opened = next(e for e in verdict.evidence if e.text.startswith("It opened"))
    assert opened.context == "The tram line cost 610 million euros."
    month = next(c for c in opened.checks if c["kind"] == "month")
    assert month["claim"] == "April" and month["result"] == "mismatch" and month["evidence"] == "March"
    assert month["text"] == "the claim says April, the passage says March" and "opened" in month["about"].split()
    assert opened.probabilities is not None and opened.verifier_probabilities is not None
    assert opened.probabilities["entailment"] == 0.0  # a month given otherwise rules it out
    assert verdict.to_dict()["evidence"][0].keys() >= {"stance", "probabilities", "verifier_probabilities", "checks", "context"}
