"""Training the verifier: fine-tune a sentence-transformers CrossEncoder on (evidence, claim, label) rows."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..embed import DEFAULT_EMBEDDER, resolve_embedder
from ..errors import FactcheckError
from ..labels import STANCES, stance_of
from ..verify import Verifier, VerifierConfig, calibrate

if TYPE_CHECKING:
    from datasets import Dataset
    from sentence_transformers.cross_encoder import CrossEncoder
    from torch import Tensor, nn
    from torch.utils.data import BatchSampler

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of ``factcheck train``."""

    base_model: str = DEFAULT_EMBEDDER
    # the shipped verifier's recipe (eval/sweep_verifier.py picked it on held-out validation pairs; v3: 5 epochs,
    # the best by validation macro-F1 kept)
    epochs: int = 5
    learning_rate: float = 3e-5
    batch_size: int = 16
    max_length: int = 256
    warmup_ratio: float = 0.1
    seed: int = 13
    #: seed of the data order only (default: ``seed``); with one ``seed`` and several data seeds, the runs start
    #: from the same weights, classifier head included, so their weights can be averaged (a model soup).
    data_seed: int | None = None
    #: train a claim-only baseline: the evidence is blanked, so it measures what the claim alone predicts.
    claim_only: bool = False
    eval_batch_size: int = 64
    #: batches of similar token length (transformers' group_by_length order: shuffled mega-batches of 50 batches,
    #: sorted within): on the shipped recipe's training pairs 2.4x fewer token slots than random batches, so much
    #: faster on a CPU; off by default, because the shipped verifier was trained with random batches.
    group_by_length: bool = False


@dataclass
class TrainResult:
    output_dir: str
    best_epoch: int
    dev_macro_f1: float
    history: list[dict] = field(default_factory=list)
    #: the temperatures fitted on the dev rows and written beside the model (None without dev rows).
    calibration: dict | None = None


def _data_files_format(path: str) -> str | None:
    suffixes = Path(path).suffixes
    ext = suffixes[-2] if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    return {".jsonl": "json", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}.get(ext)


def load_pairs(source: str, split: str = "train") -> Dataset:
    """Load (evidence, claim, label) rows with ``datasets``: a local json/jsonl/csv/tsv/parquet file, or a hub name.

    Column names accepted: evidence/premise/sentence1 and claim/hypothesis/sentence2, and label.
    Labels may be any usual spelling (SUPPORTS, entailment, NEI, ...); they become stance ids 0-2.
    """
    from datasets import load_dataset

    fmt = _data_files_format(source)
    try:
        if fmt is not None:
            if not Path(source).exists():
                raise FactcheckError(f"training file not found: {source}")
            kwargs = {"delimiter": "\t"} if source.endswith((".tsv", ".tsv.gz")) else {}
            ds = load_dataset(fmt, data_files={split: source}, split=split, **kwargs)
        elif Path(source).is_file():
            raise FactcheckError(f"{source}: cannot tell its format from its name: give a .jsonl, .json, .csv, .tsv or .parquet file (or .gz of one)")
        else:
            ds = load_dataset(source, split=split)
    except FactcheckError:
        raise
    except Exception as exc:  # datasets raises many types; the user needs the one line
        raise FactcheckError(f"cannot load training data {source!r}: {str(exc).splitlines()[0]}") from None
    return _to_pairs(ds, source)


def _to_pairs(ds: Dataset, name: str) -> Dataset:
    cols = set(ds.column_names)
    ev = next((c for c in ("evidence", "premise", "sentence1") if c in cols), None)
    cl = next((c for c in ("claim", "hypothesis", "sentence2", "Sentence2") if c in cols), None)
    if ev is None or cl is None or "label" not in cols:
        raise FactcheckError(
            f"{name}: needs columns evidence (or premise), claim (or hypothesis) and label; found {sorted(cols)}"
        )
    stance_ids = {s: i for i, s in enumerate(STANCES)}
    names = ds.features["label"].names if hasattr(ds.features["label"], "names") else None

    def convert(row: dict) -> dict:
        label = names[row["label"]] if names else row["label"]
        return {"evidence": str(row[ev] or ""), "claim": str(row[cl]), "label": stance_ids[stance_of(label)]}

    from datasets import Features, Value

    features = Features({"evidence": Value("string"), "claim": Value("string"), "label": Value("int64")})
    return ds.map(convert, remove_columns=ds.column_names, features=features)


def pairs_to_dataset(rows: Sequence[dict]) -> Dataset:
    """In-memory rows {evidence, claim, label} to a ``datasets.Dataset`` with stance ids.

    Rows may also carry ``target`` (a distribution over the three stances, e.g. annotators' votes, trained
    towards instead of the one-hot label) and ``bias`` (a bias-only model's log-probabilities, added to the
    logits during training only: a product of experts, so the verifier learns what that model cannot
    predict). Then every row's label becomes [target..., bias...], which the training loss reads.
    """
    from datasets import Dataset

    stance_ids = {s: i for i, s in enumerate(STANCES)}
    ids = [stance_ids[stance_of(r["label"])] for r in rows]
    if any("target" in r or "bias" in r for r in rows):
        labels: list = [
            [float(x) for x in r.get("target") or [float(j == i) for j in range(len(STANCES))]]
            + [float(x) for x in r.get("bias") or [0.0] * len(STANCES)]
            for r, i in zip(rows, ids)
        ]
    else:
        labels = ids
    return Dataset.from_dict({"evidence": [r["evidence"] for r in rows], "claim": [r["claim"] for r in rows], "label": labels})


