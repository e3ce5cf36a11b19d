from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import one_line_error, run_cli, write

from factcheck import FactcheckError, Verifier, VerifierConfig
from factcheck.labels import STANCES
from factcheck.verify import default_verifier_path, softmax

PAIRS = [
    ("A consortium led by Elon Musk offered 97.4 billion dollars to buy OpenAI.", "Musk's group offered 97.4 billion dollars for OpenAI."),
    ("Sam Altman said the Stargate funds are available.", "Stargate funds will not be available."),
    ("The bakery opened on Saturday.", "OpenAI was founded in 2015."),
]


def test_shipped_verifier_gives_probabilities_in_stance_order() -> None:
    verifier = Verifier()
    assert Path(verifier.path) == default_verifier_path()
    probs = verifier.predict(PAIRS)
    assert probs.shape == (3, 3) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert [STANCES[i] for i in probs.argmax(axis=1)] == ["entailment", "contradiction", "neutral"]
    # duplicates are scored once and mapped back in order
    again = verifier.predict([PAIRS[2], PAIRS[0], PAIRS[2]])
    assert np.allclose(again, probs[[2, 0, 2]], atol=1e-5)


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_pairs_batched_by_token_length_keep_their_own_logits(backend: str) -> None:
    """Batches are cut by token count, not in the order given: each pair still gets the logits it gets alone."""
    pairs = [
        *PAIRS,
        ("OpenAI, 2015; 97.4 bn USD; 500 bn USD; 100 bn USD; 2025-02-10; 2025-01-21.", "OpenAI was founded in 2015."),
        ("Stargate is a joint venture announced at the White House in January 2025 by OpenAI, SoftBank and Oracle, "
         "with an initial 100 billion dollars and up to 500 billion dollars over four years.", "Stargate was announced in 2025."),
        ("Yes.", "No."),
    ]
    batched = Verifier(VerifierConfig(backend=backend, batch_size=2)).logits(pairs[::-1])[::-1]
    alone = Verifier(VerifierConfig(backend=backend, batch_size=1))
    single = np.concatenate([alone.logits([p]) for p in pairs])
    assert batched.shape == (len(pairs), 3)
    assert np.allclose(batched, single, atol=1e-4)


def test_label_order_is_read_from_id2label(tmp_path: Path) -> None:
    """A model whose outputs come in another order (as hub NLI models do) gives the same stances."""
    from safetensors.torch import load_file, save_file

    permuted = tmp_path / "permuted"
    shutil.copytree(default_verifier_path(), permuted)
    order = [2, 0, 1]  # new column j holds old column order[j]
    tensors = load_file(str(permuted / "model.safetensors"))
    for key in ("classifier.weight", "classifier.bias"):
        tensors[key] = tensors[key][order].clone()
    save_file(tensors, str(permuted / "model.safetensors"))
    config = json.loads((permuted / "config.json").read_text())
    old = {int(k): v for k, v in config["id2label"].items()}
    config["id2label"] = {str(j): old[order[j]].upper() for j in range(3)}  # CONTRADICTION, ENTAILMENT, NEUTRAL
    config["label2id"] = {v: int(k) for k, v in config["id2label"].items()}
    (permuted / "config.json").write_text(json.dumps(config))
    (permuted / "factcheck_calibration.json").unlink(missing_ok=True)
    base = Verifier().logits(PAIRS)
    assert np.allclose(Verifier(VerifierConfig(model=str(permuted))).logits(PAIRS), base, atol=1e-4)


def test_non_nli_model_is_refused(tmp_path: Path) -> None:
    two = tmp_path / "two"
    shutil.copytree(default_verifier_path(), two)
    config = json.loads((two / "config.json").read_text())
    config["id2label"] = {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}
    config["label2id"] = {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2}
    (two / "config.json").write_text(json.dumps(config))
    with pytest.raises(FactcheckError, match="not a 3-way NLI model"):
        Verifier(VerifierConfig(model=str(two))).predict(PAIRS)


