from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import factcheck_script, one_line_error, run_cli, write

from factcheck.cli import main

STARGATE = "Stargate funds will not be available"


def test_help_is_instant() -> None:
    started = time.perf_counter()
    proc = run_cli("--help")
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0 and "check" in proc.stdout and "index" in proc.stdout
    assert elapsed < 1.5, f"factcheck --help took {elapsed:.2f}s"


def test_index_info_check_through_the_console_script(tmp_path: Path, demo_corpus: Path) -> None:
    proc = run_cli("index", str(demo_corpus), "--index", str(tmp_path / "idx"))
    assert proc.returncode == 0, proc.stderr
    assert "Indexed 33 documents" in proc.stderr.replace("\n", " ")
    proc = run_cli("info", "--index", str(tmp_path / "idx"))
    # the demo corpus is half French: a build that names no embedder takes the multilingual one
    assert proc.returncode == 0 and "use-multilingual" in proc.stdout and "passages" in proc.stdout
    info = json.loads(run_cli("info", "--index", str(tmp_path / "idx"), "--json").stdout)
    assert info["counts"]["documents"] == 33
    proc = run_cli("check", STARGATE, "--index", str(tmp_path / "idx"))
    assert proc.returncode == 0, proc.stderr
    assert "DISPUTED" in proc.stdout and "Altman" in proc.stdout
    verdict = json.loads(run_cli("check", STARGATE, "--index", str(tmp_path / "idx"), "--json").stdout)
    assert verdict["label"] == "disputed" and verdict["evidence"][0]["source"]


def test_check_without_index_uses_the_demo_corpus() -> None:
    proc = run_cli("check", "Elon Musk's consortium offered 97.4 billion dollars to buy OpenAI", "--json")
    assert proc.returncode == 0, proc.stderr
    verdict = json.loads(proc.stdout)
    assert verdict["label"] == "supported"
    assert any("97.4" in e["text"] for e in verdict["evidence"] if e["decisive"])