def _length_grouped_batches(lengths: list[int]) -> type[BatchSampler]:
    """A batch sampler class for sentence-transformers' trainer: each epoch, ``transformers``' length-grouped
    order (reseeded by seed and epoch), cut into batches."""
    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    try:
        from sentence_transformers.base.sampler import DefaultBatchSampler
    except ImportError:  # sentence-transformers 5
        from sentence_transformers.sampler import DefaultBatchSampler  # type: ignore[no-redef]

    class LengthGroupedBatchSampler(DefaultBatchSampler):
        def __iter__(self) -> Iterator[list[int]]:
            generator = torch.Generator()
            generator.manual_seed(self.seed + self.epoch)
            order = get_length_grouped_indices(lengths, self.batch_size, generator=generator)
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                if len(batch) == self.batch_size or not self.drop_last:
                    yield batch

        def __len__(self) -> int:
            return len(lengths) // self.batch_size if self.drop_last else -(-len(lengths) // self.batch_size)

    return LengthGroupedBatchSampler


def _stance_loss(model: CrossEncoder) -> nn.Module:  # built here: torch is a heavy import
    import torch
    from sentence_transformers.cross_encoder.losses import CrossEntropyLoss

    class SoftBiasedCrossEntropy(torch.nn.Module):
        """The criterion: plain cross-entropy for stance ids; for rows of [target distribution, bias] (see
        :func:`pairs_to_dataset`), cross-entropy towards the target of logits + bias (a product of experts)."""

        def __init__(self, plain: nn.Module) -> None:
            super().__init__()
            self.plain = plain

        def forward(self, logits: Tensor, labels: Tensor) -> Tensor:
            if not labels.is_floating_point():
                return self.plain(logits, labels)
            logits, labels = logits.float(), labels.to(logits.device).float()
            n = logits.shape[1]
            return -(labels[:, :n] * torch.log_softmax(logits + labels[:, n:], dim=1)).sum(1).mean()

    class StanceLoss(CrossEntropyLoss):
        """sentence-transformers' CrossEntropyLoss with the criterion above; list labels are stacked first."""

        def __init__(self, model: CrossEncoder) -> None:
            super().__init__(model)
            self.ce_loss = SoftBiasedCrossEntropy(self.ce_loss)  # type: ignore[assignment]  # same call signature

        def forward(self, inputs: list[list[str]], labels: Tensor | list[Tensor], prompt: str | None = None, task: str | None = None) -> Tensor:
            return super().forward(inputs, torch.stack(labels) if isinstance(labels, list) else labels, prompt=prompt, task=task)

    return StanceLoss(model)


RUN_CONFIG_FILE = "factcheck_train_config.json"


def checkpoint_to_resume(output_dir: str | Path, config: TrainConfig, resume: bool) -> str | None:
    """The last epoch checkpoint of an interrupted run in ``output_dir/checkpoints`` to continue from (``resume``),
    after checking that it was trained with ``config``; None to start from the beginning. Raises FactcheckError for
    a folder that holds another run's checkpoints."""
    from transformers.trainer_utils import get_last_checkpoint

    folder = Path(output_dir) / "checkpoints"
    last = get_last_checkpoint(str(folder)) if folder.is_dir() else None
    if last is not None and not resume:
        raise FactcheckError(f"{folder} holds an earlier run's checkpoints: pass --resume to continue it, or remove that folder to start over")
    recorded = folder / RUN_CONFIG_FILE
    if last is not None and recorded.is_file():
        before = json.loads(recorded.read_text())
        changed = sorted(k for k, v in asdict(config).items() if before.get(k) != v)
        if changed:
            raise FactcheckError(f"cannot resume {folder}: it was trained with other {', '.join(changed)}; resume with the same options, or remove that folder to start over")
    if resume and last is None:
        logger.info("no checkpoint in %s: training from the start", folder)
    return last


