"""Reports of benchmark runs: the run folder's report.md and plots, and the comparison of two run folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import FactcheckError


def write_plots(out_dir: Path, result: dict) -> list[str]:
    """confusion_matrix.png and reliability.png in ``out_dir`` (matplotlib, the ``eval`` extra); [] without it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return []
    from sklearn.metrics import ConfusionMatrixDisplay

    title = f"{result['benchmark']} ({result['mode']}), {result['n']} claims"
    fig = Figure(figsize=(5.2, 4.6), layout="constrained")
    ax = fig.subplots()
    ConfusionMatrixDisplay(np.array(result["confusion"]["matrix"]), display_labels=result["confusion"]["labels"]).plot(ax=ax, colorbar=False, cmap="Blues")
    ax.set(title=title, xlabel="predicted", ylabel="gold")
    fig.savefig(out_dir / "confusion_matrix.png", dpi=110)

    bins = result["calibration"]["bins"]
    lo = [b["lo"] for b in bins]
    width = bins[0]["hi"] - bins[0]["lo"]
    fig = Figure(figsize=(5.2, 5.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    top.bar(lo, [b["accuracy"] or 0.0 for b in bins], width=width, align="edge", edgecolor="black", label="share of claims right")
    top.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect calibration")
    filled = [b for b in bins if b["count"]]
    top.plot([b["confidence"] for b in filled], [b["accuracy"] for b in filled], "o", color="darkorange", label="(mean confidence, accuracy) per bin")
    top.set(xlim=(0, 1), ylim=(0, 1), ylabel="accuracy", title=f"{title}: ECE {result['calibration']['ece']:.3f}")
    top.legend(loc="upper left", fontsize="small")
    bottom.bar(lo, [b["count"] for b in bins], width=width, align="edge", edgecolor="black", color="gray")
    bottom.set(xlabel="printed confidence", ylabel="claims")
    fig.savefig(out_dir / "reliability.png", dpi=110)
    return ["confusion_matrix.png", "reliability.png"]


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return "n/a" if value is None else str(value)


def report_markdown(result: dict) -> str:
    labels = result["confusion"]["labels"]
    base = result["baselines"]
    speed = result["speed"]
    lines = [
        f"# {result['benchmark']} ({result['mode']})",
        "",
        f"{result['n']} claims ({result.get('skipped_rows', 0)} malformed rows skipped); verifier {result['verifier']}; embedder {result['embedder']}; "
        f"factcheck {result.get('factcheck_version')}; {result.get('machine')}; {result.get('date')}.",
        "",
        "| system | accuracy | macro-F1 |",
        "|---|---|---|",
        f"| factcheck | {result['accuracy']:.3f} | {result['macro_f1']:.3f} |",
        f"| majority class ({base['majority_class']['label']}) | {base['majority_class']['accuracy']:.3f} | {base['majority_class']['macro_f1']:.3f} |",
        f"| retrieval only (similarity >= {base['retrieval_only']['threshold']}: supported, else unverified) | {base['retrieval_only']['accuracy']:.3f} | {base['retrieval_only']['macro_f1']:.3f} |",
    ]
    claim_only = base["claim_only"]
    if claim_only.get("model"):
        lines.append(f"| claim only ({claim_only['model']}) | {claim_only['accuracy']:.3f} | {claim_only['macro_f1']:.3f} |")
    else:
        lines.append(f"| claim only | {claim_only['note']} | |")
    lines += [
        "",
        f"Retrieval-only rule: {base['retrieval_only']['rule']}.",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
        *[f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |" for k, v in result["per_class"].items()],
        "",
        "Confusion matrix (rows gold, columns predicted):",
        "",
        "| gold \\ predicted | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
        *[f"| {g} | " + " | ".join(str(n) for n in row) + " |" for g, row in zip(labels, result["confusion"]["matrix"])],
        "",
    ]
    if "by_kind" in result:
        lines += [
            "| kind | claims | accuracy |",
            "|---|---|---|",
            *[f"| {kind} | {v['n']} | {v['accuracy']:.3f} |" for kind, v in result["by_kind"].items()],
            "",
        ]
    if "retrieval" in result:
        r = result["retrieval"]
        keys = [key for key in r if "@" in key]
        lines += [
            f"Retrieval ({r['claims']} claims with gold ids; {r['measures']}):",
            "",
            "| " + " | ".join(keys) + " |",
            "|" + "---|" * len(keys),
            "| " + " | ".join(f"{r[key]:.3f}" for key in keys) + " |",
            "",
        ]
        e = result["evidence_label_only"]
        lines += [
            f"Evidence-level label-only ({e['measures']}): precision {e['precision']:.3f}, recall {e['recall']:.3f}, "
            f"F1 {e['f1']:.3f} ({e['correct']} correct of {e['predicted']} predicted, {e['gold']} gold).",
            "",
        ]
    lines += [
        f"Calibration: ECE {result['calibration']['ece']:.3f} ({len(result['calibration']['bins'])} equal-width bins; {result['calibration']['measures']}).",
        "",
        f"Speed: {_fmt(speed['claims_per_second'])} claims/s; latency p50 {_fmt(speed['latency_ms']['p50'])} ms, p95 {_fmt(speed['latency_ms']['p95'])} ms; "
        f"peak RSS {_fmt(speed['peak_rss_mib'])} MiB ({speed['measures']}; 1-minute load average {_fmt(speed['load_average'][0])} before, "
        f"{_fmt(speed['load_average'][1])} after, on {result.get('machine')}).",
        "",
    ]
    if result.get("plots"):
        lines += [f"![{p.removesuffix('.png')}]({p})" for p in result["plots"]] + [""]
    else:
        lines += ["Plots not written: matplotlib is missing (pip install 'factcheck[eval]').", ""]
    return "\n".join(lines) + "\n"


def _numbers(tree: object, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a metrics.json, as dotted paths (the confusion matrix, config and bins left out)."""
    out: dict[str, float] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in {"confusion", "config", "bins", "load_average", "limit", "support", "threshold"}:
                continue
            out.update(_numbers(value, f"{prefix}{key}."))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        out[prefix.rstrip(".")] = float(tree)
    return out


def _read_run(path: Path) -> tuple[dict, dict[str, dict]]:
    path = Path(path)
    metrics_file = path / "metrics.json"
    if not metrics_file.is_file():
        raise FactcheckError(f"{path} is not a run folder (no metrics.json): give a folder written by factcheck eval")
    predictions = path / "predictions.jsonl"  # not committed for the runs under eval/results: metrics only
    try:
        result = json.loads(metrics_file.read_text())
        rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines() if line.strip()] if predictions.is_file() else []
    except (OSError, ValueError) as exc:
        raise FactcheckError(f"cannot read the run folder {path}: {exc}") from None
    return result, {str(r["id"]): r for r in rows}


def compare_runs(run_a: Path, run_b: Path, examples: int = 5) -> dict:
    """What changed from run A to run B: every metric with its delta, and the predictions that flipped."""
    a, pred_a = _read_run(run_a)
    b, pred_b = _read_run(run_b)
    na, nb = _numbers(a), _numbers(b)
    rows = [
        {"metric": key, "a": na.get(key), "b": nb.get(key), "delta": round(nb[key] - na[key], 4) if key in na and key in nb else None}
        for key in list(dict.fromkeys([*na, *nb]))
    ]
    common = [i for i in pred_a if i in pred_b]
    flipped = [i for i in common if pred_a[i]["predicted"] != pred_b[i]["predicted"]]

    def example(i: str) -> dict:
        ra, rb = pred_a[i], pred_b[i]
        return {"id": i, "claim": ra["claim"], "gold": ra["gold"], "a": ra["predicted"], "b": rb["predicted"], "a_confidence": ra.get("confidence"), "b_confidence": rb.get("confidence")}

    return {
        "a": {"run": str(run_a), **{k: a.get(k) for k in ("benchmark", "mode", "n", "verifier", "date")}},
        "b": {"run": str(run_b), **{k: b.get(k) for k in ("benchmark", "mode", "n", "verifier", "date")}},
        "metrics": rows,
        "predictions": {
            "compared": bool(pred_a) and bool(pred_b),
            "common": len(common),
            "only_a": len(pred_a) - len(common),
            "only_b": sum(i not in pred_a for i in pred_b),
            "flipped": len(flipped),
            "fixed": sum(pred_b[i]["predicted"] == pred_b[i]["gold"] for i in flipped),
            "broken": sum(pred_a[i]["predicted"] == pred_a[i]["gold"] for i in flipped),
            "examples": [example(i) for i in flipped[:examples]],
        },
    }
