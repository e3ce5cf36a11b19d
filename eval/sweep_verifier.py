"""Train verifier candidates side by side, score them on data they never saw, keep the best one.

    factcheck recipes --data-dir ../shared/data --out pairs/
    python eval/sweep_verifier.py --pairs pairs/ --out sweep/            # every candidate, in parallel
    python eval/sweep_verifier.py --pairs pairs/ --out sweep/ --only base-s13,base-s14,base-s15
    python eval/sweep_extras.py --data-dir ../shared/data --pairs pairs/ --claim-only CLAIM_ONLY  # rounds 3-4 need it
    python eval/sweep_verifier.py --pairs pairs/ --out sweep/ --only round-3
    python eval/sweep_verifier.py --pairs pairs/ --out teachers/ --only round-8-teachers  # writes oof-targets.jsonl
    cp teachers/oof-targets.jsonl pairs/ && python eval/sweep_verifier.py --pairs pairs/ --out students/ --only round-8
    bash eval/get_mpnet.sh all-mpnet-base-v2/ && python eval/sweep_verifier.py --pairs pairs/ --out mp/ --only round-9-teachers --teacher-base all-mpnet-base-v2/
    cp mp/mp-targets.jsonl pairs/ && python eval/sweep_verifier.py --pairs pairs/ --out students/ --only round-9
    python eval/sweep_extras.py --data-dir ../shared/data --pairs pairs/ --transfer   # then round 9's teachers
    cp mp/mp-targets.jsonl mp/transfer-targets.jsonl pairs/ && python eval/sweep_verifier.py --pairs pairs/ --out students/ --only round-10

Selection is honest: 10 % of the training claims (grouped so that a claim and its negation edit fall on the
same side) are held out as a validation split; each candidate keeps its best epoch by validation macro-F1, and
the candidate with the best validation macro-F1 is the one that may ship, once it also beats the shipped verifier
end to end at claim level (eval/fit_aggregation.py). The dev sets (SciFact dev, held-out Climate-FEVER,
FEVER-Lite test, COVID-Fact dev) are scored for the record only. "soup" candidates are the uniform weight average
of candidates that started equal: the seeds of one recipe (which fails: a seed also draws the classifier head),
or one seed's recipes on different data (soup-v3: best on validation and on Climate-FEVER pairs, worse claims end
to end; not shipped, see eval/experiments/README.md). The claim-only candidates are recipes with the evidence blanked: the
baselines that measure how much the verifier reads the evidence. The validation winner is written as fp16
safetensors to OUT/best. On one GPU every candidate trains at once (about 2 minutes on an H200); on a 2-core CPU
one candidate takes hours.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

from factcheck.training import TrainConfig

BASE = TrainConfig(epochs=4, learning_rate=3e-5, batch_size=32, max_length=256, seed=13)

#: candidate -> (training config, data options). Data options: drop (source families left out),
#: oversample (family -> copies).
BS16 = replace(BASE, batch_size=16, seed=15)  # the shipped verifier's recipe (round 2's winner)
V3 = replace(BS16, epochs=5, data_seed=2)  # v3's recipe (round 7's cf-all-e5-d2, with climate_all)
TR = replace(V3, epochs=3, batch_size=32)  # round 10's students: v3's data order and seed, a shorter schedule
TR3 = replace(TR, epochs=2, learning_rate=1e-5)  # round 10's students that start from v3 itself
KD_FOLDS = 4

CANDIDATES: dict[str, tuple[TrainConfig, dict]] = {
    "base-s13": (BASE, {}),
    "base-s14": (replace(BASE, seed=14), {}),
    "base-s15": (replace(BASE, seed=15), {}),
    "lr5e-5": (replace(BASE, learning_rate=5e-5), {}),
    "lr2e-5": (replace(BASE, learning_rate=2e-5), {}),
    "bs16": (replace(BASE, batch_size=16), {}),
    "maxlen128": (replace(BASE, max_length=128), {}),
    "no-covid": (BASE, {"drop": ["covid-fact"]}),
    "sci-climate-x3": (BASE, {"oversample": {"scifact": 3, "climate-fever": 2}}),
    "claim-only": (replace(BASE, claim_only=True), {}),
    # round 2, around the round-1 winner (bs16)
    "bs16-s14": (replace(BASE, batch_size=16, seed=14), {}),
    "bs16-s15": (replace(BASE, batch_size=16, seed=15), {}),
    "bs16-lr5e-5": (replace(BASE, batch_size=16, learning_rate=5e-5), {}),
    "bs16-no-climate": (replace(BASE, batch_size=16), {"drop": ["climate-fever"]}),
    "claim-only-bs16": (replace(BASE, batch_size=16, claim_only=True), {}),
    "claim-only-bs16-no-climate": (replace(BASE, batch_size=16, claim_only=True), {"drop": ["climate-fever"]}),
    # round 3 (issue 3's Climate-FEVER margin), each with its claim-only twin; data from eval/sweep_extras.py
    "cf-all": (BS16, {"climate_all": True}),
    "cf-all-co": (replace(BS16, claim_only=True), {"climate_all": True}),
    "cf-soft": (BS16, {"climate_all": True, "soft": True}),
    "cf-soft-co": (replace(BS16, claim_only=True), {"climate_all": True, "soft": True}),
    "cf-soft-hn": (BS16, {"climate_all": True, "soft": True, "hardneg": True}),
    "cf-soft-hn-co": (replace(BS16, claim_only=True), {"climate_all": True, "soft": True, "hardneg": True}),
    "poe": (BS16, {"poe": True}),
    "poe-soft-hn": (BS16, {"climate_all": True, "soft": True, "hardneg": True, "poe": True}),
    # round 4: seeds of round 3's best Climate-FEVER margin (cf-all), with their twins
    "cf-all-s13": (replace(BS16, seed=13), {"climate_all": True}),
    "cf-all-s14": (replace(BS16, seed=14), {"climate_all": True}),
    "cf-all-co-s13": (replace(BS16, seed=13, claim_only=True), {"climate_all": True}),
    "cf-all-co-s14": (replace(BS16, seed=14, claim_only=True), {"climate_all": True}),
    # round 6: the evidence's document title before it ("Arctic: The melting of the ice ..."), over seeds; and
    # the same init (seed 15) with other data orders, to soup. A title is part of the evidence, which a claim-only
    # twin never sees, so cft's twins are cf-all's (rounds 3-4); the data orders' twins are round 7's.
    "cft": (BS16, {"climate_all": True, "title": "all"}),
    "cft-s13": (replace(BS16, seed=13), {"climate_all": True, "title": "all"}),
    "cft-s14": (replace(BS16, seed=14), {"climate_all": True, "title": "all"}),
    "cft-d1": (replace(BS16, data_seed=1), {"climate_all": True, "title": "all"}),
    "cft-d2": (replace(BS16, data_seed=2), {"climate_all": True, "title": "all"}),
    "cf-all-d1": (replace(BS16, data_seed=1), {"climate_all": True}),
    "cf-all-d2": (replace(BS16, data_seed=2), {"climate_all": True}),
    # round 7: the data-order runs' claim-only twins (one twin per verifier run), and a fifth epoch (round 6's
    # runs mostly kept their last epoch)
    "cf-all-co-d1": (replace(BS16, data_seed=1, claim_only=True), {"climate_all": True}),
    "cf-all-co-d2": (replace(BS16, data_seed=2, claim_only=True), {"climate_all": True}),
    "cf-all-e5": (replace(BS16, epochs=5), {"climate_all": True}),
    "cf-all-e5-d2": (replace(BS16, epochs=5, data_seed=2), {"climate_all": True}),
    # round 8: distillation from cross-fitted teachers. Four teachers with v3's recipe, each trained without one
    # quarter of the training claims (grouped as the validation split is), label the quarter they never saw; the
    # students (v3's recipe) train towards alpha x the gold label + (1 - alpha) x that out-of-fold distribution:
    # Climate-FEVER's labels are votes that split on half of its pairs, and an out-of-fold model's distribution
    # says which training pairs are doubtful. The four teachers' averaged probabilities are scored as well (the
    # ensemble the students are distilled from). cf-all-co-e5-d2 is v3's own claim-only twin, never trained before.
    **{f"kd-t{k}": (V3, {"climate_all": True, "fold": [k, KD_FOLDS]}) for k in range(KD_FOLDS)},
    "kd-a5-d2": (V3, {"climate_all": True, "distill": 0.5}),
    "kd-a5-d1": (replace(V3, data_seed=1), {"climate_all": True, "distill": 0.5}),
    "kd-a5-d15": (replace(V3, data_seed=15), {"climate_all": True, "distill": 0.5}),
    "kd-a2-d2": (V3, {"climate_all": True, "distill": 0.2}),
    "kd-a2-d1": (replace(V3, data_seed=1), {"climate_all": True, "distill": 0.2}),
    "cf-all-co-e5-d2": (replace(V3, claim_only=True), {"climate_all": True}),
    # round 9: a larger teacher. all-mpnet-base-v2 (110M parameters, 7x MiniLM's cost: a teacher, never the
    # shipped model) fine-tuned with v3's data in three epochs at batch 32 (half the steps of batch 16: on a GPU a
    # step of this size costs launches, not arithmetic); its own distributions, softened by temperature TEACHER_T
    # (it saw these pairs), label the pairs it trained on (OUT/mp-targets.jsonl). The students are v3's recipe
    # towards alpha x gold + (1 - alpha) x that. cf-all-e5-d2-gl is v3's recipe with batches of similar token
    # length (`factcheck train --group-by-length`), whose effect on accuracy was never measured.
    "mp-t": (replace(V3, epochs=3, batch_size=32), {"climate_all": True, "teacher_base": True}),
    "kd-mp-a5": (V3, {"climate_all": True, "distill": 0.5, "targets": "mp-targets.jsonl"}),
    "kd-mp-a2": (V3, {"climate_all": True, "distill": 0.2, "targets": "mp-targets.jsonl"}),
    "cf-all-e5-d2-gl": (replace(V3, group_by_length=True), {"climate_all": True}),
    # round 10: distillation over pairs the teacher never trained on. mp-t (round 9) labels eval/sweep_extras.py's
    # transfer.jsonl (retrieved sentences for the training claims, negation edits against their evidence) with its
    # distributions (OUT/transfer-targets.jsonl); the students train on the gold pairs plus those, in three epochs
    # at batch 32 (what one GPU session's time allows after the teacher), beside the same schedule without them.
    "tr-mp": (TR, {"climate_all": True, "transfer": "transfer-targets.jsonl"}),
    "tr-mp-a5": (TR, {"climate_all": True, "transfer": "transfer-targets.jsonl", "distill": 0.5, "targets": "mp-targets.jsonl"}),
    "cf-all-e3-b32": (TR, {"climate_all": True}),
    # round 10 on a GPU with the teacher's labels made on the CPU (its whole device time for the students): tr-mp
    # in a second data order and with a fourth epoch, to pick by validation among runs whose spread on
    # Climate-FEVER (0.02 by seed in rounds 4-7) is a third of the margin asked
    "tr-mp-d1": (replace(TR, data_seed=1), {"climate_all": True, "transfer": "transfer-targets.jsonl"}),
    "tr-mp-e4": (replace(TR, epochs=4), {"climate_all": True, "transfer": "transfer-targets.jsonl"}),
    # And from the shipped verifier (v3, until another ships) rather than the base model: two epochs at a third
    # of the learning rate on the same data with the transfer pairs (tr-mp-v3) and without them (cf-all-v3-e2, its
    # control). Cheaper than a student from scratch, and it starts from the best MiniLM there is.
    "tr-mp-v3": (TR3, {"climate_all": True, "transfer": "transfer-targets.jsonl", "from_shipped": True}),
    "cf-all-v3-e2": (TR3, {"climate_all": True, "from_shipped": True}),
    # round 11: v3's recipe with every negation edit of both kinds (a contradicted claim negated is entailed, a
    # neutral pair negated stays neutral, and the recipes' own: an entailed claim negated is contradicted;
    # eval/experiments/negation_probe.py), from the base model: v3 calls almost no negated claim entailed; one CPU epoch of
    # these edits from v3 teaches it to read the negation but costs SciFact and Climate-FEVER (eval/experiments/README.md).
    "cf-all-e5-d2-sym": (V3, {"climate_all": True, "symmetric": 1.0, "symmetric_plain_too": True}),
    "cf-all-e5-d1-sym": (replace(V3, data_seed=1), {"climate_all": True, "symmetric": 1.0, "symmetric_plain_too": True}),
    "cf-all-e5-d1": (replace(V3, data_seed=1), {"climate_all": True}),
}
#: the teachers whose distributions over the training pairs a round writes, and where: (teachers, file, temperature)
TEACHER_T = 2.0
TEACHER_SETS = {
    "kd-ensemble": ([f"kd-t{k}" for k in range(KD_FOLDS)], "oof-targets.jsonl", 1.0),
    "mp-insample": (["mp-t"], "mp-targets.jsonl", TEACHER_T),
}
MPNET = "sentence-transformers/all-mpnet-base-v2"
SOUPS = {
    "soup-base": ["base-s13", "base-s14", "base-s15"],
    "soup-bs16": ["bs16", "bs16-s14", "bs16-s15"],
    "soup-cf-all": ["cf-all", "cf-all-s13", "cf-all-s14"],
    # v2 (bs16-s15) averaged with cf-all, the same recipe and seed on every Climate-FEVER training pair: the best
    # validation macro-F1 of any candidate, but worse claim-level figures than v2 end to end (not shipped)
    "soup-v3": ["bs16-s15", "cf-all"],
    # round 6: one init, three data orders
    "soup-cf-d": ["cf-all", "cf-all-d1", "cf-all-d2"],
    "soup-cft-d": ["cft", "cft-d1", "cft-d2"],
}
ROUND_1 = "base-s13,base-s14,base-s15,lr5e-5,lr2e-5,bs16,maxlen128,no-covid,sci-climate-x3,claim-only"
ROUND_2 = "bs16,bs16-s14,bs16-s15,bs16-lr5e-5,bs16-no-climate,claim-only-bs16,claim-only-bs16-no-climate"
ROUND_3 = "cf-all,cf-all-co,cf-soft,cf-soft-co,cf-soft-hn,cf-soft-hn-co,poe,poe-soft-hn"
ROUND_4 = "cf-all,cf-all-s13,cf-all-s14,cf-all-co-s13,cf-all-co-s14"
ROUND_5 = "bs16-s15,cf-all,claim-only-bs16,cf-all-co"  # -> soup-v3, and both members' claim-only twins
ROUND_6 = "cft,cft-s13,cft-s14,cft-d1,cft-d2,cf-all,cf-all-d1,cf-all-d2"
ROUND_7 = "cf-all-co,cf-all-co-d1,cf-all-co-d2,cf-all-e5,cf-all-e5-d2"
ROUND_8_TEACHERS = ",".join(f"kd-t{k}" for k in range(KD_FOLDS))  # writes OUT/oof-targets.jsonl, for:
ROUND_8 = "kd-a5-d2,kd-a5-d1,kd-a5-d15,kd-a2-d2,kd-a2-d1,cf-all-co-e5-d2"
ROUND_9_TEACHERS = "mp-t"  # with --teacher-base; writes mp-targets.jsonl for:
ROUND_9 = "kd-mp-a5,kd-mp-a2,cf-all-e5-d2-gl"
ROUND_10 = "tr-mp,tr-mp-v3,cf-all-e3-b32,cf-all-v3-e2"  # after round-9-teachers with transfer.jsonl in PAIRS
ROUND_10_GPU = "tr-mp,tr-mp-d1,tr-mp-e4,cf-all-e3-b32"  # transfer-targets.jsonl in PAIRS (labelled on a CPU)
ROUND_11 = "cf-all-e5-d2-sym,cf-all-e5-d1-sym,cf-all-e5-d1"  # cf-all-e5-d1: the second data order without the edits
ROUNDS = {"round-1": ROUND_1, "round-2": ROUND_2, "round-3": ROUND_3, "round-4": ROUND_4, "round-5": ROUND_5, "round-6": ROUND_6, "round-7": ROUND_7,
          "round-8-teachers": ROUND_8_TEACHERS, "round-8": ROUND_8, "round-9-teachers": ROUND_9_TEACHERS, "round-9": ROUND_9,
          "round-10": ROUND_10, "round-10-gpu": ROUND_10_GPU, "round-11": ROUND_11}
DEV_SETS = ("scifact-dev", "climate-fever-heldout", "fever-lite-test", "covid-fact-dev")
_NEGATION = re.compile(r"\b(not|no|never|none|cannot|does|do|did|is|are|was|were|n't)\b|n't")


def family(source: str) -> str:
    return source.split("-train")[0].split("-validation")[0]


def claim_group(claim: str) -> str:
    """A claim and its negation edit share a group."""
    key = " ".join(_NEGATION.sub(" ", claim.lower()).split())
    return hashlib.sha1(key.encode()).hexdigest()


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fold_of(claim: str, folds: int) -> int:
    """The cross-fitting fold of a claim's group (other bits of the hash than the validation split's)."""
    return int(claim_group(claim)[8:16], 16) % folds


def distilled(rows: list[dict], oof: list[dict], alpha: float) -> list[dict]:
    """``rows`` with target = alpha x their one-hot label + (1 - alpha) x the teachers' distribution for that
    (evidence, claim) (``write_targets``); a row without one keeps its label alone."""
    from factcheck.labels import STANCES, stance_of

    teacher = {(t["evidence"], t["claim"]): t["target"] for t in oof}
    out = []
    for r in rows:
        probs = teacher.get((r["evidence"], r["claim"]))
        if probs is not None:
            gold = STANCES.index(stance_of(r["label"]))
            r = dict(r, target=[alpha * (j == gold) + (1 - alpha) * p for j, p in enumerate(probs)])
        out.append(r)
    return out


def write_targets(out: Path, pairs: Path, teachers: list[str], sets: dict[str, list[dict]], filename: str, temperature: float = 1.0) -> dict:
    """The teachers' distributions over the training pairs (OUT/``filename``, what ``distill`` trains towards): a
    fold teacher labels the rows of the fold it never saw, a teacher without a fold every row (its logits divided
    by ``temperature`` first: it saw them); the teachers' averaged probabilities are scored on ``sets``."""
    import numpy as np
    from sklearn.metrics import f1_score

    from factcheck.labels import STANCES, stance_of
    from factcheck.verify import Verifier, VerifierConfig, expected_calibration_error, softmax

    options = CANDIDATES[teachers[0]][1]
    base = {k: v for k, v in options.items() if k not in ("fold", "teacher_base")}
    rows = training_rows(split_train(read(pairs / "train.jsonl"))[0], base, CANDIDATES[teachers[0]][0].seed, pairs)
    labelled, ensemble = [], {name: 0.0 for name in sets}
    for name in teachers:
        fold = CANDIDATES[name][1].get("fold")
        verifier = Verifier(VerifierConfig(model=str(out / name), batch_size=256))
        held = [r for r in rows if fold_of(r["claim"], fold[1]) == fold[0]] if fold else rows
        probs = softmax(verifier.logits([(r["evidence"], r["claim"]) for r in held]) / temperature)
        labelled += [{"evidence": r["evidence"], "claim": r["claim"], "label": r["label"], "target": [round(float(x), 5) for x in p]} for r, p in zip(held, probs)]
        for set_name, set_rows in sets.items():
            ensemble[set_name] = ensemble[set_name] + softmax(verifier.logits([(r["evidence"], r["claim"]) for r in set_rows])) / len(teachers)
    (out / filename).write_text("".join(json.dumps(r) + "\n" for r in labelled))
    gold_rows = np.array([STANCES.index(stance_of(r["label"])) for r in labelled])
    report = {"targets": {"file": filename, "temperature": temperature, "pairs": len(labelled),
                          "macro_f1": round(float(f1_score(gold_rows, np.array([r["target"] for r in labelled]).argmax(1), average="macro")), 4)}}
    for set_name, set_rows in sets.items():
        gold = np.array([STANCES.index(stance_of(r["label"])) for r in set_rows])
        report[set_name] = {
            "pairs": len(set_rows),
            "macro_f1": round(float(f1_score(gold, ensemble[set_name].argmax(1), average="macro")), 4),
            "ece_raw": round(expected_calibration_error(ensemble[set_name], gold), 4),
        }
    return report


