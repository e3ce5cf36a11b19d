"""Run the four public benchmarks (both modes where they apply) and refresh the table in eval/RESULTS.md.

    python eval/run_benchmarks.py --data-dir ../shared/data                 # all six runs, then the table
    python eval/run_benchmarks.py --data-dir ../shared/data --only scifact-oracle covid-fact-oracle
    python eval/run_benchmarks.py --table-only                             # re-render from the run folders
    python eval/run_benchmarks.py --data-dir ../shared/data --claim-only-model CLAIM_ONLY   # add that baseline

Each run is `factcheck eval NAME [--oracle] --data-dir DATA --out eval/results/runs/NAME-MODE`, run through the
installed console script and timed from process start to exit (index build included when the cache has no
index: run with an empty FACTCHECK_CACHE_DIR to time a fresh start). The wall time, the CPU time (user + system)
and the 1-minute load average before and after each run go to eval/results/runs.json; the table between the markers in eval/RESULTS.md is
rewritten from the run folders' metrics.json. predictions.jsonl stays in the run folders, uncommitted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS_DIR = HERE / "results" / "runs"
RUNS_LOG = HERE / "results" / "runs.json"
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- benchmarks:start (eval/run_benchmarks.py writes this part) -->", "<!-- benchmarks:end -->"
RUNS = [
    ("scifact", False),
    ("scifact", True),
    ("climate-fever", False),
    ("climate-fever", True),
    ("fever-lite", True),
    ("covid-fact", True),
]


def run_name(benchmark: str, oracle: bool) -> str:
    return f"{benchmark}-{'oracle' if oracle else 'end-to-end'}"


def factcheck_script() -> str:
    script = Path(sys.executable).with_name("factcheck")
    found = str(script) if script.exists() else shutil.which("factcheck")
    if not found:
        sys.exit("the factcheck console script is not installed: pip install '.[eval]'")
    return found


def run_all(data_dir: Path, only: list[str] | None, claim_only_model: str | None) -> None:
    log = json.loads(RUNS_LOG.read_text()) if RUNS_LOG.is_file() else {}
    for benchmark, oracle in RUNS:
        name = run_name(benchmark, oracle)
        if only and name not in only:
            continue
        out = RUNS_DIR / name
        shutil.rmtree(out, ignore_errors=True)
        args = ["eval", benchmark, *(["--oracle"] if oracle else []), "--data-dir", str(data_dir), "--out", str(out)]
        if claim_only_model:
            args += ["--claim-only-model", claim_only_model]
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([factcheck_script(), *args], check=True)
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        log[name] = {
            "command": "factcheck " + " ".join(args).replace(str(data_dir), "../shared/data").replace(str(HERE.parent) + "/", ""),
            "wall_seconds": round(time.perf_counter() - started, 1),
            # CPU time of the run (user + system, all threads): what the wall time would shrink towards on a quiet machine
            "cpu_seconds": round(cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "date": date.today().isoformat(),
        }
        RUNS_LOG.write_text(json.dumps(log, indent=2) + "\n")


def f3(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "-"


def table() -> str:
    log = json.loads(RUNS_LOG.read_text()) if RUNS_LOG.is_file() else {}
    rows = [
        "| benchmark | mode | claims | accuracy | macro-F1 | majority / retrieval-only / claim-only macro-F1 | ECE "
        "| recall@5 / MRR@10 / nDCG@10 | label-only F1 (P / R) | claims/s | latency p50 / p95 ms | peak RSS MiB | wall s / CPU s (load) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verifiers, dates = set(), set()
    for benchmark, oracle in RUNS:
        name = run_name(benchmark, oracle)
        file = RUNS_DIR / name / "metrics.json"
        if not file.is_file():
            continue
        m = json.loads(file.read_text())
        if "speed" not in m:  # a run folder from before this script: say so rather than mix formats
            rows.append(f"| {benchmark} | {m['mode']} | {m['n']} | {f3(m['accuracy'])} | {f3(m['macro_f1'])} | not rerun yet: see results/runs/{name} | | | | | | | |")
            continue
        verifiers.add(m["verifier"])
        dates.add(m.get("date", "")[:10])
        b, speed, r, e = m["baselines"], m["speed"], m.get("retrieval"), m.get("evidence_label_only")
        claim_only = f3(b["claim_only"]["macro_f1"]) if b["claim_only"].get("model") else "not run"
        run = log.get(name, {})
        load = run.get("load_average", [None, None])
        retrieval = " / ".join(f3(r[k]) for k in ("recall@5", "mrr@10", "ndcg@10")) if r else "-"
        label_only = f"{f3(e['f1'])} ({f3(e['precision'])} / {f3(e['recall'])})" if e else "-"
        rows.append(
            f"| {benchmark} | {m['mode']} | {m['n']} | {f3(m['accuracy'])} | {f3(m['macro_f1'])} "
            f"| {f3(b['majority_class']['macro_f1'])} / {f3(b['retrieval_only']['macro_f1'])} / {claim_only} "
            f"| {f3(m['calibration']['ece'])} | {retrieval} | {label_only} "
            f"| {speed['claims_per_second']} | {speed['latency_ms']['p50']} / {speed['latency_ms']['p95']} | {speed['peak_rss_mib']} "
            f"| {run.get('wall_seconds', '-')} / {run.get('cpu_seconds', '-')} ({load[0]} -> {load[1]}) |"
        )
    head = (
        f"`python eval/run_benchmarks.py --data-dir ../shared/data` ({', '.join(sorted(dates))}, "
        f"{platform.machine()} {os.cpu_count()}-core CPU, verifier {', '.join(sorted(verifiers))}, embedder all-MiniLM-L6-v2). "
        "Each row is `factcheck eval NAME [--oracle] --data-dir ../shared/data`; its run folder under `results/runs/` "
        "holds metrics.json, report.md and the plots; `results/runs.json` the exact command, wall and CPU time and load."
    )
    return "\n".join([head, "", *rows])


def write_table() -> None:
    text = RESULTS.read_text()
    if START not in text or END not in text:
        sys.exit(f"{RESULTS} lacks the markers {START} ... {END}")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    RESULTS.write_text(f"{before}{START}\n{table()}\n{END}{after}")
    print(f"wrote the benchmark table of {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", nargs="*", choices=[run_name(b, o) for b, o in RUNS], help="run only these")
    parser.add_argument("--claim-only-model", default=None, help="claim-only model folder, reported as a baseline")
    parser.add_argument("--table-only", action="store_true", help="only re-render the table from the run folders")
    args = parser.parse_args()
    if not args.table_only:
        run_all(args.data_dir.resolve(), args.only, args.claim_only_model)
    write_table()


if __name__ == "__main__":
    main()
