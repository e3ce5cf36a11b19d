"""ONNX Runtime inference for the default models, so that checking a claim never imports torch.

The default embedder (all-MiniLM-L6-v2) and the shipped verifier are exported to ONNX once, on first use, from
the very weights the sentence-transformers path loads, into the user cache directory (``<cache>/onnx/``; no
network, about 10-20 s on 2 cores). Later processes load the exported files with ``onnxruntime`` and tokenize
with the ``tokenizers`` library: no torch, transformers or sentence-transformers import on the check path.

- embedder: fp32, mean pooling and L2 normalization inside the graph. Its vectors equal the
  sentence-transformers ones to ~1e-6 (cosine), so an index built by either path is queried by the other.
- verifier: fp32, same logits as the torch model to ~1e-4. An int8 variant (``FACTCHECK_VERIFIER_INT8=1``,
  weights quantized per channel) is faster but flips about 2 % of dev-pair stances: eval/experiments/README.md
  ("ONNX Runtime against torch").

Exports are keyed by the source weights (file names, sizes, modification times), so replacing the shipped
verifier re-exports it. ``FACTCHECK_BACKEND=torch`` (or ``backend="torch"`` in the configs) turns this off; on a
machine with a CUDA GPU (or with ``device`` set to one) "auto" runs torch there instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from .errors import FactcheckError
from .settings import cache_dir, compute_backend, verifier_int8

if TYPE_CHECKING:
    import onnxruntime
    import torch
    from tokenizers import Tokenizer

#: bump when the export procedure changes: older exports are then ignored.
EXPORT_VERSION = 1

# ONNX Runtime's PyPI builds send usage telemetry (1DS, to mobile.events.data.microsoft.com) from a background
# thread: the first run's ONNX export (its graph optimizer's session) looked that host up, seen with
# `strace -f -e trace=connect` in a network namespace. A tool for private documents opens no connection of its own
# accord: telemetry off before onnxruntime is first imported, and again on every session (_ort()).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

_WEIGHT_SUFFIXES = {".safetensors", ".bin"}


def wanted_backend(configured: str) -> str:
    """The backend asked for: ``FACTCHECK_BACKEND`` overrides a config left at "auto" (:func:`settings.compute_backend`)."""
    try:
        return compute_backend(configured)
    except ValueError as exc:
        raise FactcheckError(str(exc)) from None


def quiet_transformers() -> None:
    """No weight-loading progress bars or load reports on the user's terminal."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


#: device nodes of an NVIDIA driver (Linux) and of WSL's GPU bridge: without one there is no CUDA GPU, which
#: ``auto`` checks before it would import torch to ask
_GPU_NODES = ("/dev/nvidiactl", "/dev/nvidia0", "/dev/dxg")


def torch_on_accelerator(device: str | None) -> bool:
    """Whether "auto" leaves ONNX Runtime (run on the CPU) for torch on an accelerator: the config names a device
    other than the CPU, or names none and torch sees a CUDA GPU. On an H200 the shipped verifier runs about 2,000
    pairs/s through torch at batch 16, against about 50 on a 2-core CPU (eval/RESULTS.md). torch is imported only
    where a GPU driver's device node exists, so a CPU-only machine keeps a torch-free check path."""
    if device is not None:
        return not device.strip().lower().startswith("cpu")
    if not any(os.path.exists(node) for node in _GPU_NODES):
        return False
    import torch

    return torch.cuda.is_available()


def onnx_wanted(configured: str, fits: bool, device: str | None) -> bool:
    """Whether a model runs through ONNX Runtime: asked for ("onnx", from the config or ``FACTCHECK_BACKEND``), or
    "auto" where an exported copy fits (a bundled model in a local folder, onnxruntime installed) and there is no
    accelerator for torch to run it on."""
    backend = wanted_backend(configured)
    return backend == "onnx" or (backend == "auto" and fits and not torch_on_accelerator(device))


def onnxruntime_installed() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def source_key(path: str | Path) -> str:
    """A cheap key for a local model folder: weight file names, sizes and mtimes, plus config.json."""
    root = Path(path)
    digest = hashlib.sha256(f"v{EXPORT_VERSION}".encode())
    for file in sorted(p for p in root.iterdir() if p.suffix in _WEIGHT_SUFFIXES or p.name in {"config.json", "tokenizer.json"}):
        st = file.stat()
        digest.update(f"{file.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()[:20]


def _export_root() -> Path:
    return cache_dir() / "onnx"


def exported(kind: str, source: str | Path) -> Path:
    """The folder holding ``model.onnx`` for a local model folder, exporting it first if needed."""
    source = Path(source)
    int8 = kind == "verifier" and verifier_int8()
    variant = "-int8" if int8 else ""
    target = _export_root() / f"{kind}{variant}-{source_key(source)}"
    if (target / "model.onnx").is_file():
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / "model.onnx").is_file():
            return target
        print(f"factcheck: exporting the {kind} to ONNX once, into {target} ...", file=sys.stderr, flush=True)
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            if kind == "embedder":
                _export_embedder(source, tmp)
            else:
                _export_verifier(source, tmp, quantize=int8)
            shutil.copy(source / "tokenizer.json", tmp / "tokenizer.json")
            (tmp / "source.json").write_text(json.dumps({"source": str(source), "kind": kind, "export_version": EXPORT_VERSION, "int8": int8}))
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def _export_embedder(source: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    quiet_transformers()
    model = AutoModel.from_pretrained(str(source), dtype=torch.float32).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    _torch_export(Pooled().eval(), out / "model.onnx", "embedding")
    _fuse(out / "model.onnx", model.config)


def _export_verifier(source: Path, out: Path, *, quantize: bool) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    quiet_transformers()
    model = AutoModelForSequenceClassification.from_pretrained(str(source), dtype=torch.float32).eval()

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    _torch_export(Logits().eval(), out / "model.onnx", "logits")
    _fuse(out / "model.onnx", model.config)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        fp32 = out / "model-fp32.onnx"
        os.replace(out / "model.onnx", fp32)
        # the fused graph's custom ops carry no type information: the default (1 = float32) stands in.
        quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True, extra_options={"DefaultTensorType": 1})
        fp32.unlink()