def write_transfer(teacher: Path, pairs: Path, out: Path) -> dict:
    """``teacher``'s distributions over PAIRS/transfer.jsonl (pairs it never trained on), each row's label its
    argmax, written to ``out``: what round 10's students train towards."""
    from collections import Counter

    from factcheck.labels import STANCES
    from factcheck.verify import Verifier, VerifierConfig, softmax

    rows = read(pairs / "transfer.jsonl")
    probs = softmax(Verifier(VerifierConfig(model=str(teacher), batch_size=256)).logits([(r["evidence"], r["claim"]) for r in rows]))
    labelled = [dict(r, label=STANCES[int(p.argmax())], target=[round(float(x), 5) for x in p]) for r, p in zip(rows, probs)]
    out.write_text("".join(json.dumps(r) + "\n" for r in labelled))
    return {"file": out.name, "pairs": len(labelled), "labels": dict(Counter(r["label"] for r in labelled))}


def split_train(rows: list[dict], share: float = 0.1) -> tuple[list[dict], list[dict]]:
    train, validation = [], []
    for r in rows:
        (validation if int(claim_group(r["claim"])[:8], 16) % 1000 < share * 1000 else train).append(r)
    return train, validation


@functools.lru_cache(maxsize=4)
def _titles(pairs: Path, scope: str) -> dict[str, str]:
    return {t["evidence"]: t["title"].rstrip(" .") for t in read(pairs / "evidence-titles.jsonl") if scope in ("all", t["set"])}