def test_batch_file_to_jsonl(tmp_path: Path, demo_index: Path) -> None:
    claims = write(tmp_path / "claims.jsonl", "\n".join(json.dumps({"id": i, "claim": c}) for i, c in enumerate([STARGATE, "The Eiffel Tower was moved to Berlin in 2025"])) + "\n")
    out = tmp_path / "out" / "verdicts.jsonl"
    result = CliRunner().invoke(main, ["check", "--file", str(claims), "--out", str(out), "--index", str(demo_index)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [0, 1]
    assert [r["label"] for r in rows] == ["disputed", "unverified"]
    single = json.loads(CliRunner().invoke(main, ["check", STARGATE, "--json", "--index", str(demo_index)]).stdout)
    assert set(rows[0]) - {"id"} == set(single)
    txt = write(tmp_path / "claims.txt", f"# a comment\n{STARGATE}\n\n")
    result = CliRunner().invoke(main, ["check", "--file", str(txt), "--json", "--index", str(demo_index)])
    assert result.exit_code == 0 and json.loads(result.stdout.strip())["label"] == "disputed"
    # a spreadsheet export: a claim column (a claim may hold the delimiter, quoted), other columns kept
    csv_file = write(tmp_path / "claims.csv", f'row,claim,desk\n7,"{STARGATE}, says the claim",tech\n8,The Eiffel Tower was moved to Berlin in 2025,travel\n')
    result = CliRunner().invoke(main, ["check", "--file", str(csv_file), "--json", "--index", str(demo_index)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["row"], r["desk"], r["claim"]) for r in rows] == [("7", "tech", f"{STARGATE}, says the claim"), ("8", "travel", "The Eiffel Tower was moved to Berlin in 2025")]
    assert rows[1]["label"] == "unverified"
    no_column = write(tmp_path / "claims.tsv", "text\tid\nsomething\t1\n")
    one_line_error(run_cli("check", "--file", str(no_column), "--index", str(demo_index)), 'no "claim" column in its header (text, id)')


@pytest.mark.parametrize(
    "args, needle",
    [
        (["check", "   "], "empty claim"),
        (["check"], "give a CLAIM"),
        (["check", "x", "--index", "/nonexistent/idx"], "no index at /nonexistent/idx"),
        (["info", "--index", "/nonexistent/idx"], "no index at"),
        (["index", "/nonexistent/docs", "--index", "IDX"], "no such file or directory"),
        (["check", "--file", "/nonexistent/claims.txt"], "claims file not found"),
        (["check", "x", "--top-k", "0"], "--top-k"),
        (["check", "x", "--since", "last week"], "since 'last week' is not a date: use YYYY-MM-DD"),
        (["check", "x", "--lang", "english"], "language 'english' is not a language code"),
        (["frobnicate"], "No such command"),
    ],
)
def test_user_errors_are_one_line_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    args = [str(tmp_path / "i") if a == "IDX" else a for a in args]
    one_line_error(run_cli(*args), needle)


def test_bad_index_inputs(tmp_path: Path, demo_index: Path) -> None:
    (tmp_path / "empty").mkdir()
    one_line_error(run_cli("index", str(tmp_path / "empty"), "--index", str(tmp_path / "i")), "no readable document")
    one_line_error(run_cli("check", "x", "--index", str(tmp_path / "empty")), "no complete factcheck index")
    one_line_error(run_cli("check", "x", "--index", str(demo_index), "--embedder", "other"), "built with embedder")
    bad = write(tmp_path / "bad.jsonl", '{"text": "no claim field"}\n')
    proc = run_cli("check", "--file", str(bad), "--index", str(demo_index))  # the bad line, then why nothing was checked
    assert proc.returncode == 2 and proc.stderr.splitlines() == [
        f'factcheck: skipped {bad}:1: no "claim" text in this row (one JSON object per line, with a "claim" field)',
        f"factcheck: error: {bad}: no line holds a claim that can be checked (1 skipped, see above): fix them and run again",
    ], proc.stderr
    docs = tmp_path / "docs"
    write(docs / "ok.txt", "A readable sentence about the harbour.")
    (docs / "blob.txt").write_bytes(b"\x00\xff\x00binary")
    proc = run_cli("index", str(docs), "--index", str(tmp_path / "i2"))
    assert proc.returncode == 0 and "skipped" in proc.stderr and "binary file" in proc.stderr
    # an --index folder that holds the user's own files is not written into
    one_line_error(run_cli("index", str(docs / "ok.txt"), "--index", str(docs)), "holds other files (blob.txt, ...) and no factcheck index")
    assert sorted(p.name for p in docs.iterdir()) == ["blob.txt", "ok.txt"]


def test_training_file_of_unknown_format_is_refused_before_any_hub_lookup(tmp_path: Path) -> None:
    pairs = write(tmp_path / "pairs.txt", "evidence\tclaim\tlabel\n")
    one_line_error(run_cli("train", "--train", str(pairs), "--out", str(tmp_path / "m")), "cannot tell its format from its name")


def test_a_folder_that_holds_no_model_is_aone_line_error(tmp_path: Path, demo_index: Path) -> None:
    notes = write(tmp_path / "notes" / "todo.txt", "not a model")
    one_line_error(run_cli("check", STARGATE, "--index", str(demo_index), "--verifier", str(notes.parent)), "cannot load verifier")
    one_line_error(run_cli("index", str(notes), "--index", str(tmp_path / "i"), "--embedder", str(notes.parent)), "cannot load embedding model")


def test_an_unusable_cache_directory_is_aone_line_error(tmp_path: Path) -> None:
    not_a_folder = write(tmp_path / "cache-file", "")
    proc = run_cli("check", STARGATE, env={**os.environ, "FACTCHECK_CACHE_DIR": str(not_a_folder)})
    one_line_error(proc, "set FACTCHECK_CACHE_DIR to a folder you can write")


def test_evidence_filters(demo_index: Path) -> None:
    """--lang takes any spelling of a code (FR, fr-FR); a filter that leaves no passage says so instead of a silent
    'unverified'."""
    french = json.loads(run_cli("check", STARGATE, "--index", str(demo_index), "--lang", "fr-FR", "--json").stdout)
    assert french["evidence"] and all(e["doc_id"].startswith("fr-") for e in french["evidence"])  # the demo corpus names its French files fr-*
    proc = run_cli("check", STARGATE, "--index", str(demo_index), "--source", "no-such-source", "--json")
    assert proc.returncode == 0 and "no passage of the index matches the evidence filter (source no-such-source)" in proc.stderr
    verdict = json.loads(proc.stdout)
    assert verdict["evidence"] == [] and verdict["label"] == "unverified" and verdict["warnings"]


def test_parallel_first_runs_share_the_demo_index(tmp_path: Path) -> None:
    """Two checks started at once on a machine with no demo index yet: one builds it, the other waits and uses it."""
    import subprocess

    cache = tmp_path / "cache"
    cache.mkdir()
    onnx = Path(os.environ["FACTCHECK_CACHE_DIR"]) / "onnx"  # the session's model exports, not rebuilt here
    onnx.mkdir(exist_ok=True)
    (cache / "onnx").symlink_to(onnx)
    env = {**os.environ, "FACTCHECK_CACHE_DIR": str(cache)}
    procs = [subprocess.Popen([factcheck_script(), "check", STARGATE, "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    assert [json.loads(out)["label"] for out, _ in outputs] == ["disputed", "disputed"]


def test_overlong_claim_warns(demo_index: Path) -> None:
    proc = run_cli("check", "Musk offered money for OpenAI " * 80, "--index", str(demo_index), "--json")
    assert proc.returncode == 0
    assert "warning: claim truncated" in proc.stderr
    assert json.loads(proc.stdout)["warnings"]


def test_french_claim_against_an_english_only_index_warns_how_to_fix_it(tmp_path: Path, demo_index: Path) -> None:
    write(tmp_path / "docs" / "note.md", "Sam Altman said the funds for the Stargate project are available.\n")
    assert run_cli("index", str(tmp_path / "docs"), "--index", str(tmp_path / "en")).returncode == 0
    french = "Les fonds de Stargate ne seront pas disponibles"
    proc = run_cli("check", french, "--index", str(tmp_path / "en"), "--json")
    assert proc.returncode == 0
    assert "warning: the claim reads as 'fr'" in proc.stderr and "--embedder use-multilingual" in proc.stderr
    assert any("use-multilingual" in w for w in json.loads(proc.stdout)["warnings"])
    english = run_cli("check", "Stargate funds will not be available", "--index", str(tmp_path / "en"), "--json")
    assert "warning" not in english.stderr and json.loads(english.stdout)["warnings"] == []
    # the demo index holds French passages: nothing to warn about
    demo = run_cli("check", french, "--index", str(demo_index), "--json")
    assert "warning" not in demo.stderr and json.loads(demo.stdout)["warnings"] == []


def test_table_marks_passages_below_the_gate_as_not_judged(demo_index: Path) -> None:
    claim = "The Eiffel Tower was moved to Berlin in 2025"
    proc = run_cli("check", claim, "--index", str(demo_index), env={**os.environ, "COLUMNS": "160"})
    assert proc.returncode == 0 and "UNVERIFIED" in proc.stdout and "not judged" in proc.stdout, proc.stdout + proc.stderr
    full = run_cli("check", claim, "--index", str(demo_index), "--judge-all", "--json")
    assert all(e["stance"] in {"entailment", "neutral", "contradiction"} for e in json.loads(full.stdout)["evidence"])
