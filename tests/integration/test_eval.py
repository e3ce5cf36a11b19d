from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, run_cli, write

from factcheck import CheckConfig, FactChecker
from factcheck.cli import main
from factcheck.verify import default_verifier_path

DATA = ROOT.parent / "shared" / "data"
EXAMPLES = ROOT / "eval" / "examples"

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
    bad = (
        '{"claim": "no label here"}\n{"claim": "x", "label": "maybe"}\nnot json\n'
        '{"id": "bid", "claim": "again", "label": "supported"}\n{"claim": "y", "label": "supported", "evidence_ids": "doc-1"}\n'
    )
    result = CliRunner().invoke(main, ["eval", "--claims", str(_claims_file(tmp_path, bad)), "--out", str(tmp_path / "run"), "--latency-sample", "2"])
    assert result.exit_code == 0, result.output
    assert "claims.jsonl:5: field \"label\"" in result.stderr and "claims.jsonl:7: invalid JSON" in result.stderr
    assert "claims.jsonl:8: field \"id\": 'bid' already used on line 1" in result.stderr
    assert "claims.jsonl:9: field \"evidence_ids\"" in result.stderr
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["mode"] == "oracle" and m["n"] == 4 and m["skipped_rows"] == 5
    assert set(m["per_class"]) == {"supported", "disputed", "unverified"}
    assert sum(map(sum, m["confusion"]["matrix"])) == 4
    assert m["baselines"]["majority_class"]["label"] == "supported"
    rows = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["bid", "x", "eiffel", "stargate"]
    assert {"claim", "gold", "predicted", "confidence", "evidence"} <= set(rows[0])
    assert rows[2]["predicted"] == "unverified" and rows[2]["evidence"] == []
    assert "macro-F1" in (tmp_path / "run" / "report.md").read_text()


def test_generic_claims_against_a_corpus_match_the_checker(tmp_path: Path, demo_corpus: Path, checker: FactChecker) -> None:
    result = CliRunner().invoke(main, ["eval", "--claims", str(_claims_file(tmp_path)), "--corpus", str(demo_corpus), "--out", str(tmp_path / "run"), "--latency-sample", "2"])
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
    result = CliRunner().invoke(main, ["eval", benchmark, "--oracle", "--data-dir", str(DATA), "--limit", "20", "--out", str(tmp_path / "run"), "--latency-sample", "3"])
    assert result.exit_code == 0, result.output
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["n"] == 20 and m["benchmark"] == benchmark and 0.0 <= m["macro_f1"] <= 1.0
    assert m["speed"]["latency_ms"]["claims"] == 3 and sum(b["count"] for b in m["calibration"]["bins"]) == 20


@pytest.mark.skipif(not DATA.is_dir(), reason="shared/data is not beside this checkout")
def test_oracle_gate_is_off_where_gold_evidence_always_bears_on_the_claim(tmp_path: Path) -> None:
    """COVID-Fact's gold evidence always bears on its claim: by default the similarity gate does not judge it
    (--gate puts it back); the gate only removes passages, so a claim unverified without it stays unverified."""
    runs = {}
    for flag in ("--no-gate", "--gate", None):
        out = tmp_path / str(flag)
        args = ["eval", "covid-fact", "--oracle", "--data-dir", str(DATA), "--limit", "20", "--out", str(out), "--latency-sample", "0"]
        result = CliRunner().invoke(main, args + ([flag] if flag else []))
        assert result.exit_code == 0, result.output
        runs[flag] = (json.loads((out / "metrics.json").read_text()), [json.loads(x)["predicted"] for x in (out / "predictions.jsonl").read_text().splitlines()])
    assert runs[None][1] == runs["--no-gate"][1]
    assert runs[None][0]["similarity_gate"] is None and runs["--no-gate"][0]["similarity_gate"] is None
    assert runs["--gate"][0]["similarity_gate"] == CheckConfig.fitted_for(default_verifier_path()).min_similarity
    ungated, gated = runs["--no-gate"][1], runs["--gate"][1]
    assert all(g == "unverified" for u, g in zip(ungated, gated) if u == "unverified")
    assert gated.count("unverified") >= ungated.count("unverified")
    result = CliRunner().invoke(main, ["eval", "--claims", str(_claims_file(tmp_path)), "--corpus", str(tmp_path / "docs"), "--no-gate"])
    assert result.exit_code == 2 and "oracle runs" in result.stderr


