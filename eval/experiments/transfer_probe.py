"""Sweep round 10's student side, at CPU size: does distilling a teacher over pairs it labels (and nobody annotated)
move the shipped verifier on Climate-FEVER, beyond what more training on the same gold pairs does?

    factcheck recipes --data-dir ../shared/data --out PAIRS
    python eval/sweep_extras.py --data-dir ../shared/data --pairs PAIRS
    python -m eval.experiments.transfer_probe --data-dir ../shared/data --pairs PAIRS --work WORK --out eval/results/transfer-probe.json

Round 10's teacher (all-mpnet-base-v2 fine-tuned, 0.600 on Climate-FEVER) needs a GPU. The teacher here is the
best one a CPU has at hand: the shipped verifier's log-probabilities plus 1.5 x the shipped cross-lingual
classifier's (eval/experiments/verifier_fusion.py's best single fusion on validation; 0.546 on Climate-FEVER against v3's 0.529).
It labels transfer pairs built like round 10's (eval/sweep_extras.py's ``transfer_rows``), Climate-FEVER only:
for each training claim the CLIMATE_K sentences of other training claims' evidence that the embedder ranks nearest,
and its own evidence against its negation edit; the validation claims' pairs are dropped.

Two students start from the shipped verifier (v3) and train one epoch (lr 1e-5, batch 16, batches by length) on
every Climate-FEVER training pair with its gold label plus a REPLAY share of v3's other training pairs:
``control`` on that alone, ``transfer`` with the teacher-labelled pairs too (their distributions as targets). Both,
v3 and the teacher are scored like the sweep (validation split; dev sets; FEVER-Lite on its 3,000-pair sample).
About 21 minutes on a 2-core CPU (one epoch; ``--epochs 2``, 37). ``--teacher DIR`` takes a trained model as the
teacher instead (round 9's all-mpnet-base-v2 ``mp-t``: about 14 pairs/s here, so about half an hour more to label the
transfer pairs and score it). ``--climate-k 10 --scifact-k 4`` labels round 10's whole transfer set instead (17,246
pairs, SciFact training claims' nearest corpus sentences too; 15,620 once the validation claims are dropped).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from eval.experiments.verifier_diagnostics import emit, macro_f1
from eval.sweep_extras import transfer_rows
from eval.sweep_verifier import DEV_SETS, family, read, score, split_train, training_rows
from factcheck.labels import STANCES, stance_of
from factcheck.training import TrainConfig, pairs_to_dataset, train_verifier
from factcheck.verify import EmbeddingStanceClassifier, Verifier, VerifierConfig, default_verifier_path, xling_classifier_path

CLIMATE_K = 6
XLING_WEIGHT = 1.5
REPLAY = 0.3
STUDENT = TrainConfig(base_model=str(default_verifier_path()), epochs=1, learning_rate=1e-5, batch_size=16, seed=15, data_seed=2, group_by_length=True)


class Teacher:
    """v3's logits (claims as written, as the sweep scores them) and the teacher's log-probabilities over pairs, the
    models loaded once: v3 + XLING_WEIGHT x the cross-lingual classifier, or a trained model folder (``--teacher``)."""

    def __init__(self, model: str | None = None) -> None:
        self.verifier = Verifier(VerifierConfig(batch_size=64, positive_claims=False))
        self.model = Verifier(VerifierConfig(model=model, batch_size=64, positive_claims=False)) if model else None
        self.xling = None if model else EmbeddingStanceClassifier(xling_classifier_path())

    def __call__(self, rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        from scipy.special import log_softmax

        pairs = [(r["evidence"], r["claim"]) for r in rows]
        logits = self.verifier.logits(pairs)
        if self.model is not None:
            return logits, log_softmax(self.model.logits(pairs), axis=1)
        assert self.xling is not None
        return logits, log_softmax(logits, axis=1) + XLING_WEIGHT * np.log(self.xling.predict(pairs) + 1e-6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--pairs", type=Path, required=True, help="folder of factcheck recipes + eval/sweep_extras.py")
    parser.add_argument("--work", type=Path, required=True, help="where the two students are written")
    parser.add_argument("--epochs", type=int, default=STUDENT.epochs, help="the students' epochs (default: 1)")
    parser.add_argument("--teacher", default=None, help="a trained verifier folder as the teacher (e.g. sweep round 9's mp-t) instead of v3 + cross-lingual classifier")
    parser.add_argument("--no-control", action="store_true", help="train the transfer student only (the control does not depend on the teacher: results/transfer-probe*.json hold it)")
    parser.add_argument("--climate-k", type=int, default=CLIMATE_K, help=f"retrieved sentences per Climate-FEVER training claim (default: {CLIMATE_K}; round 10's set: 10)")
    parser.add_argument("--scifact-k", type=int, default=0, help="retrieved sentences per SciFact training claim (default: 0, none; round 10's set: 4)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    student = replace(STUDENT, epochs=args.epochs)
    from scipy.special import softmax

    started = time.time()
    train, validation = split_train(read(args.pairs / "train.jsonl"))
    sets = {"validation": validation, **{n: read(args.pairs / f"{n}.jsonl") for n in DEV_SETS}}
    sets["fever-lite-test"] = random.Random(0).sample(sets["fever-lite-test"], 3000)  # the sweep's sample

    teacher = Teacher(args.teacher)
    transfer = split_train(transfer_rows(args.data_dir, climate=args.climate_k, scifact=args.scifact_k))[0]
    probs = softmax(teacher(transfer)[1], axis=1)
    transfer = [dict(r, label=STANCES[int(p.argmax())], target=[round(float(x), 5) for x in p]) for r, p in zip(transfer, probs)]
    report: dict = {
        "teacher": Path(args.teacher).name if args.teacher else f"v3 log-probabilities + {XLING_WEIGHT} x the shipped cross-lingual classifier's",
        "transfer_pairs": len(transfer),
        "transfer_labels": {f"{s} {lab}": n for (s, lab), n in sorted(Counter((r["source"], r["label"]) for r in transfer).items())},
        "student": {**asdict(student), "base_model": "the shipped verifier (v3)", "replay": REPLAY},
        "scores": {},
    }
    report["scores"].update(teacher={}, v3={})
    for n, rows in sets.items():
        gold = np.array([STANCES.index(stance_of(r["label"])) for r in rows])
        logits, logp = teacher(rows)
        report["scores"]["v3"][n], report["scores"]["teacher"][n] = macro_f1(gold, logits), macro_f1(gold, logp)

    rng = random.Random(11)
    base = [r for r in training_rows(train, {"climate_all": True}, student.seed, args.pairs) if family(r["source"]) == "climate-fever" or rng.random() < REPLAY]
    for name, extra in ((("control", []),) if not args.no_control else ()) + (("transfer", transfer),):
        rows = [{k: v for k, v in r.items() if k in ("evidence", "claim", "label", "target")} for r in base + extra]
        random.Random(student.seed).shuffle(rows)
        t = time.time()
        result = train_verifier(pairs_to_dataset(rows), args.work / name, pairs_to_dataset(validation), student, resume=True)
        scores = {n: s["macro_f1"] for n, s in score(args.work / name, sets, False).items()}
        report["scores"][name] = {**scores, "training_pairs": len(rows), "train_seconds": round(time.time() - t), "best_epoch": result.best_epoch}
        print(name, json.dumps(report["scores"][name]), flush=True)
    emit(report, "python -m eval.experiments.transfer_probe --data-dir ../shared/data --pairs PAIRS --work WORK" + (f" --epochs {args.epochs}" if args.epochs != STUDENT.epochs else "") + (f" --teacher {Path(args.teacher).name}" if args.teacher else "") + (" --no-control" if args.no_control else "")
         + (f" --climate-k {args.climate_k}" if args.climate_k != CLIMATE_K else "") + (f" --scifact-k {args.scifact_k}" if args.scifact_k else ""), started, args.out)


if __name__ == "__main__":
    main()
