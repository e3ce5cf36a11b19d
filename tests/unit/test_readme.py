from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    head = (ROOT / "README.md").read_text().split("---")[0]
    return [m.strip() for m in re.findall(r"^    (python3 -m venv .+)$", head, re.M)]


def test_readme_opens_with_the_demo_and_test_commands() -> None:
    demo, test = _readme_commands()
    assert demo.endswith('factcheck check "Stargate funds will not be available"')
    assert "pip install torch==2.13.0 && pip install" in demo and "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci
