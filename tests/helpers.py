"""What the tests share besides fixtures: the installed console script, its one-line errors, files on disk."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def factcheck_script() -> str:
    """The installed console script (next to this interpreter), as a user runs it."""
    script = Path(sys.executable).with_name("factcheck")
    found = str(script) if script.exists() else shutil.which("factcheck")
    if not found:
        pytest.fail("the factcheck console script is not installed: pip install .")
    return found


def run_cli(*args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([factcheck_script(), *args], capture_output=True, text=True, timeout=timeout, **kwargs)


def one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    """The console script failed as bad input should: exit 2, one line on stderr naming the problem, no traceback."""
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and needle in lines[0], lines[0]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
