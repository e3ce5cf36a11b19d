"""The public fact-checking sets, read from the files laid out as in ``shared/data`` (each set's SOURCE.md gives
its format and license), and labelled claim files of the user's own. Every loader of the project lives here:
evaluation and the verifier's training recipes read the same rows.

A benchmark is a list of :class:`Claim` (BEIR's queries with their qrels) and, for end-to-end runs, a corpus to
index (BEIR's corpus): :func:`prepare_benchmark` gives both for a benchmark's name.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._types import Claim
from ..errors import FactcheckError
from ..ingest import parse_jsonl
from ..labels import DISPUTED, UNVERIFIED, normalize_label
from ..settings import bench_dir

#: the public benchmarks ``factcheck eval`` runs; the last two ship no corpus (oracle only).
BENCHMARKS = ("scifact", "climate-fever", "fever-lite", "covid-fact")
ORACLE_ONLY = frozenset({"fever-lite", "covid-fact"})
#: one Climate-FEVER claim in this many (by claim id) is held out of training, for dev and evaluation.
CLIMATE_HELDOUT_EVERY = 3


def read_jsonl(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# ---------------------------------------------------------------- the sets' files


def scifact_corpus(data_dir: Path) -> dict[int, dict]:
    return {int(doc["doc_id"]): doc for doc in read_jsonl(data_dir / "scifact" / "corpus.jsonl.gz")}


def scifact_claims(data_dir: Path, split: str) -> list[dict]:
    return list(read_jsonl(data_dir / "scifact" / f"claims_{split}.jsonl"))


def climate_fever_claims(data_dir: Path) -> list[dict]:
    return list(read_jsonl(data_dir / "climate-fever" / "climate-fever.jsonl"))


def climate_fever_is_heldout(claim: dict, every: int = CLIMATE_HELDOUT_EVERY) -> bool:
    """Held-out claims (dev and evaluation): every ``every``-th claim id."""
    return int(claim["claim_id"]) % every == 0


_PTB = [(" -LRB- ", " ("), ("-LRB- ", "("), (" -RRB-", ")"), ("-LSB-", "["), ("-RSB-", "]"), ("``", '"'), ("''", '"')]


def detokenize(text: str) -> str:
    """Undo FEVER's Penn-Treebank tokenization (-LRB-, spaces before punctuation)."""
    for old, new in _PTB:
        text = text.replace(old, new)
    text = re.sub(r" ([,.;:!?%)\]])", r"\1", text)
    text = re.sub(r" 's\b", "'s", text)
    text = re.sub(r" n't\b", "n't", text)
    return re.sub(r"\s+", " ", text).strip()


def fever_lite_rows(data_dir: Path, split: str) -> list[dict]:
    name = {"train": "validation", "validation": "validation", "test": "test"}[split]
    return list(read_jsonl(data_dir / "fever" / "feverlite" / f"{name}.jsonl"))


def covid_fact_rows(data_dir: Path, split: str) -> list[tuple[str, str, str, str]]:
    """COVID-Fact's RTE rows: (row id, evidence sentences joined by " > ", claim, entailment / not_entailment)."""
    rows = []
    with open(data_dir / "covid-fact" / "RTE-covidfact" / f"{split}.tsv", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) >= 4:
                rows.append((row[0], row[1], row[2].strip(), row[3].strip()))
    return rows


# ---------------------------------------------------------------- benchmarks as labelled claims


