"""What the console script does with awkward input: text that looks like rich markup or holds control characters,
a claim that is not UTF-8, claims files with bad lines, and a batch interrupted by Ctrl-C (then resumed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import ROOT, factcheck_script, one_line_error, run_cli, write

DEMO_CLAIMS = ROOT / "tests" / "data" / "demo_claims.jsonl"
WIDE = {**os.environ, "COLUMNS": "250"}  # no cell wrapped: the texts can be looked for whole


@pytest.fixture(scope="module")
def markup_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An index (built through the console script) whose passages, paths and document ids look like rich markup
    and hold control characters; and the corpus folder it was built from."""
    root = tmp_path_factory.mktemp("markup")
    docs = root / "c [" / "oops]"  # the corpus folder "c [/oops]": a path that is a closing tag
    write(
        docs / "bridge [x].md",
        "The Harbour Bridge [/oops] opened to traffic in 1932 after eight years of work.\n\n"
        "Workers painted the sign [bold red]Danger[/bold red] on the north pylon in 1933.\n\n"
        "The alarm \x1b[31mrang\x1b[0m at the old station every night in 1999.\n",
    )
    (docs / "[bold]blob.txt").write_bytes(b"\x00\xff\x00binary")
    index = root / "idx [/oops]"
    proc = run_cli("index", str(root / "c ["), "--index", str(index), env=WIDE)
    assert proc.returncode == 0, proc.stderr
    # the skipped file and the index path, as written
    assert "[bold]blob.txt: binary file" in proc.stderr and "idx [/oops]" in proc.stderr, proc.stderr
    return index, root / "c ["


def _no_raw_control(text: str) -> None:
    assert not any(ch in text for ch in "\x1b\x07\x08\r"), repr(text)


def test_passages_paths_and_ids_are_printed_as_written(markup_index: tuple[Path, Path], tmp_path: Path) -> None:
    index, _ = markup_index
    info = run_cli("info", "--index", str(index), env=WIDE)
    assert info.returncode == 0 and "Traceback" not in info.stderr, info.stderr
    assert "[bold]blob.txt: binary file" in info.stdout and "idx [/oops]" in info.stdout

    table = run_cli("check", "The Harbour Bridge opened in 1932", "--index", str(index), "--judge-all", env=WIDE)
    assert table.returncode == 0 and "Traceback" not in table.stderr, table.stderr
    assert "The Harbour Bridge [/oops] opened to traffic in 1932" in table.stdout
    assert "sign [bold red]Danger[/bold red] on the north pylon" in table.stdout  # not swallowed as a style
    assert "bridge [x]" in table.stdout
    # control characters are shown escaped, never sent to the terminal raw
    assert "The alarm \\x1b[31mrang\\x1b[0m at the old station" in table.stdout
    _no_raw_control(table.stdout)

    claim = "The alarm \x1b[2J\x07 rang at the old station in 1999"
    proc = run_cli("check", claim, "--index", str(index), env=WIDE)
    assert proc.returncode == 0, proc.stderr
    assert "The alarm \\x1b[2J\\x07 rang" in proc.stdout
    _no_raw_control(proc.stdout)
    as_json = json.loads(run_cli("check", claim, "--index", str(index), "--json").stdout)
    assert as_json["claim"] == claim, "JSON keeps the text as it is (JSON escapes control characters itself)"

    claims = write(tmp_path / "claims.txt", "The Harbour Bridge [/oops] opened in 1932\nThe alarm \x1b[2J rang at the old station in 1999\n")
    batch = run_cli("check", "--file", str(claims), "--index", str(index), env=WIDE)
    assert batch.returncode == 0 and "Traceback" not in batch.stderr, batch.stderr
    assert "The Harbour Bridge [/oops] opened in 1932" in batch.stdout and "The alarm \\x1b[2J rang" in batch.stdout
    _no_raw_control(batch.stdout)

    doc = write(tmp_path / "doc [/oops].md", "The Harbour Bridge [/oops] opened to traffic in 1932. The [bold]alarm[/bold] \x1b[2Jrang in 1999.\n")
    text = run_cli("check", "--doc", str(doc), "--index", str(index), env=WIDE)
    assert text.returncode == 0 and "Traceback" not in text.stderr, text.stderr
    assert "The Harbour Bridge [/oops] opened to traffic in 1932." in text.stdout and "The [bold]alarm[/bold] \\x1b[2Jrang" in text.stdout
    _no_raw_control(text.stdout)


def test_a_claim_that_is_not_utf8_is_a_one_line_error() -> None:
    proc = subprocess.run([factcheck_script(), "check", b"x \xff caf\xe9"], capture_output=True, text=True, timeout=120)
    one_line_error(proc, "the claim is not UTF-8 text (byte 0xff at character 3)")


