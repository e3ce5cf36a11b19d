"""The ``factcheck`` command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import click

from . import __version__
from .errors import FactcheckError
from .train import TrainConfig

if TYPE_CHECKING:
    from rich.console import Console

    from .index import IndexConfig, SearchFilter
    from .pipeline import FactChecker, Verdict
    from .ray_batch import CheckerSpec

LABEL_STYLE = {"supported": "bold green", "disputed": "bold red", "unverified": "bold yellow"}
STANCE_STYLE = {"entailment": "green", "contradiction": "red", "neutral": "dim"}


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _stdout() -> Console:
    from rich.console import Console

    return Console()


def _os_error(exc: OSError) -> str:
    from .pipeline import cache_dir

    text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    if exc.filename and str(exc.filename).startswith(str(cache_dir())):
        text += " (in factcheck's cache directory: set FACTCHECK_CACHE_DIR to a folder you can write)"
    return text


class _Group(click.Group):
    """Every user error ends as one line on stderr and exit code 2, with no traceback."""

    def main(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            rc = super().main(*args, **kwargs)  # type: ignore[arg-type]
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

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple:  # type: ignore[override]
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


def _new_progress(transient: bool = False) -> object:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_stderr(),
        transient=transient,
    )


@contextmanager
def _progress(transient: bool = False) -> Iterator:
    with _new_progress(transient) as progress:  # type: ignore[attr-defined]
        yield progress


@contextmanager
def _build_progress(transient: bool = False, unit: str = " passages") -> Iterator:
    """A progress hook (phase, done, total) for index builds and benchmark runs; the bar appears only once
    there is work to show."""
    state: dict = {}

    def hook(phase: str, done: int, total: int) -> None:
        if "progress" not in state:
            state["progress"] = _new_progress(transient)
            state["progress"].start()
        progress = state["progress"]
        if phase not in state:
            state[phase] = progress.add_task(f"{phase}{unit}", total=total or 1)
        progress.update(state[phase], completed=done if total else 1)

    try:
        yield hook
    finally:
        if "progress" in state:
            state["progress"].stop()


def _backend_options(fn):  # type: ignore[no-untyped-def]
    """--backend and --uri: where the index lives (a FAISS directory, or a Milvus server / milvus-lite file)."""
    fn = click.option(
        "--uri", default=None, metavar="URI", help="Milvus server or cluster (http://HOST:19530) or a milvus-lite file (PATH.db); implies --backend milvus."
    )(fn)
    return click.option(
        "--backend", type=click.Choice(["faiss", "milvus"]), default=None, help="Index backend [default: faiss, or milvus with --uri]; with milvus, --index is the index name."
    )(fn)


def _backend(backend: str | None, uri: str | None) -> str:
    backend = backend or ("milvus" if uri else "faiss")
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
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
def index(paths: tuple[Path, ...], index_dir: Path, backend: str | None, uri: str | None, milvus_index: str, embedder: str | None, as_json: bool) -> None:
    """Index documents (.txt .md .html .jsonl .csv .pdf) for checking; re-embeds only what changed."""
    from .embed import Embedder, EmbedderConfig
    from .index import IndexConfig, build_index

    config = IndexConfig(backend=_backend(backend, uri), uri=uri, milvus_index=milvus_index)
    emb = Embedder(EmbedderConfig(model=embedder)) if embedder else None
    with _build_progress() as hook:
        report = build_index(list(paths), str(index_dir) if config.backend == "milvus" else index_dir, emb, config, progress=hook)
    if as_json:
        click.echo(json.dumps(report.__dict__, ensure_ascii=False))
        return
    console = _stderr()
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
        from .ingest import parse_jsonl

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
        import csv
        import io

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


def _open_checker(spec: CheckerSpec) -> FactChecker:
    from .pipeline import FactChecker

    if spec.index is None:
        if spec.embedder:
            raise FactcheckError("--embedder needs --index (the demo index is built with the default embedder)")
        with _build_progress(transient=True) as hook:
            FactChecker.demo(verifier=spec.verifier, progress=hook, backend=spec.backend, uri=spec.uri)
    return spec.open()


def _filter(sources: tuple[str, ...], languages: tuple[str, ...], since: str | None, until: str | None) -> SearchFilter | None:
    from .index import SearchFilter

    where = SearchFilter(sources=tuple(sources), languages=tuple(languages), since=since, until=until)
    return where or None


@main.command()
@click.argument("claim", required=False)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index directory [default: the bundled demo corpus].")
@click.option("--file", "claims_file", type=click.Path(path_type=Path), help="Check every claim of a .txt (one per line), .jsonl ({\"claim\": ...} per line) or .csv/.tsv (a claim column) file.")
@click.option("--out", type=click.Path(path_type=Path), help="Write verdicts as JSONL to this file (with --file).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--top-k", type=click.IntRange(1, 100), default=None, help="Passages retrieved per claim.")
@click.option("--verifier", default=None, help="CrossEncoder NLI model name or path [default: the shipped verifier].")
@click.option("--judge-all", is_flag=True, help="Also judge passages below the similarity gate (slower; they never change the label).")
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
    out: Path | None,
    as_json: bool,
    top_k: int | None,
    verifier: str | None,
    judge_all: bool,
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
    """Check a CLAIM (or every claim of --file) and print its verdict with the deciding evidence."""
    from .ray_batch import CheckerSpec

    if claim is not None and claims_file is not None:
        raise click.UsageError("give either a CLAIM or --file, not both")
    if claim is None and claims_file is None:
        raise click.UsageError("give a CLAIM to check, or --file with one claim per line")
    if out is not None and claims_file is None:
        raise click.UsageError("--out needs --file")
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
        judge_below_gate=judge_all, where=_filter(sources, languages, since, until),
    )
    if use_ray:
        assert rows is not None
        if index_dir is None and spec.embedder:
            raise FactcheckError("--embedder needs --index (the demo index is built with the default embedder)")
        if index_dir is None:
            _open_checker(spec)  # the demo index is built once, here, before the workers open it
        else:
            from .index import open_index

            open_index(spec.index, backend, uri).close()  # a missing or broken index: one error here, not one per worker
        dicts = _check_file_on_ray(spec, rows, ray_address, ray_workers)
        for message in dict.fromkeys(w for d in dicts for w in d["warnings"]):
            click.echo(f"factcheck: warning: {message}", err=True)
        _write_verdicts(rows, dicts, out, as_json)
        return
    checker = _open_checker(spec)

    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if rows is None:
            verdict = checker.check(claim)
            for w in caught:
                click.echo(f"factcheck: warning: {w.message}", err=True)
            if as_json:
                click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
            else:
                _print_verdict(_stdout(), verdict)
            return
        verdicts = _check_file(checker, rows)
    for w in {str(w.message) for w in caught}:
        click.echo(f"factcheck: warning: {w}", err=True)
    _write_verdicts(rows, [v.to_dict() for v in verdicts], out, as_json)


def _write_verdicts(rows: list[dict], verdicts: list[dict], out: Path | None, as_json: bool) -> None:
    lines = [json.dumps({**_extra(row), **v}, ensure_ascii=False) for row, v in zip(rows, verdicts)]
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        tmp.replace(out)
        counts = {label: sum(v["label"] == label for v in verdicts) for label in LABEL_STYLE}
        _stderr().print(f"Wrote {len(verdicts)} verdicts to {out}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    elif as_json:
        click.echo("\n".join(lines))
    else:
        _print_summary(_stdout(), verdicts)


def _extra(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in {"claim", "label", "confidence", "evidence", "warnings"}}


def _check_file(checker: FactChecker, rows: list[dict]) -> list[Verdict]:
    claims = [r["claim"] for r in rows]
    with _progress() as progress:
        task = progress.add_task("checking claims", total=len(claims))
        return checker.check_many(claims, batch_size=32, progress=lambda n: progress.advance(task, n))


def _check_file_on_ray(spec: CheckerSpec, rows: list[dict], address: str | None, workers: int | None) -> list[dict]:
    from .ray_batch import check_on_ray

    claims = [r["claim"] for r in rows]
    for i, c in enumerate(claims, 1):
        if not c.strip():
            raise FactcheckError(f"claim {i} is empty: give the text of the claim to check")
    with _progress() as progress:
        task = progress.add_task("checking claims on Ray", total=len(claims))
        return check_on_ray(claims, spec, address=address, workers=workers, batch_size=32, progress=lambda n: progress.advance(task, n))


def _print_verdict(console: Console, verdict: Verdict) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    head = Text.assemble(
        (verdict.label.upper(), LABEL_STYLE[verdict.label]), f"  confidence {verdict.confidence:.2f}\n", ("Claim: ", "bold"), verdict.claim
    )
    console.print(Panel(head, expand=False))
    table = Table(show_lines=False, title="Evidence (decisive passages first)", title_justify="left")
    table.add_column("", width=1)
    table.add_column("stance")
    table.add_column("p", justify="right")
    table.add_column("sim", justify="right")
    table.add_column("passage", ratio=3)
    table.add_column("source", ratio=1)
    for e in verdict.evidence:
        table.add_row(
            "*" if e.decisive else "",
            Text(e.stance, STANCE_STYLE[e.stance]) if e.stance else Text("not judged", "dim italic"),
            "" if e.score is None else f"{e.score:.2f}",
            f"{e.similarity:.2f}",
            e.text,
            f"{e.title} ({e.date})\n{e.source}" if e.date else f"{e.title}\n{e.source}",
        )
    console.print(table)


def _print_summary(console: Console, verdicts: list[dict]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Verdicts")
    table.add_column("claim", ratio=3)
    table.add_column("label")
    table.add_column("conf.", justify="right")
    table.add_column("decisive evidence", ratio=3)
    for v in verdicts:
        top = next((e for e in v["evidence"] if e["decisive"]), None)
        table.add_row(v["claim"], Text(v["label"], LABEL_STYLE[v["label"]]), f"{v['confidence']:.2f}", f"{top['text']} [{top['doc_id']}]" if top else "")
    console.print(table)


# ---------------------------------------------------------------- info


@main.command()
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index directory (FAISS) or index name (Milvus).")
@_backend_options
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def info(index_dir: Path, backend: str | None, uri: str | None, as_json: bool) -> None:
    """Show what an index holds and how it was built."""
    from .index import open_index

    manifest = open_index(index_dir, _backend(backend, uri), uri).manifest
    if as_json:
        click.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    emb, counts, corpus = manifest["embedder"], manifest["counts"], manifest["corpus"]
    table = Table(title=f"factcheck index {index_dir}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("documents", str(counts["documents"])),
        ("passages", str(counts["passages"])),
        ("languages", ", ".join(f"{k} {v}" for k, v in corpus.get("languages", {}).items())),
        ("embedder", f"{emb['name']} (dim {emb['dim']}, normalized {emb['normalized']})" + (f", from {emb['package']}" if emb.get("package") else "")),
        ("weights sha256", emb["weights_sha256"] or "(hub model, not on disk)"),
        *[
            (name, f"{manifest[name]['index_type']} ({manifest[name]['metric']})" + "".join(f", {k} {v}" for k, v in (manifest[name].get("params") or {}).items()))
            for name in ("faiss", "milvus")
            if name in manifest
        ],
        ("corpus checksum", corpus["checksum"]),
        ("inputs", "\n".join(corpus["inputs"])),
        ("built", f"{manifest['created']} by factcheck {manifest['factcheck_version']}"),
        ("last build", "embedded {embedded_documents} documents, kept {reused_documents}, removed {removed_documents}".format(**manifest["build"])),
        ("skipped files", "\n".join(f"{s['path']}: {s['reason']}" for s in manifest["skipped"]) or "none"),
    ]
    for key, value in rows:
        table.add_row(key, value)
    _stdout().print(table)


# ---------------------------------------------------------------- training the verifier


@main.command("recipes")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("../shared/data"), show_default=True, help="Public fact-checking sets, laid out as shared/data.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="Folder for train.jsonl and the dev sets.")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--no-retrieval", is_flag=True, help="Skip the hard negatives the embedder retrieves (faster).")
@click.option("--symmetric-negation", is_flag=True, help="Also negate contradicted claims (-> entailment) and neutral pairs (-> neutral), so that a negated claim is no cue for contradiction.")
def recipes_cmd(data_dir: Path, out: Path, seed: int, no_retrieval: bool, symmetric_negation: bool) -> None:
    """Build the verifier's training and dev pairs from SciFact, Climate-FEVER, FEVER-Lite and COVID-Fact."""
    from .embed import Embedder
    from .recipes import RecipeConfig, dev_sets, summarize, training_pairs, write_jsonl

    if not data_dir.is_dir():
        raise FactcheckError(f"--data-dir {data_dir} does not exist: point it at the folder holding scifact/, fever/, ...")
    config = RecipeConfig(seed=seed, symmetric_negation=symmetric_negation)
    embedder = None if no_retrieval else Embedder()
    pairs = training_pairs(data_dir, config, embedder)
    write_jsonl(pairs, out / "train.jsonl")
    for name, rows in dev_sets(data_dir, config, embedder).items():
        write_jsonl(rows, out / f"{name}.jsonl")
    click.echo(json.dumps({"train": len(pairs), "by_source": summarize(pairs)}, indent=2))


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
    from .train import checkpoint_to_resume, load_pairs, train_verifier

    config = TrainConfig(epochs=epochs, learning_rate=lr, batch_size=batch_size, max_length=max_length, seed=seed, claim_only=claim_only, group_by_length=group_by_length)
    if base_model:
        config = TrainConfig(**{**config.__dict__, "base_model": base_model})
    checkpoint_to_resume(out, config, resume)  # before loading any data: a refused folder costs nothing
    result = train_verifier(load_pairs(train_data), out, load_pairs(dev_data, split="dev") if dev_data else None, config, resume=resume)
    click.echo(json.dumps(result.__dict__, indent=2))


