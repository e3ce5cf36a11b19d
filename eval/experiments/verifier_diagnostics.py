"""Why the verifier is only a little above the claim-only model on Climate-FEVER, and what cheap fixes give.

    factcheck recipes --data-dir ../shared/data --out PAIRS
    python -m eval.experiments.verifier_diagnostics --pairs-dir PAIRS --data-dir ../shared/data [--claim-only MODEL] \\
        --out eval/results/verifier-diagnostics.json

Two measurements, both at pair level with gold evidence, for the shipped verifier (or ``--verifier``):

1. Annotator agreement. Climate-FEVER gives every (claim, evidence) pair the votes of its annotators (two for
   most pairs); a tie between SUPPORTS and NOT_ENOUGH_INFO is labelled NOT_ENOUGH_INFO. The held-out pairs are
   split into unanimous and split-vote pairs, and macro-F1 is reported on each (for the claim-only model too
   when ``--claim-only`` names one).
2. Fixes that need no training, each applied to the verifier's logits, scored on the training pairs' held-out
   validation split (the split eval/sweep_verifier.py keeps out of training) and on the dev sets:
   - ``neutral+b``: add b to the neutral logit (a label-prior shift: training pairs are balanced, retrieved
     evidence is mostly neutral);
   - ``debias-a``: subtract a times the log-probabilities the verifier gives the claim with empty evidence
     (product-of-experts debiasing at inference: what the verifier believes from the claim alone);
   - ``use-w``: add w times the log-probabilities of the shipped multilingual stance classifier (USE
     embeddings, logistic regression): a second model of another family.
   A fix worth shipping raises macro-F1 on validation and on every dev set, not on one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
from scipy.special import log_softmax
from sklearn.metrics import f1_score

from eval.sweep_verifier import read, split_train
from factcheck.labels import STANCES, stance_of
from factcheck.verify import EmbeddingStanceClassifier, Verifier, VerifierConfig, xling_classifier_path

SETS = ("scifact-dev", "climate-fever-heldout", "fever-lite-test")


def macro_f1(gold: np.ndarray, scores: np.ndarray) -> float:
    return round(float(f1_score(gold, scores.argmax(axis=1), average="macro")), 4)


def emit(report: dict, command: str, started: float, out: Path | None) -> None:
    """Print ``report`` as JSON with the command, machine, date and run time, and write it to ``out`` if given."""
    report.update(command=command, machine=f"{platform.machine()}, {os.cpu_count()} cores", date=date.today().isoformat(), seconds=round(time.time() - started))
    text = json.dumps(report, indent=2)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")


def votes_of(rows: list[dict], data_dir: Path) -> list[list[str]]:
    """Each held-out Climate-FEVER pair's annotator votes (as stances), matched on (evidence, claim)."""
    found = {}
    for line in (data_dir / "climate-fever" / "climate-fever.jsonl").read_text().splitlines():
        claim = json.loads(line)
        for ev in claim["evidences"]:
            found[(ev["evidence"], claim["claim"])] = [stance_of(v) for v in ev["votes"] if v]
    return [found[(r["evidence"], r["claim"])] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs-dir", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--verifier", default=None, help="default: the shipped verifier")
    parser.add_argument("--claim-only", default=None, help="a claim-only model folder (eval/train_claim_only.py)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    started = time.time()

    verifier = Verifier(VerifierConfig(model=args.verifier) if args.verifier else VerifierConfig())
    baseline = Verifier(VerifierConfig(model=args.claim_only)) if args.claim_only else None
    use = EmbeddingStanceClassifier(xling_classifier_path())
    _, validation = split_train(read(args.pairs_dir / "train.jsonl"))
    sets = {"validation": validation, **{n: read(args.pairs_dir / f"{n}.jsonl") for n in SETS}}

    scored = {}
    for name, rows in sets.items():
        t = time.time()
        gold = np.array([STANCES.index(r["label"]) for r in rows])
        pairs = [(r["evidence"], r["claim"]) for r in rows]
        scored[name] = {
            "gold": gold,
            "verifier": log_softmax(verifier.logits(pairs), axis=1),
            "claim_alone": log_softmax(verifier.logits([("", c) for _, c in pairs]), axis=1),
            "use": np.log(use.predict(pairs) + 1e-6),
        }
        print(f"{name}: {len(rows)} pairs scored in {time.time() - t:.0f} s", flush=True)

    # 1. agreement
    climate = sets["climate-fever-heldout"]
    votes = votes_of(climate, args.data_dir)
    unanimous = np.array([len(set(v)) == 1 for v in votes])
    s = scored["climate-fever-heldout"]
    claim_only = baseline.predict([("", r["claim"]) for r in climate]) if baseline else None  # only the agreement split uses it
    agreement: dict = {
        "pairs": len(climate),
        "unanimous_pairs": int(unanimous.sum()),
        "votes_per_pair": {str(n): sum(len(v) == n for v in votes) for n in sorted({len(v) for v in votes})},
    }
    for part, mask in (("unanimous", unanimous), ("split", ~unanimous), ("all", np.ones_like(unanimous))):
        entry = {"pairs": int(mask.sum()), "verifier_macro_f1": macro_f1(s["gold"][mask], s["verifier"][mask])}
        if claim_only is not None:
            entry["claim_only_macro_f1"] = macro_f1(s["gold"][mask], claim_only[mask])
            entry["margin"] = round(entry["verifier_macro_f1"] - entry["claim_only_macro_f1"], 4)
        agreement[part] = entry

    # 2. fixes without training
    fixes = {"none": lambda d: d["verifier"]}
    for b in (0.25, 0.5, 1.0, 1.5):
        fixes[f"neutral+{b}"] = lambda d, b=b: d["verifier"] + np.array([0.0, b, 0.0])
    for a in (0.25, 0.5, 1.0):
        fixes[f"debias-{a}"] = lambda d, a=a: d["verifier"] - a * d["claim_alone"]
    for w in (0.25, 0.5, 1.0):
        fixes[f"use-{w}"] = lambda d, w=w: d["verifier"] + w * d["use"]
    table = {fix: {name: macro_f1(d["gold"], f(d)) for name, d in scored.items()} for fix, f in fixes.items()}

    report = {
        "verifier": args.verifier or "shipped",
        "claim_only": args.claim_only,
        "climate_fever_agreement": agreement,
        "fixes_macro_f1": table,
    }
    command = "python -m eval.experiments.verifier_diagnostics --pairs-dir PAIRS --data-dir ../shared/data" + (" --claim-only MODEL" if args.claim_only else "")
    emit(report, command, started, args.out)


if __name__ == "__main__":
    main()
