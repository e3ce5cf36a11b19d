"""Readers while an index is rebuilt (issue 29): checks looping in other processes never see a false "corrupt"
error, whatever moment a build switches CURRENT and removes old generations."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import write

from factcheck import FactcheckError
from factcheck.embed import create_embedder
from factcheck.index import FaissIndex, build_index

#: how long each reader loops (the builds go on as long as the readers run).
READ_SECONDS = 25
READERS = 2

READER = """
import json, sys, time
from factcheck import FactChecker
from factcheck.embed import create_embedder
from factcheck.index import open_index
from factcheck.verify import load_verifier

root, seconds, claim = sys.argv[1], float(sys.argv[2]), "Document 3 reports fact number 0."
embedder, verifier = create_embedder("all-MiniLM-L6-v2"), load_verifier()
FactChecker(open_index(root), embedder=embedder, verifier=verifier).check(claim)  # both models loaded (exported once)
print("ready", flush=True)
checks, failures, generations = 0, [], set()
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        index = open_index(root)  # a fresh open each time, as each `factcheck check` does
        generations.add(index.generation)
        verdict = FactChecker(index, embedder=embedder, verifier=verifier).check(claim)
        assert verdict.evidence, "no evidence"
        index.close()
        checks += 1
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"checks": checks, "failures": failures, "generations": sorted(generations)}), flush=True)
"""


def test_checks_during_rebuilds_never_fail(tmp_path: Path) -> None:
    """Checks looping in subprocesses while builds rebuild the index one after another: 2 checks in 50 had failed
    with "index ... is corrupt" (a build removed the old generation while a reader that had read CURRENT was still
    to open its files). Now none may fail, and the readers must have seen several generations."""
    docs = tmp_path / "docs"
    for i in range(40):
        write(docs / f"doc{i:03d}.txt", f"Document {i} reports fact number 0. It was filed in year {1900 + i}.")
    embedder = create_embedder("all-MiniLM-L6-v2")
    build_index([docs], tmp_path / "idx", embedder)
    script = tmp_path / "reader.py"
    script.write_text(READER)
    readers = [
        subprocess.Popen([sys.executable, str(script), str(tmp_path / "idx"), str(READ_SECONDS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(READERS)
    ]
    try:
        for reader in readers:
            assert reader.stdout is not None
            assert reader.stdout.readline().strip() == "ready", reader.stderr.read() if reader.stderr else ""
        builds = 0
        while any(r.poll() is None for r in readers):
            write(docs / "doc000.txt", f"Document 0 reports fact number 0, revision {builds}.")  # a new generation each time
            build_index([docs], tmp_path / "idx", embedder)
            builds += 1
            time.sleep(0.05)
        results = [json.loads(r.communicate(timeout=60)[0].strip().splitlines()[-1]) for r in readers]
    finally:
        for reader in readers:
            reader.kill()
    failures = [f for r in results for f in r["failures"]]
    assert failures == [], f"{len(failures)} of {sum(r['checks'] for r in results) + len(failures)} checks failed: {failures[:3]}"
    assert all(r["checks"] >= 10 for r in results), results
    seen = {g for r in results for g in r["generations"]}
    assert builds >= 10 and len(seen) >= 5, (builds, seen)  # the checks did run across rebuilds
    assert FaissIndex.open(tmp_path / "idx").passages([0])[0].text.endswith(f"revision {builds - 1}.")


def test_an_open_index_outlives_two_rebuilds(tmp_path: Path) -> None:
    """A view opened before two builds still searches its vectors and reads its passages (opened with it); its lexical
    half, opened on first use, is gone with its generation: that is said, with what to do, not "no lexical half"."""
    docs = tmp_path / "docs"
    for i in range(5):
        write(docs / f"doc{i}.txt", f"The RX-{i} valve failed in year {1990 + i}.")
    embedder = create_embedder("all-MiniLM-L6-v2")
    build_index([docs], tmp_path / "idx", embedder)
    held = FaissIndex.open(tmp_path / "idx")
    for revision in range(2):
        write(docs / "doc0.txt", f"The RX-0 valve was replaced, revision {revision}.")
        build_index([docs], tmp_path / "idx", embedder)
    assert not held.dir.exists()
    hits = held.search(embedder.encode_queries(["The RX-3 valve failed"]), 2)[0]
    assert hits[0].passage.text == "The RX-3 valve failed in year 1993."
    with pytest.raises(FactcheckError, match="was rebuilt since it was opened .* open it again"):
        held.lexical_search(["RX-3 valve"], ["en"], 2)
    assert FaissIndex.open(tmp_path / "idx").lexical_search(["RX-3 valve"], ["en"], 2)[0]
