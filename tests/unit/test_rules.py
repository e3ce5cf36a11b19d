"""Rules and measures checked by hand, with no model: the aggregation, the retrieval and calibration metrics,
the evidence F1, the Milvus index choice, the training batches and the recipes' negation edits."""

from __future__ import annotations

import pytest

from factcheck import CheckConfig, aggregate
from factcheck.errors import FactcheckError
from factcheck.evaluation import Claim, Scored, calibration, evidence_label_f1, retrieval_metrics
from factcheck.index._milvus import index_params


def test_aggregation_rules() -> None:
    config = CheckConfig(min_similarity=0.3, support_threshold=0.5, contradict_threshold=0.5)
    ent, neu, con = [0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.05, 0.05, 0.9]
    assert aggregate([ent, neu], [0.8, 0.7], config)[0] == "supported"
    assert aggregate([con, neu], [0.8, 0.7], config)[0] == "disputed"
    label, _, decisive = aggregate([ent, con], [0.8, 0.7], config)
    assert label == "disputed" and sorted(decisive) == [0, 1]  # sources in conflict
    assert aggregate([ent, con], [0.2, 0.1], config)[0] == "unverified"  # nothing relevant enough
    assert aggregate([neu, neu], [0.9, 0.9], config) == ("unverified", pytest.approx(0.9), [])


def test_retrieval_metrics_by_hand_and_against_sklearn() -> None:
    from sklearn.metrics import ndcg_score

    rankings = [["a", "b", "c"], ["x", "y", "z", "w"], ["p", "q"], ["k"]]
    gold = [["b"], ["z", "w"], ["nowhere"], []]  # the last claim has no gold ids: not counted
    m = retrieval_metrics(rankings, gold, ks=(1, 2, 10))
    assert m["claims"] == 3
    assert m["recall@1"] == 0.0
    assert m["recall@2"] == round((1 + 0 + 0) / 3, 4)
    assert m["recall@10"] == round((1 + 1 + 0) / 3, 4)
    assert m["mrr@10"] == round((1 / 2 + 1 / 3 + 0) / 3, 4)
    # nDCG of the first two claims as sklearn computes it over the same candidates (all gold ids retrieved)
    expected = [ndcg_score([[float(d in g) for d in r]], [[len(r) - i for i in range(len(r))]], k=10) for r, g in zip(rankings[:2], gold[:2])]
    assert m["ndcg@10"] == round((sum(expected) + 0.0) / 3, 4)


def test_calibration_bins_and_ece_by_hand() -> None:
    c = calibration([0.95, 0.95, 0.55, 0.55, 0.15], [True, False, True, True, False], bins=10)
    # bins (0.9, 1]: conf 0.95, acc 0.5; (0.5, 0.6]: conf 0.55, acc 1.0; (0.1, 0.2]: conf 0.15, acc 0.0
    assert c["ece"] == round(2 / 5 * 0.45 + 2 / 5 * 0.45 + 1 / 5 * 0.15, 4)
    assert [b["count"] for b in c["bins"]] == [0, 1, 0, 0, 0, 2, 0, 0, 0, 2]
    assert c["bins"][9]["accuracy"] == 0.5 and c["bins"][0]["accuracy"] is None


def test_evidence_label_f1_follows_the_scifact_rule() -> None:
    config = CheckConfig(top_k=3, min_similarity=0.5, support_threshold=0.5, contradict_threshold=0.5)
    ent, neu, con = [0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.05, 0.05, 0.9]
    scored = [
        # gold doc d1 supports: the deciding passage from d1 entails (correct); d9 is not gold (wrong)
        Scored(Claim("1", "c1", "supported", evidence_ids=["d1"]), [ent, ent, neu], [0.9, 0.8, 0.9], ids=["d1", "d9", "d2"]),
        # gold d3 labelled disputed per document; the passage from d3 entails: wrong label
        Scored(Claim("2", "c2", "supported", evidence_ids=["d3"], evidence_labels={"d3": "disputed"}), [ent], [0.9], ids=["d3"]),
        # gold d4 contradicts; the contradicting passage is below the similarity gate: nothing predicted
        Scored(Claim("3", "c3", "disputed", evidence_ids=["d4"]), [con], [0.4], ids=["d4"]),
    ]
    m = evidence_label_f1(scored, config)
    assert (m["predicted"], m["gold"], m["correct"]) == (3, 3, 1)
    assert m["precision"] == round(1 / 3, 4) and m["recall"] == round(1 / 3, 4) and m["f1"] == round(1 / 3, 4)


