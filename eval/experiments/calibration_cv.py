"""How well the verifier's calibration holds on pairs it was not fitted on.

    python -m eval.experiments.calibration_cv --pairs-dir PAIRS [--verifier DIR] [--cache FILE.npz] [--out eval/results/calibration-cv.json]

The shipped temperatures (factcheck_calibration.json) are fitted on the SciFact and Climate-FEVER dev pairs and the
pair-level report (eval/verifier_report.py) measures their ECE on those same pairs: an in-sample figure. This script
scores every dev pair once and refits each calibrator

- ``temperatures``: what ships, one temperature for the claims judged as written and one for the negated claims
  judged through their positive form;
- ``temperature``: one temperature for every pair;
- ``temperatures+bias``: the two temperatures plus one bias per stance (fitted jointly, negative log-likelihood);
  it can move a pair's arg-max, so its macro-F1 is reported beside the ECE;
- ``temperature-per-stance``: one temperature for each arg-max stance (and the positive-form one), so
  the pairs the verifier calls neutral, which it under-rates, and those it calls supported or refuted, which it
  over-rates, are scaled apart; a row's temperature never moves its arg-max;
- ``temperatures+uniform``: the two temperatures, then mixed with the uniform distribution (its weight fitted too;
  arg-max kept);

three ways: in-sample (what the report does), across sets (fitted on SciFact, scored on Climate-FEVER and the
other way round) and out of fold (5 folds over both sets' pairs, grouped by claim so that no claim is in both
sides, 3 seeds). FEVER-Lite and COVID-Fact are never fitted on. ECE with 15 equal-width bins (the report's), and
10 and 20 to show how much the binning alone moves it.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from factcheck.labels import STANCES, stance_of
from factcheck.verify import DEFAULT_VERIFIER, Verifier, VerifierConfig, expected_calibration_error, softmax

FIT_ON = ("scifact-dev", "climate-fever-heldout")
DEV_SETS = ("scifact-dev", "climate-fever-heldout", "fever-lite-test", "covid-fact-dev")
CALIBRATORS = ("temperatures", "temperature", "temperatures+bias", "temperature-per-stance", "temperatures+uniform")
BINS = (10, 15, 20)


def score(pairs_dir: Path, verifier_dir: str, cache: Path | None) -> dict[str, dict[str, np.ndarray]]:
    """Every dev pair's logits, gold stance, claim, and whether it was judged through its positive form."""
    if cache is not None and cache.is_file():
        data = np.load(cache, allow_pickle=False)
        return {n: {k: data[f"{n}/{k}"] for k in ("logits", "gold", "swapped", "claim")} for n in DEV_SETS if f"{n}/logits" in data}
    verifier = Verifier(VerifierConfig(model=verifier_dir))
    out: dict[str, dict[str, np.ndarray]] = {}
    for name in DEV_SETS:
        path = pairs_dir / f"{name}.jsonl"
        if not path.is_file():
            continue
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        pairs = [(r["evidence"], r["claim"]) for r in rows]
        out[name] = {
            "logits": verifier.logits(pairs),
            "gold": np.array([STANCES.index(stance_of(r["label"])) for r in rows]),
            "swapped": verifier.judged_positively(pairs),
            "claim": np.array([r["claim"] for r in rows]),
        }
    if cache is not None:
        np.savez(cache, **{f"{n}/{k}": v for n, d in out.items() for k, v in d.items()})
    return out


def _log_probs(params: np.ndarray, logits: np.ndarray, swapped: np.ndarray, kind: str) -> np.ndarray:
    if kind == "temperature":
        t = np.full(len(logits), params[0])
    elif kind == "temperature-per-stance":
        t = np.where(swapped, params[3], params[logits.argmax(axis=1)])
    else:
        t = np.where(swapped, params[1], params[0])
    z = logits / t[:, None]
    if kind == "temperatures+bias":
        z = z + np.array([params[2], 0.0, params[3]])  # neutral's bias fixed at 0: softmax is shift-invariant
    z = z - z.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    if kind == "temperatures+uniform":
        log_probs = np.log((1 - params[2]) * np.exp(log_probs) + params[2] / logits.shape[1])
    return log_probs


START = {
    "temperature": ([1.5], [(0.05, 20.0)]),
    "temperatures": ([1.5, 1.5], [(0.05, 20.0)] * 2),
    "temperatures+bias": ([1.5, 1.5, 0.0, 0.0], [(0.05, 20.0)] * 2 + [(-5.0, 5.0)] * 2),
    "temperature-per-stance": ([1.5] * 4, [(0.05, 20.0)] * 4),
    "temperatures+uniform": ([1.5, 1.5, 0.05], [(0.05, 20.0)] * 2 + [(0.0, 0.9)]),
}


