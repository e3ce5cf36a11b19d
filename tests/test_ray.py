"""Batch checking on Ray Data: a real local Ray cluster, through the installed console script."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, run_cli, write

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
