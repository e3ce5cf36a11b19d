from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, write

from factcheck import FactChecker
from factcheck.cli import main

DATA = ROOT.parent / "shared" / "data"

CLAIMS = [
    {"id": "bid", "claim": "Elon Musk's consortium offered 97.4 billion dollars to buy OpenAI", "label": "SUPPORTS",
     "evidence": ["A consortium of investors led by Elon Musk has offered 97.4 billion dollars to buy OpenAI."]},
    {"id": "x", "claim": "Sam Altman offered to buy X for 9.74 billion dollars", "label": "supported",
     "evidence": ["Sam Altman responded by offering to buy X for 9.74 billion dollars."]},
    {"id": "eiffel", "claim": "The Eiffel Tower was moved to Berlin in 2025", "label": "NOT ENOUGH INFO", "evidence": []},
    {"id": "stargate", "claim": "Stargate funds will not be available", "label": "REFUTES",
     "evidence": ["Sam Altman rejected that statement and said the funds for Stargate are available."]},
]


def _claims_file(tmp_path: Path, extra: str = "") -> Path:
    return write(tmp_path / "claims.jsonl", "".join(json.dumps(c) + "\n" for c in CLAIMS) + extra)


def test_generic_claims_file_oracle_run_folder(tmp_path: Path) -> None:
    bad = '{"claim": "no label here"}\n{"claim": "x", "label": "maybe"}\nnot json\n'
    result = CliRunner().invoke(main, ["eval", "--claims", str(_claims_file(tmp_path, bad)), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "claims.jsonl:5: field \"label\"" in result.stderr and "claims.jsonl:7: invalid JSON" in result.stderr
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["mode"] == "oracle" and m["n"] == 4 and m["skipped_rows"] == 3
    assert set(m["per_class"]) == {"supported", "disputed", "unverified"}
    assert sum(map(sum, m["confusion"]["matrix"])) == 4
    assert m["baselines"]["majority_class"]["label"] == "supported"
    rows = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["bid", "x", "eiffel", "stargate"]
    assert {"claim", "gold", "predicted", "confidence", "evidence"} <= set(rows[0])
    assert rows[2]["predicted"] == "unverified" and rows[2]["evidence"] == []
    assert "macro-F1" in (tmp_path / "run" / "report.md").read_text()


def test_generic_claims_against_a_corpus_match_the_checker(tmp_path: Path, demo_corpus: Path, checker: FactChecker) -> None:
    result = CliRunner().invoke(main, ["eval", "--claims", str(_claims_file(tmp_path)), "--corpus", str(demo_corpus), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["mode"] == "end-to-end" and m["n"] == 4
    rows = {r["id"]: r for r in map(json.loads, (tmp_path / "run" / "predictions.jsonl").read_text().splitlines())}
    for c in CLAIMS:
        assert rows[c["id"]]["predicted"] == checker.check(c["claim"]).label
    assert len(rows["stargate"]["evidence"]) == checker.config.top_k


@pytest.mark.skipif(not DATA.is_dir(), reason="shared/data is not beside this checkout")
@pytest.mark.parametrize("benchmark", ["scifact", "covid-fact"])
def test_smoke_20_claims_of_a_public_benchmark(tmp_path: Path, benchmark: str) -> None:
    result = CliRunner().invoke(main, ["eval", benchmark, "--oracle", "--data-dir", str(DATA), "--limit", "20", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["n"] == 20 and m["benchmark"] == benchmark and 0.0 <= m["macro_f1"] <= 1.0


def test_eval_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["eval"]).exit_code == 2
    result = runner.invoke(main, ["eval", "fever-lite", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    result = runner.invoke(main, ["eval", "--claims", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