def titled(rows: list[dict], pairs: Path, scope: str | None) -> list[dict]:
    """``rows`` with "title: " before the evidence where eval/sweep_extras.py found its document's title (scope
    "all", or one set: "scifact" / "climate-fever"); rows without a known title are left as they are."""
    if not scope:
        return rows
    titles = _titles(pairs, scope)
    return [dict(r, evidence=f"{titles[r['evidence']]}: {r['evidence']}") if r["evidence"] in titles else r for r in rows]


def symmetric_edits(rows: list[dict], seed: int, share: float, plain_too: bool = False) -> list[dict]:
    """The edits that only ``symmetric_negation`` makes, drawn from ``rows`` (their own edits left out) at rate
    ``share``: contradicted claims negated (entailment), entailed negated claims un-negated (contradiction),
    neutral pairs either way (neutral); with ``plain_too`` the recipes' own kinds drawn again beside them
    (entailed claims negated: contradiction), so that the added negated claims are not mostly entailed."""
    from factcheck.training import negation_flips

    plain = [r for r in rows if not r["source"].endswith("-flip")]
    return negation_flips(plain, random.Random(seed), share=share, symmetric=True, plain=plain_too)


def training_rows(rows: list[dict], options: dict, seed: int, pairs: Path | None = None) -> list[dict]:
    """Options: drop (families left out), oversample (family -> copies), and from eval/sweep_extras.py's files:
    climate_all (every Climate-FEVER training pair instead of the balanced share), soft (their vote-distribution
    targets), hardneg (retrieved neutrals for Climate-FEVER claims), poe (claim-only bias on every row), title
    (the document's title before the evidence: "all" or one set's), transfer (a file of teacher-labelled pairs
    added, their target distributions kept), symmetric (``symmetric_edits`` of the rows at that rate;
    symmetric_plain_too: the recipes' own kinds drawn again beside them)."""
    rows = [r for r in rows if family(r["source"]) not in options.get("drop", [])]
    if options.get("climate_all") or options.get("hardneg"):
        extra = read(pairs / "climate-fever-train-all.jsonl") if options.get("climate_all") else []
        extra += read(pairs / "climate-fever-train-hardneg.jsonl") if options.get("hardneg") else []
        if options.get("climate_all"):
            rows = [r for r in rows if family(r["source"]) != "climate-fever"]
        rows += split_train(extra)[0]  # the validation claims stay out, as in train.jsonl
    rows = [r if options.get("soft") else {k: v for k, v in r.items() if k != "target"} for r in rows]
    if options.get("fold"):
        rows = [r for r in rows if fold_of(r["claim"], options["fold"][1]) != options["fold"][0]]
    if options.get("distill") is not None:
        rows = distilled(rows, read(pairs / options.get("targets", "oof-targets.jsonl")), options["distill"])
    if options.get("transfer"):
        rows += split_train(read(pairs / options["transfer"]))[0]  # the validation claims stay out
    if options.get("symmetric"):
        rows += symmetric_edits(rows, seed, options["symmetric"], options.get("symmetric_plain_too", False))
    if options.get("poe"):
        bias = {b["claim"]: b["bias"] for b in read(pairs / "claim-only-bias.jsonl")}
        rows = [dict(r, bias=bias[r["claim"]]) for r in rows]
    if options.get("title"):
        rows = titled(rows, pairs, options["title"])
    out = []
    for r in rows:
        out += [r] * options.get("oversample", {}).get(family(r["source"]), 1)
    random.Random(seed).shuffle(out)
    return out