# ---------------------------------------------------------------- evaluation

BENCHMARKS = ("scifact", "climate-fever", "fever-lite", "covid-fact")
ORACLE_ONLY = {"fever-lite", "covid-fact"}


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
    backend: str | None,
    uri: str | None,
) -> None:
    """Measure accuracy on a public BENCHMARK, or on your own labelled --claims file.

    Writes a run folder: metrics.json, predictions.jsonl, report.md and PNG plots.
    """
    from datetime import datetime

    from . import eval as ev
    from .index import IndexConfig
    from .pipeline import FactChecker, cache_dir
    from .verify import load_verifier

    index_config = IndexConfig(backend=_backend(backend, uri), uri=uri)
    if (benchmark is None) == (claims_file is None):
        raise click.UsageError("give a BENCHMARK (scifact, climate-fever, fever-lite, covid-fact) or --claims FILE")
    if gate is not None and not (oracle or (claims_file is not None and corpus is None and index_dir is None)):
        raise click.UsageError("--gate/--no-gate applies to oracle runs (end to end, the gate always applies)")
    if claim_only_model is not None and not (claim_only_model / "config.json").is_file():
        raise FactcheckError(f"--claim-only-model {claim_only_model} is not a model folder (no config.json): train one with eval/sweep_verifier.py --pairs PAIRS --out SWEEP --only claim-only-bs16 and give SWEEP/claim-only-bs16")
    skipped: list[str] = []
    work = cache_dir() / "bench"
    index_path: Path | None = None
    if claims_file is not None:
        if not claims_file.is_file():
            raise FactcheckError(f"claims file not found: {claims_file}")
        if corpus is not None and index_dir is not None:
            raise click.UsageError("give --corpus or --index, not both")
        if corpus is not None and not corpus.exists():
            raise FactcheckError(f"--corpus {corpus} does not exist: give a JSONL file of {{id, title, text}} rows or a folder of documents")
        claims, skipped = ev.load_claims(claims_file)
        name = claims_file.stem
        oracle = oracle or (corpus is None and index_dir is None)
        if corpus is not None:
            import hashlib

            index_path = work / f"corpus-{hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:16]}"
            with _build_progress() as hook:
                _build_bench_index([corpus], index_path, index_config, hook)
        else:
            index_path = index_dir
    else:
        assert benchmark is not None
        name = benchmark
        if not data_dir.is_dir():
            raise FactcheckError(f"--data-dir {data_dir} does not exist: point it at the folder holding scifact/, fever/, ...")
        if benchmark in ORACLE_ONLY and not oracle:
            raise FactcheckError(f"{benchmark} ships no corpus to retrieve from: run it with --oracle")
        if benchmark == "scifact":
            claims, corpus_file = ev.scifact_dev(data_dir)
        elif benchmark == "climate-fever":
            claims, rows = ev.climate_fever_heldout(data_dir)
            corpus_file = work / "climate-fever-corpus.jsonl"
            corpus_file.parent.mkdir(parents=True, exist_ok=True)
            corpus_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
        elif benchmark == "fever-lite":
            claims = ev.fever_lite_test(data_dir)
        else:
            claims = ev.covid_fact_dev(data_dir)
        if not oracle:
            index_path = work / f"{benchmark}-index"
            with _build_progress() as hook:
                _build_bench_index([corpus_file], index_path, index_config, hook)
    for message in skipped:
        click.echo(f"factcheck: skipped {message}", err=True)
    claims = ev.sample(claims, limit)
    if not claims:
        raise FactcheckError(f"no claim to evaluate in {claims_file or benchmark}")
    mode = "oracle" if oracle else "end-to-end"
    if index_path is not None and index_path != index_dir and index_config.backend == "milvus":
        index_path = Path(_milvus_name(index_path))
    checker = FactChecker(None, verifier=load_verifier(verifier)) if index_path is None else FactChecker.open(index_path, verifier=verifier, backend=index_config.backend, uri=uri)
    out = out or Path("runs") / f"{name}-{mode}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    gate_oracle = gate if gate is not None else name not in ORACLE_ONLY or claims_file is not None
    run = ev.RunConfig(latency_sample=latency_sample, claim_only_model=str(claim_only_model) if claim_only_model else None, gate_oracle_evidence=gate_oracle)
    command = "factcheck eval " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["eval"] else None
    meta = {"skipped_rows": len(skipped), "limit": limit, "command": command, "backend": index_config.backend}
    with _build_progress(unit="") as hook:
        result = ev.run_benchmark(checker, claims, name=name, oracle=oracle, out_dir=out, meta=meta, config=run, progress=hook)
    if not result["plots"]:
        click.echo("factcheck: warning: plots not written: matplotlib is missing (pip install 'factcheck[eval]')", err=True)
    extra = ""
    if "retrieval" in result:
        extra = f", recall@5 {result['retrieval']['recall@5']:.3f}, nDCG@10 {result['retrieval']['ndcg@10']:.3f}"
    click.echo(f"{name} ({mode}): {result['n']} claims, accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f} "
               f"(majority class {result['baselines']['majority_class']['macro_f1']:.3f}, retrieval only {result['baselines']['retrieval_only']['macro_f1']:.3f}), "
               f"ECE {result['calibration']['ece']:.3f}{extra}; {result['speed']['claims_per_second']} claims/s; run folder {out}")


