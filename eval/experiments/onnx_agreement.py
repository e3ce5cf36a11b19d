"""Does the ONNX Runtime verifier agree with the torch one? fp32 and int8, on dev pairs, with pairs/s.

    factcheck recipes --data-dir ../shared/data --out pairs/      # once: the dev pairs
    python -m eval.experiments.onnx_agreement --pairs-dir pairs/ --out eval/results/onnx-agreement.json

Stance agreement (argmax of the logits) with the torch CrossEncoder, the largest logit difference, and
throughput of each backend on the same length-sorted pairs (batch 32, 2 threads). The int8 model is the fp32
export with its weights quantized per channel by onnxruntime's dynamic quantization.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from factcheck._runtime import OnnxCrossEncoder, _export_verifier
from factcheck.verify import Verifier, VerifierConfig, default_verifier_path

SETS = ("scifact-dev", "climate-fever-heldout", "covid-fact-dev", "fever-lite-test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs-dir", type=Path, required=True)
    parser.add_argument("--per-set", type=int, default=500, help="pairs per dev set (evenly spaced)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "onnx-agreement.json")
    args = parser.parse_args()

    pairs: list[tuple[str, str]] = []
    for name in SETS:
        rows = [json.loads(line) for line in open(args.pairs_dir / f"{name}.jsonl", encoding="utf-8")]
        step = max(1, len(rows) // args.per_set)
        pairs += [(r["evidence"], r["claim"]) for r in rows[::step][: args.per_set]]
    pairs.sort(key=lambda p: len(p[0]) + len(p[1]))
    source = default_verifier_path()
    torch_verifier = Verifier(VerifierConfig(backend="torch"))
    _ = torch_verifier.model  # loaded before timing
    t = time.perf_counter()
    reference = torch_verifier.logits(pairs)
    result = {"torch": {"pairs_per_s": len(pairs) / (time.perf_counter() - t)}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, quantize in (("onnx-fp32", False), ("onnx-int8", True)):
            folder = Path(tmp) / name
            folder.mkdir()
            _export_verifier(source, folder, quantize=quantize)
            shutil.copy(source / "tokenizer.json", folder / "tokenizer.json")
            model = OnnxCrossEncoder(folder, torch_verifier.config.max_length)
            t = time.perf_counter()
            logits = model.logits(pairs)[:, torch_verifier.column_order]
            speed = len(pairs) / (time.perf_counter() - t)
            result[name] = {
                "pairs_per_s": speed,
                "stance_agreement": float((logits.argmax(1) == reference.argmax(1)).mean()),
                "max_abs_logit_diff": float(np.abs(logits - reference).max()),
                "model_mib": os.path.getsize(folder / "model.onnx") / 2**20,
            }
    result.update(
        pairs=len(pairs),
        sets=list(SETS),
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        command=f"python -m eval.experiments.onnx_agreement --pairs-dir {args.pairs_dir} --per-set {args.per_set}",
        load=" ".join(Path("/proc/loadavg").read_text().split()[:3]),
        cores=os.cpu_count(),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