def fit(kind: str, logits: np.ndarray, gold: np.ndarray, swapped: np.ndarray) -> np.ndarray:
    """The calibrator's parameters that minimize the negative log-likelihood of the gold stances."""
    start, bounds = START[kind]

    def nll(params: np.ndarray) -> float:
        return float(-_log_probs(params, logits, swapped, kind)[np.arange(len(gold)), gold].mean())

    return minimize(nll, np.array(start), method="L-BFGS-B", bounds=bounds).x


def apply(kind: str, params: np.ndarray, logits: np.ndarray, swapped: np.ndarray) -> np.ndarray:
    return np.exp(_log_probs(params, logits, swapped, kind))


def metrics(probs: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    out = {f"ece_{b}": round(expected_calibration_error(probs, gold, bins=b), 4) for b in BINS}
    out["macro_f1"] = round(float(f1_score(gold, probs.argmax(axis=1), average="macro")), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs-dir", type=Path, required=True)
    parser.add_argument("--verifier", default=DEFAULT_VERIFIER)
    parser.add_argument("--cache", type=Path, default=None, help="npz of the scored pairs (written if missing)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "calibration-cv.json")
    args = parser.parse_args()

    started = time.time()
    cached = args.cache is not None and args.cache.is_file()
    data = score(args.pairs_dir, args.verifier, args.cache)
    fit_sets = [n for n in FIT_ON if n in data]
    pooled = {k: np.concatenate([data[n][k] for n in fit_sets]) for k in ("logits", "gold", "swapped", "claim")}
    set_of = np.concatenate([np.full(len(data[n]["gold"]), n) for n in fit_sets])
    result: dict = {"sets": {n: {"pairs": int(len(d["gold"])), "judged_through_positive_form": int(d["swapped"].sum())} for n, d in data.items()}}
    result["raw"] = {n: metrics(softmax(d["logits"]), d["gold"]) for n, d in data.items()}
    for kind in CALIBRATORS:
        entry: dict = {}
        params = fit(kind, pooled["logits"], pooled["gold"], pooled["swapped"])
        entry["parameters_fitted_on_both"] = [round(float(p), 4) for p in params]
        entry["in_sample"] = {n: metrics(apply(kind, params, d["logits"], d["swapped"]), d["gold"]) for n, d in data.items()}
        entry["across_sets"] = {}
        for target in fit_sets:
            (source,) = [s for s in fit_sets if s != target]
            p = fit(kind, data[source]["logits"], data[source]["gold"], data[source]["swapped"])
            d = data[target]
            entry["across_sets"][target] = {"fitted_on": source, "parameters": [round(float(x), 4) for x in p], **metrics(apply(kind, p, d["logits"], d["swapped"]), d["gold"])}
        per_seed: dict[str, list[dict[str, float]]] = {n: [] for n in fit_sets}
        for seed in range(args.seeds):
            oof = np.zeros_like(pooled["logits"])
            folds = GroupKFold(n_splits=args.folds, shuffle=True, random_state=seed)
            for train_idx, test_idx in folds.split(pooled["logits"], groups=pooled["claim"]):
                p = fit(kind, pooled["logits"][train_idx], pooled["gold"][train_idx], pooled["swapped"][train_idx])
                oof[test_idx] = apply(kind, p, pooled["logits"][test_idx], pooled["swapped"][test_idx])
            for n in fit_sets:
                per_seed[n].append(metrics(oof[set_of == n], pooled["gold"][set_of == n]))
        entry["out_of_fold"] = {
            n: {**{k: round(float(np.mean([m[k] for m in runs])), 4) for k in runs[0]}, "per_seed": runs} for n, runs in per_seed.items()
        }
        result[kind] = entry
    result.update(
        {
            "verifier": args.verifier,
            "command": "python -m eval.experiments.calibration_cv --pairs-dir PAIRS" + (f" --folds {args.folds}" if args.folds != 5 else "") + (f" --seeds {args.seeds}" if args.seeds != 3 else ""),
            "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
            "date": date.today().isoformat(),
            "seconds": round(time.time() - started, 1),
            "scores_from_cache": cached,
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    summary = {k: {s: {m: v[s] for m, v in result[k].items() if m in ("in_sample", "out_of_fold", "across_sets") and s in v} for s in fit_sets} for k in CALIBRATORS}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