def train_verifier(
    train: Dataset,
    output_dir: str | Path,
    dev: Dataset | None = None,
    config: TrainConfig | None = None,
    *,
    resume: bool = False,
) -> TrainResult:
    """Fine-tune a 3-label CrossEncoder (entailment / neutral / contradiction), evaluating on ``dev`` every
    epoch and keeping the best checkpoint (by dev macro-F1) in ``output_dir``.

    A checkpoint is written to ``output_dir/checkpoints`` after every epoch; ``resume`` continues an interrupted
    run from the last one (weights, optimizer, schedule and data order), which must have had the same config.
    Without ``resume``, a ``checkpoints`` folder left by an earlier run is refused rather than mixed in."""
    import torch
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.evaluation import (
        CrossEncoderClassificationEvaluator,
    )

    config = config or TrainConfig()
    output_dir = Path(output_dir)
    checkpoint = checkpoint_to_resume(output_dir, config, resume)
    (output_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    (output_dir / "checkpoints" / RUN_CONFIG_FILE).write_text(json.dumps(asdict(config), indent=2) + "\n")
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)

    def blank(ds: Dataset) -> Dataset:
        return ds.map(lambda r: {"evidence": ""}) if config.claim_only else ds

    train = blank(train).select_columns(["evidence", "claim", "label"])
    model = CrossEncoder(
        resolve_embedder(config.base_model),
        num_labels=len(STANCES),
        max_length=config.max_length,
        model_kwargs={"dtype": torch.float32},  # fp32 master weights even from an fp16 checkpoint
        config_kwargs={"id2label": dict(enumerate(STANCES)), "label2id": {s: i for i, s in enumerate(STANCES)}},
    )
    evaluator = None
    if dev is not None:
        dev = blank(dev)
        evaluator = CrossEncoderClassificationEvaluator(
            sentence_pairs=[[e, c] for e, c in zip(dev["evidence"], dev["claim"])],
            labels=list(dev["label"]),
            name="dev",
            batch_size=config.eval_batch_size,
            write_csv=False,
        )
    args = CrossEncoderTrainingArguments(
        output_dir=str(output_dir / "checkpoints"),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.eval_batch_size,
        learning_rate=config.learning_rate,
        warmup_ratio=config.warmup_ratio,
        seed=config.seed,
        data_seed=config.seed if config.data_seed is None else config.data_seed,
        eval_strategy="epoch" if evaluator else "no",
        save_strategy="epoch",
        save_total_limit=2,
        load_best_model_at_end=evaluator is not None,
        metric_for_best_model="eval_dev_f1_macro" if evaluator else None,
        greater_is_better=True,
        logging_steps=50,
        report_to="none",
        bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),
        dataloader_drop_last=False,
    )
    trainer_class = CrossEncoderTrainer
    if config.group_by_length:
        tokens = model.tokenizer(list(train["evidence"]), list(train["claim"]), truncation=True, max_length=config.max_length)["input_ids"]
        grouped = _length_grouped_batches([len(t) for t in tokens])

        class LengthGroupedTrainer(CrossEncoderTrainer):  # the documented hook; a sampler in the args would be pickled with them
            def get_batch_sampler(self, dataset: Dataset, batch_size: int, drop_last: bool, *args: object, **kwargs: object) -> BatchSampler | None:
                if len(dataset) != len(tokens):  # not the training set
                    return super().get_batch_sampler(dataset, batch_size, drop_last, *args, **kwargs)  # type: ignore[arg-type]
                return grouped(dataset, batch_size, drop_last, *args, **kwargs)

        trainer_class = LengthGroupedTrainer
    trainer = trainer_class(
        model=model,
        args=args,
        train_dataset=train,
        loss=_stance_loss(model),
        evaluator=evaluator,
    )
    trainer.train(resume_from_checkpoint=checkpoint)
    history = [h for h in trainer.state.log_history if "eval_dev_f1_macro" in h]
    best = max(history, key=lambda h: h["eval_dev_f1_macro"]) if history else {"epoch": config.epochs, "eval_dev_f1_macro": float("nan")}
    model.save_pretrained(str(output_dir))
    meta: dict[str, Any] = {"train_config": asdict(config), "history": history, "best_epoch": best["epoch"]}
    if dev is not None and not config.claim_only and all(isinstance(label, int) for label in dev["label"]):  # not soft targets
        meta["calibration"] = _calibrate_on(dev, output_dir, config)
    (output_dir / "factcheck_training.json").write_text(json.dumps(meta, indent=2))
    return TrainResult(str(output_dir), int(round(best["epoch"])), float(best["eval_dev_f1_macro"]), history, meta.get("calibration"))


def _calibrate_on(dev: Dataset, output_dir: Path, config: TrainConfig) -> dict:
    """The trained model's temperatures, fitted on the dev rows and written beside it, so that the confidence
    factcheck prints with it is a probability (as the shipped verifier's is)."""
    verifier = Verifier(VerifierConfig(model=str(output_dir), backend="torch", max_length=config.max_length, batch_size=config.eval_batch_size))
    pairs = list(zip(dev["evidence"], dev["claim"]))
    return calibrate(output_dir, verifier.logits(pairs), np.array(dev["label"]), verifier.judged_positively(pairs), ["dev"])


def export_fp16(model_dir: str | Path, out_dir: str | Path) -> Path:
    """Copy a trained verifier folder with its weights stored as fp16 safetensors (half the size; factcheck
    loads them back as fp32). Non-weight files are copied as they are; checkpoints are left out."""
    from safetensors.torch import load_file, save_file

    src, dst = Path(model_dir), Path(out_dir)
    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.is_file() and item.suffix != ".safetensors":
            shutil.copy2(item, dst / item.name)
    for weights in src.glob("*.safetensors"):
        tensors = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in load_file(str(weights)).items()}
        save_file(tensors, str(dst / weights.name), metadata={"format": "pt"})
    return dst
