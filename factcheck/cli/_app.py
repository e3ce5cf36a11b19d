"""The ``factcheck`` command line: argument parsing over the library; what it prints is in :mod:`._render`."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import sys
import warnings
from datetime import datetime
from pathlib import Path

import click

from .._types import Verdict
from ..embed import create_embedder
from ..errors import FactcheckError
from ..evaluation import BENCHMARKS, ORACLE_ONLY, RunConfig, benchmark_index, compare_runs, load_benchmark, run_benchmark, sample, user_benchmark
from ..index import RETRIEVAL_MODES, IndexConfig, SearchFilter, build_index, open_index, resolve_backend
from ..ingest import parse_jsonl, read_documents
from ..integrations.ray import CheckerSpec, check_on_ray
from ..labels import LABELS
from ..pipeline import FactChecker
from ..settings import __version__, cache_dir
from ..training import (
    RecipeConfig,
    TrainConfig,
    checkpoint_to_resume,
    dev_sets,
    load_pairs,
    summarize,
    summarize_synthetic,
    synthetic_training_pairs,
    train_verifier,
    training_pairs,
    write_jsonl,
)
from ..verify import load_verifier
from ._html import text_report_html
from ._render import print_comparison, print_manifest, print_summary, print_text_report, print_verdict, progress_hook, stderr, stdout


def _os_error(exc: OSError) -> str:
    text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    if exc.filename and str(exc.filename).startswith(str(cache_dir())):
        text += " (in factcheck's cache directory: set FACTCHECK_CACHE_DIR to a folder you can write)"
    return text


class _Group(click.Group):
    """Every user error ends as one line on stderr and exit code 2, with no traceback."""

    def main(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            rc = super().main(*args, **kwargs)  # type: ignore[call-overload]
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("factcheck: interrupted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            where = f"{ctx.command_path}: " if ctx is not None else "factcheck: "
            hint = f" (see {ctx.command_path} --help)" if isinstance(exc, click.UsageError) and ctx is not None else ""
            click.echo(f"{where}error: {exc.format_message()}{hint}", err=True)
            sys.exit(2)
        except FactcheckError as exc:
            click.echo(f"factcheck: error: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("factcheck: interrupted (an index being built is left as it was before)", err=True)
            sys.exit(130)
        except OSError as exc:  # the machine's, not the input's: a full disk, a folder that cannot be written
            click.echo(f"factcheck: error: {_os_error(exc)}", err=True)
            sys.exit(2)
        sys.exit(rc if isinstance(rc, int) else 0)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple:
        # `factcheck eval compare RUN_A RUN_B`: `eval` takes a BENCHMARK argument, so its one subcommand is
        # dispatched here rather than by making `eval` a group (which could not take that argument).
        if args[:2] == ["eval", "compare"]:
            return "eval compare", eval_compare, args[2:]
        return super().resolve_command(ctx, args)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="factcheck")
def main() -> None:
    """Check claims against your own documents, offline.

    \b
    factcheck index ./my-docs --index ./my-index
    factcheck check "Stargate funds will not be available" --index ./my-index
    factcheck check "..."            (no --index: the bundled demo corpus)
    """


# ---------------------------------------------------------------- index


def _retrieval_option(fn):  # type: ignore[no-untyped-def]
    return click.option(
        "--retrieval",
        type=click.Choice(["auto", *RETRIEVAL_MODES]),
        default="auto",
        show_default=True,
        help="dense (embeddings), lexical (BM25) or hybrid (both, fused; the last two need an index built with its lexical half); auto: dense, for now.",
    )(fn)


def _backend_options(fn):  # type: ignore[no-untyped-def]
    """--backend and --uri: where the index lives (a FAISS directory, or a Milvus server / milvus-lite file)."""
    fn = click.option(
        "--uri", default=None, metavar="URI", help="Milvus server or cluster (http://HOST:19530) or a milvus-lite file (PATH.db); implies --backend milvus."
    )(fn)
    return click.option(
        "--backend", type=click.Choice(["faiss", "milvus"]), default=None, help="Index backend [default: faiss, or milvus with --uri]; with milvus, --index is the index name."
    )(fn)


def _backend(backend: str | None, uri: str | None) -> str:
    backend = resolve_backend(backend, uri)
    if backend == "milvus" and not uri:
        raise click.UsageError("--backend milvus needs --uri http://HOST:19530 (or a milvus-lite file PATH.db)")
    if backend == "faiss" and uri:
        raise click.UsageError("--uri is for the milvus backend: drop it, or use --backend milvus")
    return backend


def _index_location(index_dir: Path | None, backend: str) -> str | None:
    """A FAISS directory as an absolute path (Ray workers run elsewhere); a Milvus index name as given."""
    if index_dir is None:
        return None
    return str(index_dir) if backend == "milvus" else str(index_dir.resolve())


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index directory (FAISS) or index name (Milvus) to create or update.")
@_backend_options
@click.option(
    "--milvus-index",
    type=click.Choice(["auto", "FLAT", "HNSW", "IVF_FLAT", "IVF_SQ8", "IVF_PQ"], case_sensitive=False),
    default="auto",
    show_default=True,
    help="Milvus index type (auto: FLAT up to 500k passages, HNSW up to 20M, IVF_SQ8 beyond).",
)
@click.option(
    "--embedder",
    default=None,
    help="use-multilingual, multilingual-e5-small, or a sentence-transformers model name or path "
    "[default: the index's own; for a new one all-MiniLM-L6-v2, or use-multilingual when most of the text is not English].",
)
@click.option(
    "--retrieval",
    type=click.Choice(["hybrid", "dense"]),
    default=None,
    help="hybrid: also build a lexical (BM25) index beside the vectors, for check --retrieval hybrid or lexical [default; Milvus: dense only].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
def index(
    paths: tuple[Path, ...], index_dir: Path, backend: str | None, uri: str | None, milvus_index: str, embedder: str | None, retrieval: str | None, as_json: bool
) -> None:
    """Index documents (.txt .md .html .jsonl .csv .pdf) for checking; re-embeds only what changed."""
    backend_name = _backend(backend, uri)
    if backend_name == "milvus" and retrieval == "hybrid":
        raise FactcheckError("--retrieval hybrid: Milvus indexes are dense only (the Milvus server has no full-text search here): drop --retrieval, or build a FAISS index")
    mode = retrieval or ("dense" if backend_name == "milvus" else "hybrid")
    config = IndexConfig(backend=backend_name, uri=uri, milvus_index=milvus_index, retrieval=mode)
    emb = create_embedder(embedder) if embedder else None
    with progress_hook(lines=True) as hook:
        report = build_index(list(paths), str(index_dir) if config.backend == "milvus" else index_dir, emb, config, progress=hook)
    if as_json:
        click.echo(json.dumps(report.__dict__, ensure_ascii=False))
        return
    console = stderr()
    console.print(
        f"[bold]Indexed[/] {report.documents} documents, {report.passages} passages into {index_dir} "
        f"in {report.seconds:.1f}s: embedded {report.embedded_documents} new or changed documents "
        f"({report.embedded_passages} passages), kept {report.reused_documents}, removed {report.removed_documents}."
    )
    for path, reason in report.skipped:
        console.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False)


# ---------------------------------------------------------------- check


def _read_claims(file: Path) -> list[dict]:
    if not file.is_file():
        raise FactcheckError(f"claims file not found: {file}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FactcheckError(f"{file} is not UTF-8 text: convert it with iconv -t UTF-8") from None
    rows: list[dict] = []
    if file.suffix.lower() in {".jsonl", ".json"}:
        try:
            for lineno, row in parse_jsonl(text):
                claim = row.get("claim")
                if not isinstance(claim, str) or not claim.strip():
                    raise ValueError(f"line {lineno}: no \"claim\" text in this row")
                rows.append(row)
        except ValueError as exc:
            line, _, problem = str(exc).partition(": ")
            raise FactcheckError(f"{file}:{line.removeprefix('line ')}: {problem} (one JSON object per line, with a \"claim\" field)") from None
    elif file.suffix.lower() in {".csv", ".tsv"}:
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if file.suffix.lower() == ".tsv" else ",")
        if "claim" not in (reader.fieldnames or []):
            raise FactcheckError(f"{file}: no \"claim\" column in its header ({', '.join(reader.fieldnames or []) or 'empty'}): name the claims' column claim")
        for row in reader:
            claim = row.get("claim")
            if not claim or not claim.strip():
                raise FactcheckError(f"{file}:{reader.line_num}: no claim text in this row")
            rows.append({k: v for k, v in row.items() if k is not None})
    else:
        rows = [{"claim": line.strip()} for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise FactcheckError(f"{file} holds no claim: one claim per line (.txt), {{\"claim\": ...}} per line (.jsonl) or a claim column (.csv, .tsv)")
    return rows


def _write_html(path: Path, page: str) -> None:
    """Write a page whole or not at all (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FactcheckError(f"--html {path}: cannot write it ({exc.strerror or exc}): give a writable file name") from None


def _read_doc(doc: Path) -> str:
    """The text of --doc: standard input for -, else the file read as factcheck index reads it (front matter and
    HTML markup left out)."""
    if str(doc) == "-":
        return sys.stdin.read()
    if not doc.is_file():
        raise FactcheckError(f"--doc {doc}: no such file (give a .txt, .md or .html file, or - for standard input)")
    report = read_documents([doc])
    if not report.documents:
        why = report.skipped[0][1] if report.skipped else "unreadable"
        raise FactcheckError(f"--doc {doc}: {why} (give a .txt, .md or .html file, or - for standard input)")
    return report.documents[0].text


def _open_checker(spec: CheckerSpec) -> FactChecker:
    if spec.index is None:
        if spec.embedder:
            raise FactcheckError("--embedder needs --index (the demo index is built with the default embedder)")
        with progress_hook(transient=True) as hook:
            FactChecker.demo(verifier=spec.verifier, progress=hook, backend=spec.backend, uri=spec.uri)
    return spec.open()


def _filter(sources: tuple[str, ...], languages: tuple[str, ...], since: str | None, until: str | None) -> SearchFilter | None:
    where = SearchFilter(sources=tuple(sources), languages=tuple(languages), since=since, until=until)
    return where or None


@main.command()
@click.argument("claim", required=False)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index directory [default: the bundled demo corpus].")
@click.option("--file", "claims_file", type=click.Path(path_type=Path), help="Check every claim of a .txt (one per line), .jsonl ({\"claim\": ...} per line) or .csv/.tsv (a claim column) file.")
@click.option("--doc", "doc", type=click.Path(path_type=Path, allow_dash=True), help="Check a whole text (.txt, .md, .html; - for standard input): its check-worthy sentences, each checked and marked in place.")
@click.option("--out", type=click.Path(path_type=Path), help="Write verdicts as JSONL to this file (with --file).")
@click.option("--html", "html_out", type=click.Path(path_type=Path), help="With --doc: also write the report as a self-contained HTML page to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--top-k", type=click.IntRange(1, 100), default=None, help="Passages retrieved per claim.")
@click.option("--verifier", default=None, help="CrossEncoder NLI model name or path [default: the shipped verifier].")
@click.option("--judge-all", is_flag=True, help="Also judge passages below the similarity gate (slower; they never change the label).")
@_retrieval_option
@click.option("--embedder", default=None, help="Must match the embedder the index was built with.")
@_backend_options
@click.option("--source", "sources", multiple=True, help="Only evidence from this source (repeatable).")
@click.option("--lang", "languages", multiple=True, help="Only evidence in this language, e.g. en (repeatable).")
@click.option("--since", default=None, metavar="DATE", help="Only evidence dated on or after DATE (ISO, e.g. 2025-02-01).")
@click.option("--until", default=None, metavar="DATE", help="Only evidence dated on or before DATE.")
@click.option("--ray", "use_ray", is_flag=True, help="With --file: check the claims on Ray workers (a local cluster, or --ray-address).")
@click.option("--ray-address", default=None, metavar="ADDR", help="Ray cluster to run on (e.g. ray://head:10001 or auto); implies --ray.")
@click.option("--ray-workers", type=click.IntRange(1), default=None, help="Ray workers, each loading the models once [default: one per CPU].")
def check(
    claim: str | None,
    index_dir: Path | None,
    claims_file: Path | None,
    doc: Path | None,
    out: Path | None,
    html_out: Path | None,
    as_json: bool,
    top_k: int | None,
    verifier: str | None,
    judge_all: bool,
    retrieval: str,
    embedder: str | None,
    backend: str | None,
    uri: str | None,
    sources: tuple[str, ...],
    languages: tuple[str, ...],
    since: str | None,
    until: str | None,
    use_ray: bool,
    ray_address: str | None,
    ray_workers: int | None,
) -> None:
    """Check a CLAIM (or every claim of --file, or a whole text with --doc) and print the verdicts with the deciding evidence."""
    if sum(x is not None for x in (claim, claims_file, doc)) > 1:
        raise click.UsageError("give one of a CLAIM, --file or --doc")
    if claim is None and claims_file is None and doc is None:
        raise click.UsageError("give a CLAIM to check, --file with one claim per line, or --doc with a whole text")
    if out is not None and claims_file is None:
        raise click.UsageError("--out needs --file")
    if html_out is not None and doc is None:
        raise click.UsageError("--html writes the report of a --doc")
    if html_out is not None and html_out.is_dir():
        raise FactcheckError(f"--html {html_out} is a directory: give a file name, such as report.html")
    if claim is not None and not claim.strip():
        raise FactcheckError("empty claim: give the text of the claim to check")
    use_ray = use_ray or ray_address is not None or ray_workers is not None
    if use_ray and claims_file is None:
        raise click.UsageError("--ray checks a --file of claims")
    backend = _backend(backend, uri)
    rows = _read_claims(claims_file) if claims_file is not None else None
    if out is not None and out.exists() and out.is_dir():
        raise FactcheckError(f"--out {out} is a directory: give a file name")
    spec = CheckerSpec(
        index=_index_location(index_dir, backend), backend=backend, uri=uri, embedder=embedder, verifier=verifier, top_k=top_k,
        judge_below_gate=judge_all, where=_filter(sources, languages, since, until), retrieval=retrieval,
    )
    if use_ray:
        assert rows is not None
        if index_dir is None and spec.embedder:
            raise FactcheckError("--embedder needs --index (the demo index is built with the default embedder)")
        if index_dir is None:
            _open_checker(spec)  # the demo index is built once, here, before the workers open it
        else:
            assert spec.index is not None
            open_index(spec.index, backend, uri).close()  # a missing or broken index: one error here, not one per worker
        dicts = _check_file_on_ray(spec, rows, ray_address, ray_workers)
        for message in dict.fromkeys(w for d in dicts for w in d["warnings"]):
            click.echo(f"factcheck: warning: {message}", err=True)
        _write_verdicts(rows, dicts, out, as_json)
        return
    if doc is not None:
        if use_ray or out is not None:
            raise click.UsageError("--doc prints its report (add --json for JSON): --ray and --out are for --file")
        text = _read_doc(doc)
        checker = _open_checker(spec)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with progress_hook(transient=True, unit="") as hook:
                report = checker.check_text(text, progress=hook).to_dict()
        for message in {str(w.message) for w in caught}:
            click.echo(f"factcheck: warning: {message}", err=True)
        if html_out is not None:
            _write_html(html_out, text_report_html(report, text, title=f"factcheck: {doc.name if str(doc) != '-' else 'standard input'}"))
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False))
        else:
            print_text_report(stdout(), report, text)
        if html_out is not None:
            click.echo(f"factcheck: wrote {html_out}", err=True)
        return
    checker = _open_checker(spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if rows is None:
            assert claim is not None
            verdict = checker.check(claim)
            for w in caught:
                click.echo(f"factcheck: warning: {w.message}", err=True)
            if as_json:
                click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
            else:
                print_verdict(stdout(), verdict)
            return
        verdicts = _check_file(checker, rows)
    for message in {str(w.message) for w in caught}:
        click.echo(f"factcheck: warning: {message}", err=True)
    _write_verdicts(rows, [v.to_dict() for v in verdicts], out, as_json)


def _write_verdicts(rows: list[dict], verdicts: list[dict], out: Path | None, as_json: bool) -> None:
    lines = [json.dumps({**_extra(row), **v}, ensure_ascii=False) for row, v in zip(rows, verdicts)]
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        tmp.replace(out)
        counts = {label: sum(v["label"] == label for v in verdicts) for label in LABELS}
        stderr().print(f"Wrote {len(verdicts)} verdicts to {out}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    elif as_json:
        click.echo("\n".join(lines))
    else:
        print_summary(stdout(), verdicts)


def _extra(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in {"claim", "label", "confidence", "evidence", "warnings"}}


def _check_file(checker: FactChecker, rows: list[dict]) -> list[Verdict]:
    with progress_hook(unit="") as hook:
        return checker.check_many([r["claim"] for r in rows], batch_size=32, progress=hook)


def _check_file_on_ray(spec: CheckerSpec, rows: list[dict], address: str | None, workers: int | None) -> list[dict]:
    claims = [r["claim"] for r in rows]
    for i, c in enumerate(claims, 1):
        if not c.strip():
            raise FactcheckError(f"claim {i} is empty: give the text of the claim to check")
    with progress_hook(unit="") as hook:
        return check_on_ray(claims, spec, address=address, workers=workers, batch_size=32, progress=hook)


# ---------------------------------------------------------------- info


@main.command()
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index directory (FAISS) or index name (Milvus).")
@_backend_options
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def info(index_dir: Path, backend: str | None, uri: str | None, as_json: bool) -> None:
    """Show what an index holds and how it was built."""
    manifest = open_index(index_dir, _backend(backend, uri), uri).manifest
    if as_json:
        click.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
        return
    print_manifest(manifest, index_dir)


# ---------------------------------------------------------------- training the verifier


@main.command("recipes")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("../shared/data"), show_default=True, help="Public fact-checking sets, laid out as shared/data.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="Folder for train.jsonl and the dev sets.")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--no-retrieval", is_flag=True, help="Skip the hard negatives the embedder retrieves (faster).")
@click.option("--symmetric-negation", is_flag=True, help="Also negate contradicted claims (-> entailment) and neutral pairs (-> neutral), so that a negated claim is no cue for contradiction.")
@click.option("--synthetic", type=click.IntRange(0), default=0, show_default=True, help="Also add N synthetic pairs made by editing the sets' sentences (English and French; needs the train extra: spaCy).")
def recipes_cmd(data_dir: Path, out: Path, seed: int, no_retrieval: bool, symmetric_negation: bool, synthetic: int) -> None:
    """Build the verifier's training and dev pairs from SciFact, Climate-FEVER, FEVER-Lite and COVID-Fact."""
    if not data_dir.is_dir():
        raise FactcheckError(f"--data-dir {data_dir} does not exist: point it at the folder holding scifact/, fever/, ...")
    config = RecipeConfig(seed=seed, symmetric_negation=symmetric_negation)
    embedder = None if no_retrieval else create_embedder()
    pairs = training_pairs(data_dir, config, embedder)
    report: dict = {}
    if synthetic:
        made = synthetic_training_pairs(data_dir, synthetic, seed)
        pairs = pairs + made
        random.Random(seed).shuffle(pairs)
        report["synthetic"] = {"pairs": len(made), "by_transform": summarize_synthetic(made)}
    write_jsonl(pairs, out / "train.jsonl")
    for name, rows in dev_sets(data_dir, config, embedder).items():
        write_jsonl(rows, out / f"{name}.jsonl")
    click.echo(json.dumps({"train": len(pairs), "by_source": summarize(pairs), **report}, indent=2))


@main.command()
@click.option("--train", "train_data", required=True, help="Training rows (evidence, claim, label): a .jsonl/.json/.csv/.tsv file or a hub dataset name.")
@click.option("--dev", "dev_data", default=None, help="Dev rows in the same format, evaluated every epoch (the best epoch is kept).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the trained CrossEncoder.")
@click.option("--base-model", default=None, help="Model to start from [default: all-MiniLM-L6-v2].")
@click.option("--epochs", type=click.IntRange(1, 100), default=TrainConfig.epochs, show_default=True)
@click.option("--lr", type=float, default=TrainConfig.learning_rate, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 4096), default=TrainConfig.batch_size, show_default=True)
@click.option("--max-length", type=click.IntRange(16, 4096), default=256, show_default=True)
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--claim-only", is_flag=True, help="Train the claim-only baseline (evidence blanked).")
@click.option("--group-by-length", is_flag=True, help="Batches of similar token length: much less padding, so much faster on a CPU (the shipped verifier was trained without).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its last epoch checkpoint in OUT/checkpoints (same data and options).")
def train(train_data: str, dev_data: str | None, out: Path, base_model: str | None, epochs: int, lr: float, batch_size: int, max_length: int, seed: int, claim_only: bool, group_by_length: bool, resume: bool) -> None:
    """Fine-tune a 3-label NLI CrossEncoder (entailment / neutral / contradiction) as a verifier."""
    config = TrainConfig(epochs=epochs, learning_rate=lr, batch_size=batch_size, max_length=max_length, seed=seed, claim_only=claim_only, group_by_length=group_by_length)
    if base_model:
        config = TrainConfig(**{**config.__dict__, "base_model": base_model})
    checkpoint_to_resume(out, config, resume)  # before loading any data: a refused folder costs nothing
    result = train_verifier(load_pairs(train_data), out, load_pairs(dev_data, split="dev") if dev_data else None, config, resume=resume)
    click.echo(json.dumps(result.__dict__, indent=2))