def test_missing_verifier_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FactcheckError, match="cannot load verifier"):
        Verifier(VerifierConfig(model=str(tmp_path / "no-such-model"))).predict(PAIRS)




def _bridge_rows() -> list[dict]:
    rows = []
    for i in range(16):
        rows.append({"evidence": f"The bridge {i} opened in {1990 + i}.", "claim": f"The bridge {i} opened in {1990 + i}.", "label": "SUPPORTS"})
        rows.append({"evidence": f"The bridge {i} opened in {1990 + i}.", "claim": f"The bridge {i} never opened.", "label": "REFUTES"})
        rows.append({"evidence": f"The river {i} is long.", "claim": f"The bridge {i} opened in {1990 + i}.", "label": "NOT ENOUGH INFO"})
    return rows


@pytest.mark.parametrize("flags", [[], ["--group-by-length"]])
def test_train_a_small_verifier_end_to_end(tmp_path: Path, flags: list[str]) -> None:
    """`factcheck train` on a small sample writes a CrossEncoder the pipeline can load."""
    from click.testing import CliRunner

    from factcheck.cli import main

    rows = _bridge_rows()
    train = write(tmp_path / "train.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    dev = write(tmp_path / "dev.tsv", "premise\thypothesis\tlabel\n" + "".join(f"{r['evidence']}\t{r['claim']}\t{r['label']}\n" for r in rows[:9]))
    out = tmp_path / "model"
    result = CliRunner().invoke(main, ["train", "--train", str(train), "--dev", str(dev), "--out", str(out), "--epochs", "1", "--batch-size", "16", "--max-length", "48", *flags])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "factcheck_training.json").read_text())
    assert report["best_epoch"] == 1 and 0.0 <= report["history"][0]["eval_dev_f1_macro"] <= 1.0
    assert report["train_config"]["epochs"] == 1 and report["train_config"]["max_length"] == 48
    assert report["train_config"]["group_by_length"] == bool(flags)
    trained = Verifier(VerifierConfig(model=str(out)))
    assert trained.predict(PAIRS[:1]).shape == (1, 3)
    # calibrated on the dev rows: the probabilities it gives are its logits at the temperature fitted there
    calibration = json.loads((out / "factcheck_calibration.json").read_text())
    assert calibration["fitted_on"] == ["dev"] and sum(calibration["pairs"].values()) == 9 and report["calibration"] == calibration
    assert trained.temperature == calibration["temperature"] != 1.0
    assert np.allclose(trained.predict(PAIRS[:1]), softmax(trained.logits(PAIRS[:1]) / calibration["temperature"]), atol=1e-5)
    config = json.loads((out / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(3)] == list(STANCES)


def test_interrupted_training_resumes_from_its_last_epoch(tmp_path: Path) -> None:
    """A run cut off during its second epoch, continued with resume, keeps its first epoch's checkpoint and ends
    with the weights the uninterrupted run had; a new run into that folder, or a resume with other options, is
    refused in one line."""
    import torch
    from safetensors.torch import load_file

    from factcheck.training import TrainConfig, pairs_to_dataset, train_verifier

    rows = _bridge_rows()
    config = TrainConfig(epochs=2, batch_size=16, max_length=48)
    out = tmp_path / "model"
    train_verifier(pairs_to_dataset(rows), out, pairs_to_dataset(rows[:9]), config)
    first, second = sorted((out / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    uninterrupted = load_file(str(second / "model.safetensors"))
    first_written = (first / "model.safetensors").stat().st_mtime_ns
    shutil.rmtree(second)  # the second epoch never finished

    result = train_verifier(pairs_to_dataset(rows), out, pairs_to_dataset(rows[:9]), config, resume=True)
    assert (first / "model.safetensors").stat().st_mtime_ns == first_written  # continued, not started over
    resumed = load_file(str(second / "model.safetensors"))
    assert set(resumed) == set(uninterrupted)
    assert all(torch.allclose(resumed[k], uninterrupted[k], atol=1e-5) for k in uninterrupted)
    assert sorted(round(h["epoch"]) for h in result.history) == [1, 2]

    train = write(tmp_path / "train.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    common = ["train", "--train", str(train), "--out", str(out), "--batch-size", "16", "--max-length", "48"]
    one_line_error(run_cli(*common, "--epochs", "2"), "pass --resume to continue it")
    one_line_error(run_cli(*common, "--epochs", "3", "--resume"), "it was trained with other epochs")


def test_training_loss_reads_soft_targets_and_a_bias_model() -> None:
    """The sweep's vote-distribution targets and product-of-experts bias (eval/sweep_verifier.py round 3) go
    through pairs_to_dataset as [target, bias] labels; one-hot targets with no bias are plain cross-entropy."""
    import torch
    from sentence_transformers.cross_encoder import CrossEncoder
    from sentence_transformers.cross_encoder.losses import CrossEntropyLoss

    from factcheck.training._train import _stance_loss, pairs_to_dataset

    model = CrossEncoder(str(default_verifier_path()))
    stances = ["entailment", "contradiction", "neutral"]  # what the shipped verifier says of PAIRS
    plain = pairs_to_dataset([{"evidence": e, "claim": c, "label": s} for (e, c), s in zip(PAIRS, stances)])
    assert plain["label"] == [STANCES.index(s) for s in stances]
    inputs = [plain["evidence"], plain["claim"]]
    loss = _stance_loss(model)
    with torch.no_grad():
        reference = CrossEntropyLoss(model)(inputs, torch.tensor(plain["label"])).item()
        assert loss(inputs, torch.tensor(plain["label"])).item() == pytest.approx(reference, rel=1e-5)
        one_hot = pairs_to_dataset([{"evidence": e, "claim": c, "label": s, "bias": [0.0] * 3} for (e, c), s in zip(PAIRS, stances)])
        assert one_hot["label"][0] == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        as_rows = [torch.tensor(x) for x in one_hot["label"]]  # how the data collator hands list labels over
        assert loss(inputs, as_rows).item() == pytest.approx(reference, rel=1e-4)
        # a bias model already sure of each gold label leaves the verifier almost nothing to learn ...
        sure = [[20.0 * (j == STANCES.index(s)) for j in range(3)] for s in stances]
        biased = [torch.tensor([float(j == STANCES.index(s)) for j in range(3)] + b) for s, b in zip(stances, sure)]
        assert loss(inputs, biased).item() < 0.01 * reference
        # ... and a uniform vote distribution costs more than the one-hot gold the verifier agrees with
        soft = [torch.tensor([1 / 3, 1 / 3, 1 / 3, 0.0, 0.0, 0.0]) for _ in stances]
        assert loss(inputs, soft).item() > reference




def test_a_negated_claim_is_judged_through_its_positive_form() -> None:
    """factcheck judges "X will not be Y" as "X will be Y" with entailment and contradiction swapped
    (VerifierConfig.positive_claims): the shipped verifier reads a negation in the claim as a cue for
    contradiction, and the positive form it reads well."""
    from factcheck.labels import positive_form

    assert positive_form("Stargate funds will not be available") == "Stargate funds will be available"
    assert positive_form("It is not only hot but also dry") is None
    assert positive_form("Stargate funds are available") is None
    evidence = "Funding for Stargate will not be available."
    pairs = [(evidence, "Stargate funds will not be available"), (evidence, "Stargate funds will be available")]
    verifier = Verifier()
    probs = verifier.predict(pairs)
    assert [STANCES[i] for i in probs.argmax(axis=1)] == ["entailment", "contradiction"]
    logits = verifier.logits(pairs)
    assert np.allclose(logits[0], logits[1][::-1], atol=1e-5)
    assert list(verifier.judged_positively(pairs)) == [True, False]  # each at its own temperature
    raw = Verifier(VerifierConfig(positive_claims=False)).predict(pairs[:1])
    assert not np.allclose(raw[0], probs[0], atol=1e-3)  # off: the claim is read as written