def train_one(name: str, pairs: Path, out: Path, base_model: str, epochs: int = 0, teacher_base: str = MPNET, group_by_length: bool = False) -> None:
    from factcheck.training import pairs_to_dataset, train_verifier
    from factcheck.verify import default_verifier_path

    config, options = CANDIDATES[name]
    start = teacher_base if options.get("teacher_base") else str(default_verifier_path()) if options.get("from_shipped") else base_model
    config = replace(config, base_model=start, epochs=epochs or config.epochs, group_by_length=group_by_length or config.group_by_length)
    train, validation = split_train(read(pairs / "train.jsonl"))
    rows = training_rows(train, options, config.seed, pairs)
    validation = titled(validation, pairs, options.get("title"))
    targets = sum("target" in r for r in rows)
    print(f"[{name}] {len(rows)} training pairs ({targets} with a target distribution), {len(validation)} validation pairs", flush=True)
    # an interrupted run (a CPU run that outlives a session) continues from its last epoch checkpoint
    result = train_verifier(pairs_to_dataset(rows), out / name, pairs_to_dataset(validation), config, resume=True)
    meta = json.loads((out / name / "factcheck_training.json").read_text())
    meta.update(candidate=name, data_options=options, validation_pairs=len(validation), training_pairs=len(rows))
    (out / name / "factcheck_training.json").write_text(json.dumps(meta, indent=2))
    print(f"[{name}] done: best epoch {result.best_epoch}, validation macro-F1 {result.dev_macro_f1:.4f}", flush=True)


