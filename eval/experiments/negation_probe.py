"""Does the verifier read a negation in the claim, or take it as a cue for "contradiction"?

    factcheck recipes --data-dir ../shared/data --out PAIRS
    python eval/sweep_extras.py --data-dir ../shared/data --pairs PAIRS
    python -m eval.experiments.negation_probe --pairs PAIRS --out eval/results/negation-probe.json
    python -m eval.experiments.negation_probe --pairs PAIRS --train WORK --out ...     # also trains the two students below

The probe: every pair of the validation split (held-out training claims) and of the dev sets (FEVER-Lite on the
sweep's 3,000-pair sample) whose claim takes the recipes' minimal negation edit (``flip_negation``: "is" <->
"is not"), with the label that edit gives: entailment <-> contradiction, neutral stays neutral (evidence that
says nothing about "X is Y" says nothing about "X is not Y"). A model that reads the claim keeps its macro-F1
on the edited pairs; one that learned "a negated claim is contradicted" calls the negated claims that the evidence
entails, or does not address, contradicted. In the recipes' training pairs 71 % of the negated claims are
contradicted: the only negation edits they make are the ones that turn a claim into "contradiction" or undo a
negation into "entailment".

``--train WORK`` fine-tunes two students from the shipped verifier, one epoch (lr 1e-5, batch 16, batches by
length) on v3's own training pairs (``cf-all-e5-d2``'s rows): ``control`` on those alone, ``symmetric`` with the
negation edits that ``RecipeConfig.symmetric_negation`` adds (a contradicted claim negated is entailed; a neutral
pair negated stays neutral), drawn from the same pairs at the recipes' rate (30 %). Both are scored on the probe
and on the sweep's sets. Every model is scored as it reads the claims (``positive_claims=False``);
``--positive-claims`` adds the shipped verifier as factcheck runs it, each negated claim judged through its
positive form (``VerifierConfig.positive_claims``), which undoes the probe's own edit by construction: its figure
on the edited pairs measures consistency, the whole sets' figures the effect on the negations people wrote.
About 30 minutes on a 2-core CPU; `--share 1.0 --lr 2e-05 --no-control` trains
the symmetric student alone on every such edit at twice the learning rate (20 minutes), and `--plain-too` adds
the recipes' own kind again beside them (an entailed claim negated is contradicted), so that the negated claims
added are as often contradicted as entailed (26 minutes).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, recall_score

from eval.experiments.verifier_diagnostics import emit
from eval.sweep_verifier import DEV_SETS, read, split_train, symmetric_edits, training_rows
from factcheck.labels import CONTRADICTION, ENTAILMENT, NEUTRAL, STANCES, stance_of
from factcheck.training import NEGATED, TrainConfig, flip_negation, pairs_to_dataset, train_verifier
from factcheck.verify import Verifier, VerifierConfig, default_verifier_path

FLIP = {ENTAILMENT: CONTRADICTION, CONTRADICTION: ENTAILMENT, NEUTRAL: NEUTRAL}
STUDENT = TrainConfig(base_model=str(default_verifier_path()), epochs=1, learning_rate=1e-5, batch_size=16, seed=15, data_seed=2, group_by_length=True)


def edited(rows: list[dict]) -> tuple[list[int], list[dict]]:
    """The indices of the rows whose claim takes the negation edit, and their edits with the label it gives."""
    at, edits = [], []
    for i, r in enumerate(rows):
        claim = flip_negation(r["claim"])
        if claim is not None:
            at.append(i)
            edits.append(dict(r, claim=claim, label=FLIP[stance_of(r["label"])]))
    return at, edits


def probe(verifier: Verifier, sets: dict[str, list[dict]]) -> dict[str, dict]:
    """Per set: macro-F1 on the whole set, on the rows the edit applies to and on their edits; recall of each
    label on the edits that added a negation; and how often the edit's prediction is the original's mapped."""
    report = {}
    for name, rows in sets.items():
        at, edits = edited(rows)
        logits = verifier.logits([(r["evidence"], r["claim"]) for r in rows + edits])
        pred = logits.argmax(1)
        gold = np.array([STANCES.index(stance_of(r["label"])) for r in rows + edits])
        whole, flipped = slice(0, len(rows)), slice(len(rows), len(rows) + len(edits))
        added = np.array([bool(NEGATED.search(r["claim"])) for r in edits])
        mapped = np.array([STANCES.index(FLIP[STANCES[p]]) for p in pred[at]])
        g, p = gold[flipped][added], pred[flipped][added]
        recalls = recall_score(g, p, labels=[0, 1, 2], average=None, zero_division=0)
        report[name] = {
            "pairs": len(rows),
            "edited": len(edits),
            "negation_added": int(added.sum()),
            "macro_f1": round(float(f1_score(gold[whole], pred[whole], average="macro")), 4),
            "macro_f1_originals": round(float(f1_score(gold[at], pred[at], average="macro")), 4),
            "macro_f1_edits": round(float(f1_score(gold[flipped], pred[flipped], average="macro")), 4),
            "negated_recall": {s: round(float(x), 4) for s, x in zip(STANCES, recalls)},
            "negated_gold": {s: int((g == i).sum()) for i, s in enumerate(STANCES)},
            "negated_called_contradiction": round(float((p == 2).mean()), 4),
            "consistent": round(float((pred[flipped] == mapped).mean()), 4),
        }
        print(name, json.dumps(report[name]), flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True, help="folder of factcheck recipes + eval/sweep_extras.py")
    parser.add_argument("--verifier", action="append", default=[], metavar="NAME=DIR", help="also probe these models")
    parser.add_argument("--train", type=Path, default=None, metavar="WORK", help="train the two students into WORK")
    parser.add_argument("--base", default=str(default_verifier_path()), help="the students' start (default: the shipped verifier)")
    parser.add_argument("--share", type=float, default=0.3, help="rate of the symmetric edits (default: the recipes' 0.3)")
    parser.add_argument("--lr", type=float, default=STUDENT.learning_rate)
    parser.add_argument("--plain-too", action="store_true", help="add the recipes' own negation edits again beside the symmetric ones")
    parser.add_argument("--no-control", action="store_true", help="train the symmetric student only")
    parser.add_argument("--positive-claims", action="store_true", help="also score the shipped verifier as factcheck runs it (VerifierConfig.positive_claims)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    student = replace(STUDENT, base_model=args.base, learning_rate=args.lr)

    started = time.time()
    train, validation = split_train(read(args.pairs / "train.jsonl"))
    sets = {"validation": validation, **{n: read(args.pairs / f"{n}.jsonl") for n in DEV_SETS}}
    sets["fever-lite-test"] = random.Random(0).sample(sets["fever-lite-test"], 3000)  # the sweep's sample
    models = {"v3": str(default_verifier_path()), **dict(v.split("=", 1) for v in args.verifier)}
    report: dict = {"scores": {}}

    if args.train:
        base = training_rows(train, {"climate_all": True}, student.seed, args.pairs)
        extra = symmetric_edits(base, student.seed, args.share, args.plain_too)
        report["student"] = {**asdict(student), "symmetric_share": args.share, "plain_too": args.plain_too}
        report["symmetric_edits"] = {lab: sum(r["label"] == lab for r in extra) for lab in STANCES}
        report["training"] = {}
        for name, rows in ((("control", base),) if not args.no_control else ()) + (("symmetric", base + extra),):
            rows = [{k: r[k] for k in ("evidence", "claim", "label")} for r in rows]
            random.Random(student.seed).shuffle(rows)
            t = time.time()
            result = train_verifier(pairs_to_dataset(rows), args.train / name, pairs_to_dataset(validation), student, resume=True)
            report["training"][name] = {"pairs": len(rows), "seconds": round(time.time() - t), "best_epoch": result.best_epoch}
            models[name] = str(args.train / name)

    for name, path in models.items():
        print(f"[{name}] {path}", flush=True)
        report["scores"][name] = probe(Verifier(VerifierConfig(model=path, batch_size=64, positive_claims=False)), sets)
    if args.positive_claims:  # the shipped behaviour: negated claims judged through their positive form
        report["scores"]["v3, positive claims"] = probe(Verifier(VerifierConfig(batch_size=64)), sets)
    command = "python -m eval.experiments.negation_probe --pairs PAIRS" + (" --train WORK" if args.train else "")
    command += "".join(f" --{k.replace('_', '-')} {getattr(args, k)}" for k in ("share", "lr") if args.train and getattr(args, k) != parser.get_default(k))
    command += (" --positive-claims" if args.positive_claims else "") + (" --plain-too" if args.plain_too else "") + (" --no-control" if args.no_control else "") + (" --base BASE" if args.base != parser.get_default("base") else "")
    emit(report, command + "".join(f" --verifier {v}" for v in args.verifier), started, args.out)


if __name__ == "__main__":
    main()