def _torch_export(module: torch.nn.Module, path: Path, output: str) -> None:
    import torch

    dummy = torch.ones((2, 8), dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "token_type_ids": {0: "batch", 1: "seq"}, output: {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (dummy, dummy, torch.zeros_like(dummy)),
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=[output],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _fuse(path: Path, config: object) -> None:
    """Fuse attention, layer norm and GELU (onnxruntime's BERT optimizer): same outputs, faster on CPU."""
    _ort()
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(path), model_type="bert", num_heads=int(config.num_attention_heads), hidden_size=int(config.hidden_size)  # type: ignore[attr-defined]
    )
    fused.save_model_to_file(str(path))


def _ort() -> ModuleType:
    """onnxruntime, with its telemetry off (see ORT_DISABLE_TELEMETRY above)."""
    import onnxruntime as ort

    ort.disable_telemetry_events()
    return ort


def _session(path: Path) -> onnxruntime.InferenceSession:
    ort = _ort()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = os.cpu_count() or 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _tokenizer(path: Path, max_length: int) -> Tokenizer:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=max_length, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_type_id=0, pad_token="[PAD]")
    return tok


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices sorted by token length, cut into batches: little padding per batch (sorting by characters, as
    sentence-transformers does, left 27 % of a verifier batch's tokens as padding on the dev pairs; this, 2 %)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def run_by_length(
    lengths: Sequence[int],
    batch_size: int,
    run: Callable[[list[int]], np.ndarray],
    wrap: Callable[[list[list[int]]], Iterable[list[int]]] = iter,
) -> np.ndarray:
    """``run``'s output rows for the inputs of these token ``lengths``, in input order, computed in batches of
    similar length (``run`` takes the batch's input indices; ``wrap`` may add a progress bar)."""
    out: np.ndarray | None = None
    for batch in wrap(length_batches(lengths, batch_size)):
        rows = run(batch)
        if out is None:
            out = np.empty((len(lengths), rows.shape[1]), dtype=np.float32)
        out[batch] = rows
    if out is None:
        raise ValueError("nothing to run: the caller handles empty input")
    return out


def _run_by_length(session: onnxruntime.InferenceSession, tok: Tokenizer, inputs: list, batch_size: int) -> np.ndarray:
    """``session``'s first output for each input (a text, or a text pair), in the order given."""
    tok.no_padding()
    lengths = [len(e.ids) for e in tok.encode_batch(inputs)]
    tok.enable_padding(pad_id=0, pad_type_id=0, pad_token="[PAD]")
    return run_by_length(lengths, batch_size, lambda batch: session.run(None, _feed(tok.encode_batch([inputs[i] for i in batch])))[0])


def _feed(encodings: list) -> dict[str, np.ndarray]:
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


class OnnxEncoder:
    """A sentence embedder (BERT, mean pooling, normalized) run by onnxruntime."""

    def __init__(self, folder: Path, max_length: int) -> None:
        self.folder = folder
        self.max_length = max_length
        self.session = _session(folder / "model.onnx")
        self.tokenizer = _tokenizer(folder / "tokenizer.json", max_length)
        self.dim = int(self.session.get_outputs()[0].shape[1] or 0) or self.encode(["x"]).shape[1]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return _run_by_length(self.session, self.tokenizer, list(texts), batch_size)

    def offsets(self, text: str) -> list[tuple[int, int]]:
        return list(self.tokenizer.encode(text, add_special_tokens=False).offsets)


class OnnxCrossEncoder:
    """A sequence-pair classifier run by onnxruntime: raw logits in the model's own column order."""

    def __init__(self, folder: Path, max_length: int) -> None:
        self.folder = folder
        self.session = _session(folder / "model.onnx")
        self.tokenizer = _tokenizer(folder / "tokenizer.json", max_length)

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        """Logits in the order of ``pairs``, run in batches of similar token length."""
        return _run_by_length(self.session, self.tokenizer, [tuple(p) for p in pairs], batch_size)