def test_bad_lines_of_a_claims_file_are_skipped_and_reported(tmp_path: Path, demo_index: Path) -> None:
    good = "Stargate funds will not be available"
    jsonl = tmp_path / "claims.jsonl"
    jsonl.write_bytes(
        b'{"id": 1, "claim": "Stargate funds will not be available"}\n'
        b'{"id": 2, "text": "no claim field"}\n'
        b"not json\n"
        b'{"id": 4, "claim": "caf\xe9 au lait"}\n'
        b"[1, 2]\n"
        b'{"id": 6, "claim": "The Eiffel Tower was moved to Berlin in 2025"}\n'
    )
    out = tmp_path / "verdicts.jsonl"
    proc = run_cli("check", "--file", str(jsonl), "--out", str(out), "--index", str(demo_index))
    assert proc.returncode == 0, proc.stderr
    skipped = [line for line in proc.stderr.splitlines() if line.startswith("factcheck: skipped")]
    assert [line.split(": ")[1].rsplit(":", 1)[1] for line in skipped] == ["2", "3", "4", "5"], proc.stderr
    assert 'no "claim" text' in skipped[0] and "invalid JSON" in skipped[1] and "not UTF-8 text (byte 0xe9)" in skipped[2] and "expected a JSON object" in skipped[3]
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [1, 6]

    csv_file = tmp_path / "claims.csv"
    csv_file.write_bytes(f"id,claim\n1,{good}\n2,\n3,caf\xe9\n".encode("latin-1"))
    proc = run_cli("check", "--file", str(csv_file), "--json", "--index", str(demo_index))
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["id"] for line in proc.stdout.splitlines()] == ["1"]
    assert f"{csv_file}:3: no claim text" in proc.stderr and f"{csv_file}:4: not UTF-8 text" in proc.stderr

    txt = tmp_path / "claims.txt"
    txt.write_bytes(b"# a comment\nStargate funds will not be available\ncaf\xe9\n")
    proc = run_cli("check", "--file", str(txt), "--json", "--index", str(demo_index))
    assert proc.returncode == 0 and f"{txt}:3: not UTF-8 text" in proc.stderr, proc.stderr
    assert [json.loads(line)["claim"] for line in proc.stdout.splitlines()] == [good]

    # nothing to check: exit 2, every bad line reported, then one error line
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "no claim"}\nnot json\n')
    proc = run_cli("check", "--file", str(bad), "--index", str(demo_index))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert [line.split(": ")[1] for line in lines[:2]] == [f"skipped {bad}:1", f"skipped {bad}:2"] and lines[2].startswith("factcheck: error: ") and len(lines) == 3, lines


def test_interrupted_batch_keeps_its_verdicts_and_resumes(tmp_path: Path, demo_index: Path) -> None:
    demo = [json.loads(line) for line in DEMO_CLAIMS.read_text().splitlines()]
    rows = [{"id": i, "claim": demo[i % len(demo)]["claim"]} for i in range(200)]
    claims = write(tmp_path / "claims.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "verdicts.jsonl"
    command = [factcheck_script(), "check", "--file", str(claims), "--out", str(out), "--index", str(demo_index)]
    # SIGINT back to its default in the child, as in a terminal (see test_killed_build_leaves_previous_index_intact)
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None and (not out.exists() or out.read_text().count("\n") < 1):
        time.sleep(0.2)  # until the first verdicts are written
    assert proc.poll() is None, "the batch finished (or failed) before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in err, err
    data = out.read_text()
    kept = [json.loads(line) for line in data.splitlines()]  # whole lines only
    assert data.endswith("\n") and 0 < len(kept) < len(rows)
    assert [v["id"] for v in kept] == list(range(len(kept)))
    last = err.strip().splitlines()[-1]
    assert last == f"factcheck: interrupted: {len(kept)} of 200 verdicts are in {out}; to check the other {200 - len(kept)}, run the same command with --resume", last

    with out.open("a") as f:  # a line cut short, as a killed run (SIGKILL) can leave: dropped and checked again
        f.write(f'{{"id": {len(kept)}, "claim": "Stargate')
    proc = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"resuming: {out} holds the verdicts of the first {len(kept)} of 200 claims" in proc.stderr
    done = [json.loads(line) for line in out.read_text().splitlines()]
    assert [v["id"] for v in done] == list(range(200)) and done[: len(kept)] == kept
    assert [v["claim"] for v in done] == [r["claim"] for r in rows]
    # the resumed verdicts are verdicts like the others: a claim gets the same label wherever it fell
    assert len({(v["claim"], v["label"]) for v in done}) == len({v["claim"] for v in done})


def test_resume_refuses_an_out_file_of_other_claims(tmp_path: Path, demo_index: Path) -> None:
    claims = write(tmp_path / "claims.txt", "Stargate funds will not be available\nThe Eiffel Tower was moved to Berlin in 2025\n")
    other = write(tmp_path / "other.jsonl", json.dumps({"claim": "Something else entirely", "label": "supported"}) + "\n")
    one_line_error(run_cli("check", "--file", str(claims), "--out", str(other), "--resume", "--index", str(demo_index)), f"--resume: {other}:1 is not the verdict of {claims}:1")
    assert other.read_text().count("\n") == 1, "a refused --out is left as it was"
    one_line_error(run_cli("check", "x", "--resume"), "--resume needs --file and --out")