def test_eval_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["eval"]).exit_code == 2
    result = runner.invoke(main, ["eval", "fever-lite", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    result = runner.invoke(main, ["eval", "--claims", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    (tmp_path / "latin1.jsonl").write_bytes('{"claim": "caf\xe9", "label": "supported"}\n'.encode("latin-1"))
    result = runner.invoke(main, ["eval", "--claims", str(tmp_path / "latin1.jsonl")])
    assert result.exit_code == 2 and "not UTF-8" in result.stderr
    result = runner.invoke(main, ["eval", "--claims", str(_claims_file(tmp_path)), "--claim-only-model", str(tmp_path)])
    assert result.exit_code == 2 and "--claim-only-model" in result.stderr


# ---------------------------------------------------------------- metrics, by hand








def test_claim_only_baseline_is_reported_from_the_given_model(tmp_path: Path) -> None:
    """Any CrossEncoder folder works as the claim-only model; here the shipped verifier reads ("", claim)."""
    from factcheck.evaluation import load_claims
    from factcheck.labels import STANCE_TO_LABEL, STANCES
    from factcheck.verify import Verifier, default_verifier_path

    claims_file = EXAMPLES / "claims.jsonl"
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["eval", "--claims", str(claims_file), "--out", str(out), "--latency-sample", "0", "--claim-only-model", str(default_verifier_path())])
    assert result.exit_code == 0, result.output
    m = json.loads((out / "metrics.json").read_text())
    claims, _ = load_claims(claims_file)
    probs = Verifier().predict([("", c.claim) for c in claims])
    labels = [STANCE_TO_LABEL[STANCES[i]] for i in probs.argmax(axis=1)]
    assert m["baselines"]["claim_only"]["accuracy"] == round(sum(p == c.label for p, c in zip(labels, claims)) / len(claims), 4)
    assert "claim only (" in (out / "report.md").read_text()
    assert m["speed"]["latency_ms"] == {"claims": 0, "p50": None, "p95": None}


# ---------------------------------------------------------------- the README example, as a user runs it


def _is_png(path: Path) -> bool:
    from PIL import Image

    if path.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    with Image.open(path) as image:
        image.verify()
        return image.format == "PNG" and image.size[0] > 100 and image.size[1] > 100


def test_readme_example_runs_through_the_console_script_and_compares(tmp_path: Path) -> None:
    claims, corpus = EXAMPLES / "claims.jsonl", EXAMPLES / "corpus.jsonl"
    e2e, oracle = tmp_path / "e2e", tmp_path / "oracle"
    proc = run_cli("eval", "--claims", str(claims), "--corpus", str(corpus), "--out", str(e2e), "--latency-sample", "3")
    assert proc.returncode == 0, proc.stderr
    m = json.loads((e2e / "metrics.json").read_text())
    assert m["mode"] == "end-to-end" and m["n"] == 8 and m["skipped_rows"] == 0
    rows = [json.loads(line) for line in (e2e / "predictions.jsonl").read_text().splitlines()]
    with_gold = [r for r in rows if r["gold_documents"]]
    assert m["retrieval"]["claims"] == len(with_gold) == 6
    hits_at_1 = sum(r["retrieved_documents"][0] in r["gold_documents"] for r in with_gold)
    assert m["retrieval"]["recall@1"] == round(hits_at_1 / 6, 4)
    assert {"recall@5", "recall@10", "mrr@10", "ndcg@10"} <= set(m["retrieval"])
    assert 0.0 <= m["evidence_label_only"]["f1"] <= 1.0 and m["evidence_label_only"]["gold"] == 6
    correct = [r["predicted"] == r["gold"] for r in rows]
    assert m["accuracy"] == round(sum(correct) / 8, 4)
    assert 0.0 <= m["calibration"]["ece"] <= 1.0 and sum(b["count"] for b in m["calibration"]["bins"]) == 8
    assert m["baselines"]["claim_only"]["model"] is None and "not run" in (e2e / "report.md").read_text()
    assert m["speed"]["latency_ms"]["claims"] == 3 and m["speed"]["latency_ms"]["p95"] >= m["speed"]["latency_ms"]["p50"] > 0
    assert m["speed"]["peak_rss_mib"] > 100 and m["speed"]["claims_per_second"] > 0
    assert m["plots"] == ["confusion_matrix.png", "reliability.png"]
    assert all(_is_png(e2e / p) for p in m["plots"])

    proc = run_cli("eval", "--claims", str(claims), "--out", str(oracle), "--latency-sample", "0")
    assert proc.returncode == 0, proc.stderr
    mo = json.loads((oracle / "metrics.json").read_text())
    assert mo["mode"] == "oracle" and "retrieval" not in mo

    proc = run_cli("eval", "compare", str(e2e), str(oracle), "--json")
    assert proc.returncode == 0, proc.stderr
    diff = json.loads(proc.stdout)
    deltas = {r["metric"]: r["delta"] for r in diff["metrics"]}
    assert deltas["accuracy"] == round(mo["accuracy"] - m["accuracy"], 4)
    assert deltas["calibration.ece"] == round(mo["calibration"]["ece"] - m["calibration"]["ece"], 4)
    oracle_rows = {r["id"]: r for r in map(json.loads, (oracle / "predictions.jsonl").read_text().splitlines())}
    flipped = [r["id"] for r in rows if r["predicted"] != oracle_rows[r["id"]]["predicted"]]
    assert diff["predictions"]["flipped"] == len(flipped) and diff["predictions"]["common"] == 8
    assert [e["id"] for e in diff["predictions"]["examples"]] == flipped[:5]
    proc = run_cli("eval", "compare", str(e2e), str(oracle))
    assert proc.returncode == 0 and "macro_f1" in proc.stdout and f"{len(flipped)} of 8 common claims changed label" in proc.stdout
    proc = run_cli("eval", "compare", str(e2e), str(tmp_path / "nope"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "not a run folder" in proc.stderr


def test_readme_shows_the_example_files() -> None:
    readme = (ROOT / "README.md").read_text()
    shown = [line for line in readme.splitlines() if line.startswith('{"id"')]
    example_lines = set((EXAMPLES / "claims.jsonl").read_text().splitlines()) | set((EXAMPLES / "corpus.jsonl").read_text().splitlines())
    assert len(shown) >= 4 and all(line in example_lines for line in shown)
    assert "eval/examples/claims.jsonl" in readme and "eval/RESULTS.md" in readme