def scifact_dev(data_dir: Path) -> tuple[list[Claim], Path]:
    """SciFact dev claims (SUPPORT / CONTRADICT / NEI) and the path of its 5,183-abstract corpus."""
    corpus = scifact_corpus(data_dir)
    claims = []
    for row in scifact_claims(data_dir, "dev"):
        labels = {ev["label"] for sets in row["evidence"].values() for ev in sets}
        label = normalize_label(labels.pop()) if len(labels) == 1 else (UNVERIFIED if not labels else DISPUTED)
        evidence = [
            " ".join(corpus[int(doc)]["abstract"][i] for i in ev["sentences"]) for doc, sets in row["evidence"].items() for ev in sets
        ]
        if not evidence:  # NEI: the oracle evidence is the cited abstracts, which do not bear on the claim
            evidence = [s for doc in row.get("cited_doc_ids", []) for s in corpus.get(int(doc), {}).get("abstract", [])]
        doc_labels = {str(doc): normalize_label(sets[0]["label"]) for doc, sets in row["evidence"].items() if sets}
        claims.append(Claim(str(row["id"]), row["claim"], label, evidence, [str(d) for d in row["evidence"]], doc_labels))
    return claims, data_dir / "scifact" / "corpus.jsonl.gz"


def climate_fever_heldout(data_dir: Path, every: int = CLIMATE_HELDOUT_EVERY) -> tuple[list[Claim], list[dict]]:
    """Held-out Climate-FEVER claims and the closed corpus of all its evidence sentences."""
    rows = climate_fever_claims(data_dir)
    claims = [
        Claim(
            r["claim_id"],
            r["claim"],
            normalize_label(r["claim_label"]) if r["claim_label"] != "DISPUTED" else DISPUTED,
            [e["evidence"] for e in r["evidences"]],  # oracle: the five annotated candidate sentences
            [e["evidence_id"] for e in r["evidences"] if e["evidence_label"] != "NOT_ENOUGH_INFO"],
            {e["evidence_id"]: normalize_label(e["evidence_label"]) for e in r["evidences"] if e["evidence_label"] != "NOT_ENOUGH_INFO"},
        )
        for r in rows
        if climate_fever_is_heldout(r, every)
    ]
    corpus = {e["evidence_id"]: {"id": e["evidence_id"], "title": e["article"], "text": e["evidence"]} for r in rows for e in r["evidences"]}
    return claims, list(corpus.values())


def fever_lite_test(data_dir: Path) -> list[Claim]:
    """FEVER-Lite test claims (SUPPORTS / REFUTES) with their evidence sentences (oracle only)."""
    return [
        Claim(f"fever-lite-test-{i}", r["claim"], normalize_label(r["label"]), [detokenize(e) for e in r["evidence"]])
        for i, r in enumerate(fever_lite_rows(data_dir, "test"))
    ]


def covid_fact_dev(data_dir: Path) -> list[Claim]:
    """COVID-Fact dev claims (entailment -> supported, not_entailment -> disputed), evidence inline (oracle only)."""
    return [
        Claim(f"covid-fact-dev-{row_id}", claim, normalize_label(label), [e.strip() for e in evidence.split(" > ") if e.strip()])
        for row_id, evidence, claim, label in covid_fact_rows(data_dir, "dev")
    ]


def load_claims(path: Path) -> tuple[list[Claim], list[str]]:
    """Labelled claims from a JSONL file: ``claim``, ``label`` (any usual spelling), optional ``id``,
    ``evidence`` (list of strings: oracle mode), ``evidence_ids`` (gold document ids) and ``kind`` (results per kind). A malformed row is
    skipped with a message naming the file, line and field; the other rows are kept."""
    claims: list[Claim] = []
    skipped: list[str] = []
    seen: dict[str, int] = {}
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FactcheckError(f"{path} is not UTF-8 text: convert it with iconv -t UTF-8") from None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            (_, row), = parse_jsonl(line)
        except ValueError as exc:
            skipped.append(f"{path}:{lineno}: {str(exc).partition(': ')[2]}")
            continue
        problem = None
        claim, evidence, ids = row.get("claim"), row.get("evidence", []), row.get("evidence_ids", [])
        claim_id = str(row.get("id", lineno))
        if not isinstance(claim, str) or not claim.strip():
            problem = 'field "claim": missing or empty'
        elif not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            problem = 'field "evidence": must be a list of strings'
        elif not isinstance(ids, list) or not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in ids):
            problem = 'field "evidence_ids": must be a list of document ids (strings or integers)'
        elif claim_id in seen:
            problem = f'field "id": {claim_id!r} already used on line {seen[claim_id]}'
        else:
            try:
                label = normalize_label(row.get("label"))
            except ValueError as exc:
                problem = f'field "label": {exc}'
        if problem:
            skipped.append(f"{path}:{lineno}: {problem}")
            continue
        seen[claim_id] = lineno
        claims.append(Claim(claim_id, str(claim), label, list(evidence), [str(i) for i in ids], kind=str(row.get("kind") or "")))
    return claims, skipped


