"""Does a second model of another family, fused with the shipped cross-encoder, lift Climate-FEVER?

    factcheck recipes --data-dir ../shared/data --out PAIRS
    python eval/sweep_extras.py --data-dir ../shared/data --pairs PAIRS
    python -m eval.experiments.verifier_fusion --pairs-dir PAIRS --out eval/results/verifier-fusion.json

The lead left by eval/experiments/verifier_diagnostics.py: adding the shipped multilingual stance classifier's
log-probabilities to the verifier's logits raised Climate-FEVER but cost SciFact. Here it is built in full, at
pair level with gold evidence, without touching the shipped models:

- experts: multinomial logistic regressions on sentence embeddings of the evidence (u) and the claim (v),
  features [u, v, |u - v|, u * v], trained on exactly the shipped verifier's training pairs (its recipe,
  ``cf-all-e5-d2`` in eval/sweep_verifier.py), one per embedder (USE multilingual, all-MiniLM-L6-v2), C chosen on
  validation; and the shipped cross-lingual classifier as it is (it saw part of the validation pairs);
- fusions: the verifier's log-probabilities plus w times an expert's, w chosen on validation; and a stacked
  logistic regression on both, fitted on validation (its validation figure is out-of-fold, 5 folds).

Validation is what the verifier never trained on: the held-out claims of train.jsonl and of the Climate-FEVER
training pairs (eval/sweep_verifier.py's split). Margins are over the claim-only model of the committed sweep
(``claim-only-bs16``, the one eval/results/verifier.json uses).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from eval.experiments.verifier_diagnostics import emit, macro_f1
from eval.sweep_verifier import CANDIDATES, read, split_train, training_rows
from factcheck.embed import EmbedderConfig, create_embedder
from factcheck.labels import STANCES, stance_of
from factcheck.verify import (
    EmbeddingStanceClassifier,
    Verifier,
    VerifierConfig,
    xling_classifier_path,
)

DEV_SETS = ("scifact-dev", "climate-fever-heldout", "fever-lite-test", "covid-fact-dev")
RECIPE = "cf-all-e5-d2"
EMBEDDERS = ("use-multilingual", "all-MiniLM-L6-v2")
WEIGHTS = (0.25, 0.5, 0.75, 1.0, 1.5)


def features(vectors: dict[str, np.ndarray], rows: list[dict]) -> np.ndarray:
    u = np.stack([vectors[r["evidence"]] for r in rows])
    v = np.stack([vectors[r["claim"]] for r in rows])
    return np.hstack([u, v, np.abs(u - v), u * v])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs-dir", type=Path, required=True)
    parser.add_argument("--sweep", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "verifier-sweep.json")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    started = time.time()

    config, options = CANDIDATES[RECIPE]
    train, validation = split_train(read(args.pairs_dir / "train.jsonl"))
    train = training_rows(train, options, config.seed, args.pairs_dir)
    seen = {(r["evidence"], r["claim"]) for r in validation}
    validation += [r for r in split_train(read(args.pairs_dir / "climate-fever-train-all.jsonl"))[1] if (r["evidence"], r["claim"]) not in seen]
    sets = {"validation": validation, **{n: read(args.pairs_dir / f"{n}.jsonl") for n in DEV_SETS}}
    gold = {n: np.array([STANCES.index(stance_of(r["label"])) for r in rows]) for n, rows in {"train": train, **sets}.items()}
    print(f"{len(train)} training pairs, {len(validation)} validation pairs", flush=True)

    verifier = Verifier(VerifierConfig())
    logp: dict[str, dict[str, np.ndarray]] = {n: {} for n in sets}
    for name, rows in sets.items():
        t = time.time()
        logp[name]["verifier"] = log_softmax(verifier.logits([(r["evidence"], r["claim"]) for r in rows]), axis=1)
        print(f"{name}: verifier on {len(rows)} pairs in {time.time() - t:.0f} s", flush=True)

    experts: dict[str, dict] = {}
    texts = sorted({t for rows in (train, *sets.values()) for r in rows for t in (r["evidence"], r["claim"])})
    for embedder in EMBEDDERS:
        t = time.time()
        vectors = dict(zip(texts, create_embedder(EmbedderConfig(model=embedder)).encode(texts)))
        x_train = features(vectors, train)
        x = {n: features(vectors, rows) for n, rows in sets.items()}
        best = None
        for c in (0.3, 1.0, 3.0):
            model = LogisticRegression(C=c, max_iter=3000).fit(x_train, gold["train"])
            score = macro_f1(gold["validation"], model.predict_proba(x["validation"]))
            if best is None or score > best[0]:
                best = (score, c, model)
        assert best is not None
        for n in sets:
            logp[n][embedder] = np.log(best[2].predict_proba(x[n]) + 1e-6)
        experts[embedder] = {"C": best[1], "seconds": round(time.time() - t)}
        print(f"{embedder}: expert C={best[1]} in {time.time() - t:.0f} s", flush=True)
    shipped = EmbeddingStanceClassifier(xling_classifier_path())
    for name, rows in sets.items():
        logp[name]["shipped-xling"] = np.log(shipped.predict([(r["evidence"], r["claim"]) for r in rows]) + 1e-6)

    table: dict[str, dict[str, float]] = {"verifier": {n: macro_f1(gold[n], logp[n]["verifier"]) for n in sets}}
    chosen: dict[str, float] = {}
    for expert in (*EMBEDDERS, "shipped-xling"):
        table[f"{expert} alone"] = {n: macro_f1(gold[n], logp[n][expert]) for n in sets}
        scores = {w: {n: macro_f1(gold[n], logp[n]["verifier"] + w * logp[n][expert]) for n in sets} for w in WEIGHTS}
        w = max(WEIGHTS, key=lambda w: scores[w]["validation"])
        chosen[expert] = w
        table[f"verifier + {w} x {expert}"] = scores[w]
    for parts in (("verifier", "use-multilingual"), ("verifier", "use-multilingual", "all-MiniLM-L6-v2")):
        x = {n: np.hstack([logp[n][p] for p in parts]) for n in sets}
        stack = LogisticRegression(C=0.1, max_iter=3000, class_weight="balanced")
        row = {"validation": macro_f1(gold["validation"], cross_val_predict(stack, x["validation"], gold["validation"], cv=5, method="predict_proba"))}
        stack.fit(x["validation"], gold["validation"])
        row.update({n: macro_f1(gold[n], stack.predict_proba(x[n])) for n in DEV_SETS})
        table["stacked " + " + ".join(parts)] = row

    claim_only: dict[str, float] = {}
    for round_ in json.loads(args.sweep.read_text())["rounds"]:
        if "claim-only-bs16" in round_["candidates"]:
            claim_only = {n: v["macro_f1"] for n, v in round_["candidates"]["claim-only-bs16"]["scores"].items()}
    margins = {fusion: {n: round(row[n] - claim_only[n], 4) for n in DEV_SETS if n in claim_only} for fusion, row in table.items()}
    report = {
        "recipe": RECIPE,
        "pairs": {n: len(rows) for n, rows in {"train": train, **sets}.items()},
        "experts": experts,
        "weights_chosen_on_validation": chosen,
        "macro_f1": table,
        "claim_only_model": "claim-only-bs16 (eval/results/verifier-sweep.json)",
        "margin_over_claim_only": margins,
    }
    emit(report, "python -m eval.experiments.verifier_fusion --pairs-dir PAIRS", started, args.out)


if __name__ == "__main__":
    main()