def soup(members: list[Path], out: Path) -> Path:
    """The uniform weight average of ``members`` (fine-tunes of one base whose heads started equal), written to
    ``out`` in the first member's dtype with its config and tokenizer; not its calibration or aggregation fit,
    which belong to that model."""
    import shutil

    from safetensors.torch import load_file, save_file

    states = [load_file(str(m / "model.safetensors")) for m in members]
    if any(set(state) != set(states[0]) for state in states):
        sys.exit(f"{out.name}: members {members} do not have the same weights; only fine-tunes of one base soup")
    avg = {k: (sum(s[k].float() for s in states) / len(states)).to(states[0][k].dtype) if states[0][k].is_floating_point() else states[0][k] for k in states[0]}
    out.mkdir(parents=True, exist_ok=True)
    for item in members[0].iterdir():
        if item.is_file() and item.name not in ("model.safetensors", "factcheck_calibration.json", "factcheck_aggregation.json"):
            shutil.copy2(item, out / item.name)
    save_file(avg, str(out / "model.safetensors"), metadata={"format": "pt"})
    return out


def score(model_dir: Path, sets: dict[str, list[dict]], claim_only: bool) -> dict[str, dict]:
    import numpy as np
    from sklearn.metrics import f1_score

    from factcheck.labels import STANCES, stance_of
    from factcheck.verify import Verifier, VerifierConfig, expected_calibration_error, softmax

    # as the models read the claims (positive_claims off), comparable with the rounds before factcheck judged
    # negated claims through their positive form; eval/verifier_report.py gives a model's figures as factcheck runs it
    verifier = Verifier(VerifierConfig(model=str(model_dir), batch_size=256, positive_claims=False))
    report = {}
    for name, rows in sets.items():
        gold = np.array([STANCES.index(stance_of(r["label"])) for r in rows])
        logits = verifier.logits([("" if claim_only else r["evidence"], r["claim"]) for r in rows])
        report[name] = {
            "pairs": len(rows),
            "macro_f1": round(float(f1_score(gold, logits.argmax(1), average="macro")), 4),
            "ece_raw": round(expected_calibration_error(softmax(logits), gold), 4),
        }
    return report


