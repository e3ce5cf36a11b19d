"""Check that a change of code left the committed benchmark figures as they were: rerun some of the benchmark runs
of eval/results/runs/ through the installed console script into a scratch folder and compare every accuracy,
calibration and retrieval figure with the committed metrics.json (speed is reported beside, not compared: it
depends on the machine's load).

    python -m eval.experiments.same_figures --data-dir ../shared/data --only scifact-oracle covid-fact-oracle

writes eval/results/same-figures.json (per run: same or the figures that differ, old and new claims/s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from eval.run_benchmarks import RUNS, factcheck_script, run_name

HERE = Path(__file__).resolve().parent.parent
RUNS_DIR = HERE / "results" / "runs"
#: the figures a code change must not move (dotted paths into metrics.json).
COMPARED = ("n", "accuracy", "macro_f1", "per_class", "confusion", "calibration.ece", "calibration.bins", "retrieval", "evidence_label_only",
            "baselines.majority_class", "baselines.retrieval_only", "config", "similarity_gate")


def _get(tree: object, path: str) -> object:
    for part in path.split("."):
        tree = tree.get(part) if isinstance(tree, dict) else None
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", nargs="*", default=None, help="run names (default: all six)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one); its cache keeps the indexes")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "same-figures.json")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="same-figures-"))
    env = {**os.environ, "FACTCHECK_CACHE_DIR": str(work / "cache"), "HF_HUB_OFFLINE": "1"}
    report: dict = {"command": " ".join(["python -m eval.experiments.same_figures", *sys.argv[1:]]), "date": date.today().isoformat(),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores", "compared": list(COMPARED), "runs": {}}
    for benchmark, oracle in RUNS:
        name = run_name(benchmark, oracle)
        if args.only and name not in args.only:
            continue
        started = time.perf_counter()
        cmd = [factcheck_script(), "eval", benchmark, *(["--oracle"] if oracle else []), "--data-dir", str(args.data_dir), "--out", str(work / name)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"{name}: factcheck eval failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
        old = json.loads((RUNS_DIR / name / "metrics.json").read_text())
        new = json.loads((work / name / "metrics.json").read_text())
        differ = {key: {"committed": _get(old, key), "now": _get(new, key)} for key in COMPARED if _get(old, key) != _get(new, key)}
        report["runs"][name] = {
            "same": not differ,
            "differ": differ,
            "accuracy": new["accuracy"],
            "macro_f1": new["macro_f1"],
            "claims_per_second": {"committed": old["speed"]["claims_per_second"], "now": new["speed"]["claims_per_second"]},
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(f"{name}: {'same figures' if not differ else 'DIFFERENT: ' + ', '.join(differ)} ({report['runs'][name]['seconds']} s)", flush=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
