"""Batch checking on Ray Data: a real local Ray cluster, through the installed console script."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import ROOT, factcheck_script, run_cli, write

pytest.importorskip("ray.data", reason="--ray needs Ray Data: pip install 'factcheck[ray]'")

DEMO_CLAIMS = ROOT / "tests" / "data" / "demo_claims.jsonl"


def test_ray_batch_equals_local_batch(tmp_path: Path, demo_index: Path) -> None:
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    proc = run_cli("check", "--file", str(DEMO_CLAIMS), "--out", str(local), "--index", str(demo_index))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("check", "--file", str(DEMO_CLAIMS), "--out", str(on_ray), "--index", str(demo_index), "--ray", "--ray-workers", "2", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "checking claims on Ray" in proc.stderr and "Wrote 10 verdicts" in proc.stderr
    assert on_ray.read_text() == local.read_text()
    assert len(local.read_text().splitlines()) == 10


def test_ray_errors_are_one_line(tmp_path: Path) -> None:
    claims = write(tmp_path / "claims.txt", "Stargate funds will not be available\n")
    proc = run_cli("check", "--file", str(claims), "--index", str(tmp_path / "missing"), "--ray")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("factcheck: error: no index at"), proc.stderr
    proc = run_cli("check", "a claim", "--ray")
    assert proc.returncode == 2 and "--ray checks a --file" in proc.stderr


def _ray_workers() -> dict[int, str]:
    """pid -> command line of this machine's Ray Data map workers."""
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if proc.name.isdigit() and "MapWorker(MapBatches(CheckClaims))" in cmd:
            found[int(proc.name)] = cmd
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the Ray worker processes through /proc")
def test_a_killed_ray_worker_is_replaced_and_every_claim_keeps_its_verdict(tmp_path: Path, demo_index: Path) -> None:
    base = [json.loads(line)["claim"] for line in DEMO_CLAIMS.read_text().splitlines()]
    claims = write(tmp_path / "claims.txt", "".join(f"{c} ({i})\n" for i in range(40) for c in base))
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    assert run_cli("check", "--file", str(claims), "--out", str(local), "--index", str(demo_index)).returncode == 0
    run = subprocess.Popen(
        [factcheck_script(), "check", "--file", str(claims), "--out", str(on_ray), "--index", str(demo_index), "--ray", "--ray-workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not any("__init__" not in cmd for cmd in _ray_workers().values()):  # a worker has its models loaded
            assert run.poll() is None and time.monotonic() < deadline, "no Ray worker came up"
            time.sleep(0.2)
        before = _ray_workers()
        os.kill(min(before), signal.SIGKILL)
        assert run.poll() is None, "the run ended before a worker could be killed: give it more claims"
        replaced = False
        while run.poll() is None and not replaced:
            replaced = bool(set(_ray_workers()) - set(before))
            time.sleep(0.2)
        _, err = run.communicate(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0 and "Traceback" not in err, err
    assert replaced, "Ray did not start a worker in place of the killed one"
    assert "Wrote 400 verdicts" in err
    assert on_ray.read_text() == local.read_text()