def _build_bench_index(paths: list[Path], path: Path, config: IndexConfig, hook: object) -> None:
    """FAISS: the index directory ``path``. Milvus: the index named after ``path``, reusing the vectors of the
    FAISS index in ``path`` when one was built there (no second embedding of the corpus)."""
    from .index import EvidenceIndex, build_index

    if config.backend == "faiss":
        build_index(paths, path, progress=hook)  # type: ignore[arg-type]
        return
    try:
        reuse = EvidenceIndex.open(path)
    except FactcheckError:
        reuse = None
    build_index(paths, _milvus_name(path), config=config, progress=hook, reuse=reuse)  # type: ignore[arg-type]


def _milvus_name(path: Path) -> str:
    """The Milvus index name for a benchmark's cache directory (scifact-index -> factcheck_bench_scifact_index)."""
    import re

    return "factcheck_bench_" + re.sub(r"[^A-Za-z0-9_]", "_", path.name)


@click.command("compare")
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as one JSON object.")
@click.option("--examples", type=click.IntRange(0), default=5, show_default=True, help="Flipped predictions to show.")
def eval_compare(run_a: Path, run_b: Path, as_json: bool, examples: int) -> None:
    """Show what changed between two run folders of factcheck eval: metric deltas and flipped predictions."""
    from .eval import compare_runs

    diff = compare_runs(run_a, run_b, examples)
    if as_json:
        click.echo(json.dumps(diff, ensure_ascii=False, indent=2))
        return
    from rich.table import Table
    from rich.text import Text

    console = _stdout()
    a, b = diff["a"], diff["b"]
    if (a["benchmark"], a["mode"]) != (b["benchmark"], b["mode"]):
        console.print(f"[yellow]note:[/] different runs: {a['benchmark']} ({a['mode']}) vs {b['benchmark']} ({b['mode']})")
    table = Table(title=f"A {a['run']}  ->  B {b['run']}")
    table.add_column("metric")
    table.add_column("A", justify="right")
    table.add_column("B", justify="right")
    table.add_column("B - A", justify="right")
    lower_is_better = ("ece", "p50", "p95", "peak_rss_mib", "scoring_seconds", "skipped_rows")
    for row in diff["metrics"]:
        delta = row["delta"]
        style = "dim"
        if delta:
            better = (delta < 0) if row["metric"].endswith(lower_is_better) else (delta > 0)
            style = "green" if better else "red"
        cells = ["" if v is None else f"{v:.4g}" for v in (row["a"], row["b"])]
        table.add_row(row["metric"], *cells, Text("" if delta is None else f"{delta:+.4g}", style))
    console.print(table)
    p = diff["predictions"]
    if not p["compared"]:
        console.print("Label flips not compared: a run folder has no predictions.jsonl (the committed runs under eval/results keep metrics only).")
        return
    console.print(
        f"{p['flipped']} of {p['common']} common claims changed label: {p['fixed']} now right, {p['broken']} now wrong, "
        f"{p['flipped'] - p['fixed'] - p['broken']} still wrong; {p['only_a']} claims only in A, {p['only_b']} only in B."
    )
    if p["examples"]:
        flips = Table(title="flipped predictions (first few)")
        for col in ("id", "claim", "gold", "A", "B"):
            flips.add_column(col, ratio=3 if col == "claim" else None)
        for e in p["examples"]:
            flips.add_row(e["id"], e["claim"], e["gold"], f"{e['a']} {e['a_confidence']}", f"{e['b']} {e['b_confidence']}")
        console.print(flips)