def sample(claims: list[Claim], n: int | None, seed: int = 13) -> list[Claim]:
    if n is None or n >= len(claims):
        return claims
    rng = random.Random(seed)
    return sorted(rng.sample(claims, n), key=lambda c: c.id)


# ---------------------------------------------------------------- a benchmark by name


@dataclass
class Benchmark:
    """What a run evaluates: labelled claims and, for end-to-end runs, the corpus to index and retrieve from."""

    name: str
    claims: list[Claim]
    #: documents to index (files or folders); None for a benchmark that ships none (oracle only) or an existing index.
    corpus: list[Path] | None = None
    #: where the corpus's index is cached between runs (under the cache directory).
    index_dir: Path | None = None
    #: messages for the malformed rows of a user's claims file.
    skipped: tuple[str, ...] = ()


def load_benchmark(name: str, data_dir: Path, *, oracle: bool = True) -> Benchmark:
    """A public benchmark read from ``data_dir`` (laid out as ``shared/data``), with its corpus where it has one;
    ``oracle=False`` (a run that retrieves) refuses a benchmark that ships no corpus."""
    if name not in BENCHMARKS:
        raise FactcheckError(f"unknown benchmark {name!r}: use one of {', '.join(BENCHMARKS)}")
    if not data_dir.is_dir():
        raise FactcheckError(f"--data-dir {data_dir} does not exist: point it at the folder holding scifact/, fever/, ...")
    if name in ORACLE_ONLY and not oracle:
        raise FactcheckError(f"{name} ships no corpus to retrieve from: run it with --oracle")
    work = bench_dir()
    if name == "scifact":
        claims, corpus_file = scifact_dev(data_dir)
        return Benchmark(name, claims, [corpus_file], work / "scifact-index")
    if name == "climate-fever":
        claims, rows = climate_fever_heldout(data_dir)
        corpus_file = work / "climate-fever-corpus.jsonl"
        corpus_file.parent.mkdir(parents=True, exist_ok=True)
        corpus_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return Benchmark(name, claims, [corpus_file], work / "climate-fever-index")
    if name == "fever-lite":
        return Benchmark(name, fever_lite_test(data_dir))
    return Benchmark(name, covid_fact_dev(data_dir))


def user_benchmark(claims_file: Path, corpus: Path | None = None) -> Benchmark:
    """The user's labelled claims (:func:`load_claims`) and, optionally, documents to index for them; the index is
    cached under a name derived from the corpus's absolute path."""
    if not claims_file.is_file():
        raise FactcheckError(f"claims file not found: {claims_file}")
    if corpus is not None and not corpus.exists():
        raise FactcheckError(f"--corpus {corpus} does not exist: give a JSONL file of {{id, title, text}} rows or a folder of documents")
    claims, skipped = load_claims(claims_file)
    if corpus is None:
        return Benchmark(claims_file.stem, claims, skipped=tuple(skipped))
    digest = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:16]
    return Benchmark(claims_file.stem, claims, [corpus], bench_dir() / f"corpus-{digest}", tuple(skipped))


def milvus_bench_name(index_dir: Path) -> str:
    """The Milvus index name for a benchmark's cache directory (scifact-index -> factcheck_bench_scifact_index)."""
    return "factcheck_bench_" + re.sub(r"[^A-Za-z0-9_]", "_", index_dir.name)