# ---------------------------------------------------------------- evaluation

@main.command("eval", epilog="Compare two run folders: factcheck eval compare RUN_A RUN_B [--json]")
@click.argument("benchmark", required=False, type=click.Choice(BENCHMARKS))
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("../shared/data"), show_default=True, help="Local copies of the public sets (laid out as shared/data).")
@click.option("--oracle", is_flag=True, help="Judge each claim against its gold evidence instead of retrieving.")
@click.option("--claims", "claims_file", type=click.Path(path_type=Path), help="Your labelled claims (JSONL: claim, label, optional evidence / evidence_ids).")
@click.option("--corpus", type=click.Path(path_type=Path), help="With --claims: documents to index and retrieve from (JSONL {id, title, text} or a folder).")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="With --claims: an existing index to retrieve from.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Evaluate a random sample of N claims (seed 13).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Run folder [default: runs/NAME-MODE-TIME].")
@click.option("--verifier", default=None, help="CrossEncoder NLI model name or path [default: the shipped verifier].")
@_backend_options
@click.option("--claim-only-model", type=click.Path(path_type=Path, file_okay=False), default=None, help="A claim-only model folder, reported as a baseline (SWEEP/claim-only-bs16 from eval/sweep_verifier.py --only claim-only-bs16).")
@click.option("--latency-sample", type=click.IntRange(0), default=50, show_default=True, help="Claims timed one at a time for the latency percentiles (0: none).")
@_retrieval_option
@click.option("--gate/--no-gate", "gate", default=None, help="With --oracle: apply the similarity gate to gold evidence too [default: on, except fever-lite and covid-fact, whose gold evidence always bears on the claim].")
def eval_cmd(
    benchmark: str | None,
    data_dir: Path,
    oracle: bool,
    claims_file: Path | None,
    corpus: Path | None,
    index_dir: Path | None,
    limit: int | None,
    out: Path | None,
    verifier: str | None,
    claim_only_model: Path | None,
    latency_sample: int,
    gate: bool | None,
    retrieval: str,
    backend: str | None,
    uri: str | None,
) -> None:
    """Measure accuracy on a public BENCHMARK, or on your own labelled --claims file.

    Writes a run folder: metrics.json, predictions.jsonl, report.md and PNG plots.
    """
    index_config = IndexConfig(backend=_backend(backend, uri), uri=uri)
    if (benchmark is None) == (claims_file is None):
        raise click.UsageError("give a BENCHMARK (scifact, climate-fever, fever-lite, covid-fact) or --claims FILE")
    if gate is not None and not (oracle or (claims_file is not None and corpus is None and index_dir is None)):
        raise click.UsageError("--gate/--no-gate applies to oracle runs (end to end, the gate always applies)")
    if claim_only_model is not None and not (claim_only_model / "config.json").is_file():
        raise FactcheckError(f"--claim-only-model {claim_only_model} is not a model folder (no config.json): train one with eval/sweep_verifier.py --pairs PAIRS --out SWEEP --only claim-only-bs16 and give SWEEP/claim-only-bs16")
    index_location: str | None = None
    if claims_file is not None:
        if corpus is not None and index_dir is not None:
            raise click.UsageError("give --corpus or --index, not both")
        bench = user_benchmark(claims_file, corpus)
        oracle = oracle or (corpus is None and index_dir is None)
        if index_dir is not None:
            index_location = str(index_dir)
    else:
        assert benchmark is not None
        bench = load_benchmark(benchmark, data_dir, oracle=oracle)
    if bench.corpus is not None and (not oracle or claims_file is not None):
        with progress_hook() as hook:
            index_location = benchmark_index(bench, index_config, hook)
    for message in bench.skipped:
        click.echo(f"factcheck: skipped {message}", err=True)
    claims = sample(bench.claims, limit)
    if not claims:
        raise FactcheckError(f"no claim to evaluate in {claims_file or benchmark}")
    name = bench.name
    mode = "oracle" if oracle else "end-to-end"
    if index_location is None:
        checker = FactChecker(None, verifier=load_verifier(verifier))
    else:
        checker = FactChecker.open(index_location, verifier=verifier, backend=index_config.backend, uri=uri).with_config(retrieval=retrieval)
    out = out or Path("runs") / f"{name}-{mode}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    gate_oracle = gate if gate is not None else name not in ORACLE_ONLY or claims_file is not None
    run = RunConfig(latency_sample=latency_sample, claim_only_model=str(claim_only_model) if claim_only_model else None, gate_oracle_evidence=gate_oracle)
    command = "factcheck eval " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["eval"] else None
    meta = {"skipped_rows": len(bench.skipped), "limit": limit, "command": command, "backend": index_config.backend}
    with progress_hook(unit="") as hook:
        result = run_benchmark(checker, claims, name=name, oracle=oracle, out_dir=out, meta=meta, config=run, progress=hook)
    if not result["plots"]:
        click.echo("factcheck: warning: plots not written: matplotlib is missing (pip install 'factcheck[eval]')", err=True)
    extra = ""
    if "retrieval" in result:
        extra = f", recall@5 {result['retrieval']['recall@5']:.3f}, nDCG@10 {result['retrieval']['ndcg@10']:.3f}"
    click.echo(f"{name} ({mode}): {result['n']} claims, accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f} "
               f"(majority class {result['baselines']['majority_class']['macro_f1']:.3f}, retrieval only {result['baselines']['retrieval_only']['macro_f1']:.3f}), "
               f"ECE {result['calibration']['ece']:.3f}{extra}; {result['speed']['claims_per_second']} claims/s; run folder {out}")


@click.command("compare")
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as one JSON object.")
@click.option("--examples", type=click.IntRange(0), default=5, show_default=True, help="Flipped predictions to show.")
def eval_compare(run_a: Path, run_b: Path, as_json: bool, examples: int) -> None:
    """Show what changed between two run folders of factcheck eval: metric deltas and flipped predictions."""
    diff = compare_runs(run_a, run_b, examples)
    if as_json:
        click.echo(json.dumps(diff, ensure_ascii=False, indent=2))
        return
    print_comparison(diff)
