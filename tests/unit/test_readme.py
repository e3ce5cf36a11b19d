from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    head = (ROOT / "README.md").read_text().split("---")[0]
    return [m.strip() for m in re.findall(r"^    (python3 -m venv .+)$", head, re.M)]


def test_readme_opens_with_the_demo_test_and_serve_commands() -> None:
    demo, test, serve = _readme_commands()
    assert demo.endswith('factcheck check "Stargate funds will not be available"')
    assert serve.endswith("pip install '.[serve]' && factcheck serve")
    assert all("pip install torch==2.13.0 && pip install" in c for c in (demo, serve)) and "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci
