"""factcheck opens no network connection unless the user names a hub model (issue 29): the first check on a machine,
with an empty cache (the ONNX export of both shipped models), runs in a network namespace with loopback only and
under strace, and no connection outside the machine may even be attempted (a DNS lookup is one)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import factcheck_script, write

from factcheck.embed import create_embedder
from factcheck.index import build_index

#: a connect(2) to an address outside the machine, as strace writes it.
OUTSIDE = re.compile(r'connect\(\d+, \{sa_family=AF_INET6?, (?!.*(?:inet_addr\("127\.|inet_pton\(AF_INET6, "::1"))')


def test_the_first_check_makes_no_connection(tmp_path: Path) -> None:
    if not shutil.which("strace") or not shutil.which("unshare") or subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        why = "needs strace and unshare -rn (an unprivileged network namespace)"
        if os.environ.get("FACTCHECK_REQUIRE_TOOLS") == "1":
            pytest.fail(why + " (FACTCHECK_REQUIRE_TOOLS=1)")
        pytest.skip(why)
    docs = tmp_path / "docs"
    write(docs / "harbour.md", "The harbour of Edenside opened in 1890. It was rebuilt after the storm of 1953.")
    write(docs / "bridge.md", "The bridge over the river was finished in 1932 and carries a railway line.")
    build_index([docs], tmp_path / "idx", create_embedder("all-MiniLM-L6-v2"))
    # a user's first run: an empty cache (both models are exported to ONNX on the way), no offline switches
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["FACTCHECK_CACHE_DIR"] = str(tmp_path / "empty-cache")
    trace = tmp_path / "connect.trace"
    proc = subprocess.run(
        ["unshare", "-rn", "strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace), factcheck_script(), "check", "The harbour opened in 1890.", "--index", str(tmp_path / "idx")],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "exporting the embedder to ONNX" in proc.stderr and "exporting the verifier to ONNX" in proc.stderr  # a first run indeed
    outside = [line for line in trace.read_text().splitlines() if OUTSIDE.search(line)]
    assert outside == [], f"{len(outside)} connections attempted: {outside[:3]}"