def _title_scope(name: str) -> str | None:
    """A candidate's title option; a soup's is its first member's (soups mix no title options)."""
    return CANDIDATES[SOUPS[name][0] if name in SOUPS else name][1].get("title")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True, help="folder written by factcheck recipes")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--base-model", default=BASE.base_model, help="start from this model (default: all-MiniLM-L6-v2)")
    parser.add_argument("--teacher-base", default=MPNET, help=f"the teachers' base model, round 9 (default: {MPNET})")
    parser.add_argument("--only", default=ROUND_1, help="comma-separated candidates, or round-1 / round-2 (default: round-1)")
    parser.add_argument("--parallel", type=int, default=0, help="candidates trained at once (default: all on a GPU, 1 on CPU)")
    parser.add_argument("--deadline", type=float, default=0, help="stop waiting for training after this many seconds")
    parser.add_argument("--fever-sample", type=int, default=0, help="score FEVER-Lite test on this many pairs (default: all)")
    parser.add_argument("--epochs", type=int, default=0, help="train every candidate this many epochs (smoke runs; default: its own)")
    parser.add_argument("--group-by-length", action="store_true", help="batches of similar token length (faster on a CPU; the shipped recipes were trained without)")
    parser.add_argument("--train-one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.train_one:
        train_one(args.train_one, args.pairs, args.out, args.base_model, args.epochs, args.teacher_base, args.group_by_length)
        return
    import torch

    started = time.time()
    names = [n for n in ROUNDS.get(args.only, args.only).split(",") if n]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        sys.exit(f"unknown candidates {unknown}; choose from {list(CANDIDATES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    parallel = args.parallel or (len(names) if torch.cuda.is_available() else 1)
    env = dict(os.environ, OMP_NUM_THREADS=str(max(1, (os.cpu_count() or 2) // max(1, parallel))), TOKENIZERS_PARALLELISM="false")
    # a candidate already trained in OUT (an earlier, interrupted run) is kept, not retrained
    pending, running, seconds = [n for n in names if not (args.out / n / "model.safetensors").is_file()], {}, {}
    while pending or running:
        while pending and len(running) < parallel:
            name = pending.pop(0)
            log = open(args.out / f"{name}.log", "w")
            cmd = [sys.executable, __file__, "--pairs", str(args.pairs), "--out", str(args.out), "--base-model", args.base_model, "--teacher-base", args.teacher_base, "--epochs", str(args.epochs), "--train-one", name] + (["--group-by-length"] if args.group_by_length else [])
            running[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env), time.time())
        for name, (proc, t0) in list(running.items()):
            if proc.poll() is not None:
                seconds[name] = round(time.time() - t0, 1)
                print(f"{name}: exit {proc.returncode} after {seconds[name]} s", flush=True)
                del running[name]
        if args.deadline and time.time() - started > args.deadline:
            for name, (proc, _) in running.items():
                proc.kill()
                print(f"{name}: killed at the deadline", flush=True)
            break
        time.sleep(2)

    trained = [n for n in names if (args.out / n / "model.safetensors").is_file()]
    for soup_name, members in SOUPS.items():
        if all(m in trained for m in members):
            soup([args.out / m for m in members], args.out / soup_name)
            trained.append(soup_name)
    _, validation = split_train(read(args.pairs / "train.jsonl"))
    sets = {"validation": validation, **{n: read(args.pairs / f"{n}.jsonl") for n in DEV_SETS if (args.pairs / f"{n}.jsonl").is_file()}}
    if args.fever_sample and len(sets.get("fever-lite-test", [])) > args.fever_sample:
        sets["fever-lite-test"] = random.Random(0).sample(sets["fever-lite-test"], args.fever_sample)
    results = {}
    for name in trained:
        config = CANDIDATES[name][0] if name in CANDIDATES else BASE
        scope = _title_scope(name)
        results[name] = {
            "config": asdict(config) if name in CANDIDATES else {"soup_of": SOUPS[name]},
            "data_options": CANDIDATES[name][1] if name in CANDIDATES else {},
            "train_seconds": seconds.get(name),
            "scores": score(args.out / name, {k: titled(v, args.pairs, scope) for k, v in sets.items()}, config.claim_only),
        }
        print(name, json.dumps({k: v["macro_f1"] for k, v in results[name]["scores"].items()}), flush=True)
    for set_name, (teachers, filename, temperature) in TEACHER_SETS.items():
        if all(t in trained for t in teachers):
            scores = write_targets(args.out, args.pairs, teachers, sets, filename, temperature)
            results[set_name] = {"config": {"ensemble_of": teachers}, "data_options": {}, "train_seconds": None, "scores": scores}
            print(set_name, json.dumps({k: v["macro_f1"] for k, v in scores.items()}), flush=True)
    if "mp-t" in trained and (args.pairs / "transfer.jsonl").is_file():
        transfer = write_transfer(args.out / "mp-t", args.pairs, args.out / "transfer-targets.jsonl")
        results["mp-t"]["transfer"] = transfer
        print("transfer", json.dumps(transfer), flush=True)
    # a teacher of another base (round 9) is too large and slow to ship: never the pick
    verifiers = [n for n in results if not results[n]["config"].get("claim_only") and n in trained and not results[n]["data_options"].get("teacher_base")]
    best = max(verifiers, key=lambda n: results[n]["scores"]["validation"]["macro_f1"]) if verifiers else None
    summary = {
        "best": best,
        "selected_by": "validation macro-F1 (10 % of the training claims, held out)",
        "candidates": results,
        "command": "python eval/sweep_verifier.py --pairs PAIRS --out OUT" + ("" if args.only == ROUND_1 else f" --only {args.only}")
        + (f" --fever-sample {args.fever_sample}" if args.fever_sample else "") + (f" --epochs {args.epochs}" if args.epochs else "") + (" --group-by-length" if args.group_by_length else "")
        + (f" --teacher-base {Path(args.teacher_base).name}" if any(CANDIDATES[n][1].get("teacher_base") for n in names) else ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores" + (f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""),
        "date": date.today().isoformat(),
        "seconds": round(time.time() - started, 1),
    }
    (args.out / "sweep.json").write_text(json.dumps(summary, indent=2) + "\n")
    if best:
        from factcheck.training import export_fp16

        export_fp16(args.out / best, args.out / "best")
        print(f"best: {best} -> {args.out / 'best'}")


if __name__ == "__main__":
    main()
