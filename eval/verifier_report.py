"""Pair-level report of a verifier (and the claim-only baseline) on dev sets it never trained on.

    python eval/verifier_report.py --pairs-dir PAIRS [--claim-only MODEL] [--fit-temperature] [--limit 2000]

PAIRS is the folder written by `factcheck recipes --out PAIRS` (scifact-dev.jsonl, climate-fever-heldout.jsonl,
fever-lite-test.jsonl, covid-fact-dev.jsonl). Reports macro-F1 and ECE (before and after temperature scaling);
--fit-temperature fits the temperature on the SciFact and Climate-FEVER dev pairs and writes it beside the
verifier (factcheck_calibration.json). Results go to eval/results/verifier.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from factcheck.labels import STANCES, stance_of
from factcheck.verify import DEFAULT_VERIFIER, Verifier, VerifierConfig, calibrate, expected_calibration_error, softmax

FIT_ON = ("scifact-dev", "climate-fever-heldout")
DEV_SETS = ("scifact-dev", "climate-fever-heldout", "fever-lite-test", "covid-fact-dev")


def load(path: Path, limit: int | None, seed: int = 13) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if limit and len(rows) > limit:
        rows = random.Random(seed).sample(rows, limit)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs-dir", type=Path, required=True)
    parser.add_argument("--verifier", default=DEFAULT_VERIFIER)
    parser.add_argument("--claim-only", default=None, help="claim-only baseline model folder")
    parser.add_argument(
        "--claim-only-sweep",
        default=None,
        metavar="SWEEP_JSON:CANDIDATE",
        help="take the claim-only macro-F1 from a sweep result instead (full dev sets), e.g. "
        "eval/results/verifier-sweep.json:claim-only-bs16",
    )
    parser.add_argument("--limit", type=int, default=2000, help="pairs per set (random sample, seed 13; 0: all)")
    parser.add_argument("--fit-temperature", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "verifier.json")
    args = parser.parse_args()

    started = time.time()
    # the dev sets by name: PAIRS may also hold training extras (eval/sweep_extras.py)
    sets = {n: load(args.pairs_dir / f"{n}.jsonl", args.limit) for n in sorted(DEV_SETS) if (args.pairs_dir / f"{n}.jsonl").is_file()}
    verifier = Verifier(VerifierConfig(model=args.verifier))
    # the claim-only baseline reads the claims as written, as factcheck.evaluation.claim_only_baseline does
    baseline = Verifier(VerifierConfig(model=args.claim_only, positive_claims=False)) if args.claim_only else None
    logits, gold, claim_only, swapped = {}, {}, {}, {}
    for name, rows in sets.items():
        gold[name] = np.array([STANCES.index(stance_of(r["label"])) for r in rows])
        pairs = [(r["evidence"], r["claim"]) for r in rows]
        logits[name], swapped[name] = verifier.logits(pairs), verifier.judged_positively(pairs)
        if baseline is not None:
            claim_only[name] = baseline.predict([("", r["claim"]) for r in rows]).argmax(axis=1)
    temperature, positive_temperature = verifier.temperature, verifier.positive_form_temperature
    if args.fit_temperature:
        # one temperature for the claims judged as written, one for the negated claims judged through their
        # positive form (VerifierConfig.positive_claims), each fitted on its own pairs of the fit sets
        fit = [n for n in FIT_ON if n in sets]
        record = calibrate(verifier.path, *(np.concatenate([d[n] for n in fit]) for d in (logits, gold, swapped)), fit)
        temperature, positive_temperature = record["temperature"], record["temperature_positive_form"]
    rows_temperature = {n: np.where(swapped[n], positive_temperature, temperature)[:, None] for n in sets}
    swept, swept_pairs = {}, {}
    if args.claim_only_sweep:
        file, _, candidate = args.claim_only_sweep.rpartition(":")
        sweep = json.loads(Path(file).read_text())
        for round_ in sweep.get("rounds", [sweep]):
            if candidate in round_["candidates"]:
                scores = round_["candidates"][candidate]["scores"]
                swept = {n: v["macro_f1"] for n, v in scores.items()}
                swept_pairs = {n: v["pairs"] for n, v in scores.items()}
    report = {}
    for name in sets:
        raw = softmax(logits[name])
        calibrated = softmax(logits[name] / rows_temperature[name])
        entry = {
            "pairs": len(sets[name]),
            "judged_through_positive_form": int(swapped[name].sum()),
            "macro_f1": round(float(f1_score(gold[name], raw.argmax(axis=1), average="macro")), 4),
            "ece_raw": round(expected_calibration_error(raw, gold[name]), 4),
            "ece_calibrated": round(expected_calibration_error(calibrated, gold[name]), 4),
        }
        if name in claim_only:
            entry["claim_only_macro_f1"] = round(float(f1_score(gold[name], claim_only[name], average="macro")), 4)
        elif name in swept:
            entry["claim_only_macro_f1"] = swept[name]
            entry["claim_only_pairs"] = swept_pairs[name]
        if "claim_only_macro_f1" in entry:
            entry["margin_over_claim_only"] = round(entry["macro_f1"] - entry["claim_only_macro_f1"], 4)
        report[name] = entry
    result = {
        "verifier": args.verifier,
        "claim_only": args.claim_only,
        "temperature": round(temperature, 4),
        "temperature_positive_form": round(positive_temperature, 4),
        "sets": report,
        "command": "python eval/verifier_report.py --pairs-dir PAIRS"
        + (" --claim-only MODEL" if args.claim_only else "")
        + (f" --claim-only-sweep {args.claim_only_sweep}" if args.claim_only_sweep else "")
        + f" --limit {args.limit}"
        + (" --fit-temperature" if args.fit_temperature else ""),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "date": date.today().isoformat(),
        "seconds": round(time.time() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
