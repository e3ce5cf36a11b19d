"""Load on ``factcheck serve`` (issue 28): N concurrent clients for T seconds against a real server on loopback,
compared with ``factcheck check --file`` on the same claims in the same run.

The claims: the first LIMIT claims of the plain dev suite (eval/plain/dev/claims.jsonl); the evidence: an index of
its corpus, built here into a temporary folder with the console script. Each client sends one claim a request
(POST /check), the next claim of the list, as fast as the answers come; the server batches what arrives together.
Reported: claims/s, latency percentiles, errors, the server's peak resident memory and its batches; and for
``check --file``: the claims/s of the whole command and after its start-up (the same command on one claim), since
the server pays its start-up once. Bounded: loopback only, SECONDS of load, one ``check --file`` run of the claims.

    python eval/serve_load.py --clients 8 --seconds 30 --out eval/results/serve-load.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
SUITE = HERE / "plain" / "dev"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port: int, path: str, body: dict, timeout: float = 300) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def _get(port: int, path: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def check_file(script: str, index: Path, claims: list[str], tmp: Path) -> dict:
    """``factcheck check --file`` on the claims, and on one claim (its start-up), each timed whole."""
    times = {}
    for name, rows in (("all", claims), ("one", claims[:1])):
        file = tmp / f"{name}.txt"
        file.write_text("\n".join(rows) + "\n", encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([script, "check", "--file", str(file), "--index", str(index), "--out", str(tmp / f"{name}.jsonl")], check=True, capture_output=True)
        times[name] = time.perf_counter() - start
    return {
        "claims": len(claims),
        "seconds": round(times["all"], 2),
        "startup_seconds": round(times["one"], 2),
        "claims_per_second": round(len(claims) / times["all"], 2),
        "claims_per_second_after_startup": round((len(claims) - 1) / max(times["all"] - times["one"], 1e-9), 2),
    }


def load(port: int, pid: int, claims: list[str], clients: int, seconds: float) -> dict:
    """``clients`` threads posting one claim a request for ``seconds``; the server's RSS sampled meanwhile."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    process = psutil.Process(pid)
    peak = [process.memory_info().rss]

    def client(k: int) -> None:
        i = k
        while time.monotonic() < stop:
            claim = claims[i % len(claims)]
            i += clients
            started = time.perf_counter()
            try:
                status, answer = _post(port, "/check", {"claim": claim})
                problem = None if status == 200 and answer.get("claim") == " ".join(claim.split()) else f"{status}: {str(answer)[:200]}"
            except (OSError, http.client.HTTPException, ValueError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - started
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(elapsed)

    def sample() -> None:
        while time.monotonic() < stop:
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.5)

    before = _get(port, "/healthz")
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)] + [threading.Thread(target=sample)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    after = _get(port, "/healthz")
    batches = after["batches"] - before["batches"]
    return {
        "clients": clients,
        "seconds": round(wall, 2),
        "claims_checked": len(latencies),
        "claims_per_second": round(len(latencies) / wall, 2),
        "latency_ms": {
            "p50": round(1000 * statistics.median(latencies), 1) if latencies else None,
            "p95": round(1000 * _percentile(latencies, 0.95), 1) if latencies else None,
            "max": round(1000 * max(latencies), 1) if latencies else None,
        },
        "errors": len(errors),
        "error_examples": errors[:5],
        "server_rss_mb_peak": round(peak[0] / 2**20, 1),
        "batches": batches,
        "claims_per_batch": round((after["claims"] - before["claims"]) / batches, 2) if batches else None,
        "largest_batch": after["largest_batch"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--limit", type=int, default=100, help="claims of the dev suite used")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not 1 <= args.clients <= 64 or not 1 <= args.seconds <= 300:
        parser.error("--clients 1..64 and --seconds 1..300: a bounded benchmark")
    rows = [json.loads(line) for line in (SUITE / "claims.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    claims = [r["claim"] for r in rows][: args.limit]
    script = str(Path(sys.executable).with_name("factcheck"))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        index = tmp / "index"
        subprocess.run([script, "index", str(SUITE / "corpus"), "--index", str(index)], check=True, capture_output=True)
        file_before = check_file(script, index, claims, tmp)
        port = _free_port()
        server = subprocess.Popen([script, "serve", "--index", str(index), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 300
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"factcheck serve exited: {server.stderr.read().decode() if server.stderr else ''}")
                try:
                    _get(port, "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("factcheck serve did not answer in 300 s") from None
                    time.sleep(0.5)
            serve_result = load(port, server.pid, claims, args.clients, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        file_after = check_file(script, index, claims, tmp)
    # the machine is shared: check --file runs before and after the load, and the comparison takes their mean
    file_result = {
        "claims": len(claims),
        "runs": [file_before, file_after],
        **{k: round((file_before[k] + file_after[k]) / 2, 2) for k in ("claims_per_second", "claims_per_second_after_startup")},
    }
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_before": [round(x, 2) for x in load_before],
        "command": f"python eval/serve_load.py --clients {args.clients} --seconds {args.seconds:g} --limit {args.limit}",
        "claims": f"the first {len(claims)} claims of eval/plain/dev/claims.jsonl, against an index of eval/plain/dev/corpus",
        "serve": serve_result,
        "check_file": file_result,
        "serve_vs_check_file": round(serve_result["claims_per_second"] / file_result["claims_per_second"], 3),
        "serve_vs_check_file_after_startup": round(serve_result["claims_per_second"] / file_result["claims_per_second_after_startup"], 3),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