def test_index_type_follows_corpus_size() -> None:
    assert index_params(45_000)[0] == "FLAT"
    kind, build, search = index_params(5_000_000)
    assert kind == "HNSW" and build["M"] == 16 and search["ef"] >= 64
    kind, build, search = index_params(100_000_000)
    assert kind == "IVF_SQ8" and 1024 <= build["nlist"] <= 65536 and search["nprobe"] > 0
    kind, build, _ = index_params(1_000_000, "IVF_PQ", dim=384)
    assert 384 % build["m"] == 0
    with pytest.raises(FactcheckError, match="unknown Milvus index type"):
        index_params(10, "DISKANN")


def test_length_grouped_batches_cover_every_row_once_with_little_padding() -> None:
    """--group-by-length: every training row once per epoch, batches of similar length, a new order each epoch."""
    import random

    from factcheck.training._train import _length_grouped_batches

    lengths = list(range(1, 641))
    random.Random(0).shuffle(lengths)
    sampler = _length_grouped_batches(lengths)(list(range(640)), batch_size=4, drop_last=False, seed=3)
    first = list(sampler)
    assert len(first) == len(sampler) == 160 and sorted(i for b in first for i in b) == list(range(640))
    def slots(batches: list[list[int]]) -> int:
        return sum(len(b) * max(lengths[i] for i in b) for b in batches)

    assert slots(first) < 1.05 * sum(lengths) < 0.7 * slots([list(range(i, i + 4)) for i in range(0, 640, 4)])
    sampler.set_epoch(1)
    assert list(sampler) != first


def test_negation_edits_keep_labels_tied_to_the_evidence() -> None:
    """The recipes' negation edits: by default only those that turn a claim contradicted (or undo a negation into
    entailment); symmetric ones also negate contradicted claims into entailment and neutral pairs into neutral."""
    import random

    from factcheck.training import flip_negation, negation_flips

    assert flip_negation("Funds will be available") == "Funds will not be available"
    assert flip_negation("Funds will not be available") == "Funds will be available"
    assert flip_negation("Nobody knows") is None
    pairs = [
        {"evidence": "The money is there.", "claim": "Funds will be available", "label": "entailment", "source": "s"},
        {"evidence": "There is no money.", "claim": "Funds will be available", "label": "contradiction", "source": "s"},
        {"evidence": "Paris is mild.", "claim": "Funds will be available", "label": "neutral", "source": "s"},
        {"evidence": "There is no money.", "claim": "Funds will not be available", "label": "entailment", "source": "s"},
        {"evidence": "The money is there.", "claim": "Funds will not be available", "label": "contradiction", "source": "s"},
    ]
    plain = negation_flips(pairs, random.Random(0), share=1.0)
    assert [(p["claim"], p["label"]) for p in plain] == [("Funds will not be available", "contradiction"), ("Funds will be available", "entailment")]
    symmetric = negation_flips(pairs, random.Random(0), share=1.0, symmetric=True)
    assert [(p["evidence"], p["claim"], p["label"]) for p in symmetric] == [
        ("The money is there.", "Funds will not be available", "contradiction"),
        ("There is no money.", "Funds will not be available", "entailment"),
        ("Paris is mild.", "Funds will not be available", "neutral"),
        ("There is no money.", "Funds will be available", "contradiction"),
        ("The money is there.", "Funds will be available", "entailment"),
    ]
    assert all(p["source"] == "s-flip" for p in symmetric)
