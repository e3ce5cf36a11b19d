"""Extra training rows for the verifier sweep's Climate-FEVER candidates, written beside `factcheck recipes`' pairs.

    factcheck recipes --data-dir ../shared/data --out PAIRS
    python eval/train_claim_only.py --pairs PAIRS --out CLAIM_ONLY
    python eval/sweep_extras.py --data-dir ../shared/data --pairs PAIRS --claim-only CLAIM_ONLY   # ~3 min, CPU
    (--claim-only only for claim-only-bias.jsonl, which only the product-of-experts candidates read)

Writes into PAIRS:
- climate-fever-train-all.jsonl: every (evidence, claim) pair of the Climate-FEVER training claims (the recipe's
  label balancing keeps 3,771 of 5,145, dropping neutrals; the held-out claims' pairs are 64 % neutral), each with
  ``target``: half its gold label, half its annotators' vote distribution (68 % of these pairs have two votes, and
  43 % of those disagree).
- climate-fever-train-hardneg.jsonl: for each training claim, the 2 Climate-FEVER evidence sentences of *other*
  training claims that the default embedder ranks nearest to it, labelled neutral (what the retriever will hand
  the verifier: on topic, but not annotated as bearing on the claim).
- evidence-titles.jsonl: the title of the document each SciFact and Climate-FEVER evidence text of PAIRS comes
  from (the paper's title; the Wikipedia article's), for candidates that read "title: sentence" as evidence, the
  way FEVER systems give a sentence its article (a pronoun's referent, the topic a list item belongs to).
- transfer.jsonl (with --transfer): unlabelled (evidence, claim) pairs for distillation (sweep round 10): for each
  Climate-FEVER training claim the TRANSFER_CLIMATE sentences of other training claims' evidence that the embedder
  ranks nearest, and its own evidence against its negation edit; for each SciFact training claim the
  TRANSFER_SCIFACT corpus sentences ranked nearest. What the retriever hands the verifier, with no annotation: a
  teacher labels them (label "neutral" is a placeholder the teacher's distribution replaces).
- claim-only-bias.jsonl: the claim-only model's log-probabilities for every training claim, for a
  product-of-experts loss (the verifier is trained on logits + bias, so it gains nothing from what the claim
  alone predicts; at inference the bias is dropped).
Held-out claims (every third claim id) never appear: they are the evaluation set.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from factcheck.evaluation import climate_fever_claims, climate_fever_is_heldout, scifact_claims, scifact_corpus
from factcheck.labels import STANCES, stance_of
from factcheck.training import RecipeConfig, flip_negation, write_jsonl

HARDNEG_PER_CLAIM = 2
TRANSFER_CLIMATE = 10
TRANSFER_SCIFACT = 4


def climate_rows(data_dir: Path) -> tuple[list[dict], list[dict]]:
    config = RecipeConfig()
    pairs, hardneg = [], []
    claims = [c for c in climate_fever_claims(data_dir) if not climate_fever_is_heldout(c, config.climate_heldout_every)]
    for claim in claims:
        for ev in claim["evidences"]:
            gold = STANCES.index(stance_of(ev["evidence_label"]))
            votes = [STANCES.index(stance_of(v)) for v in ev.get("votes") or [] if v]
            share = [votes.count(i) / len(votes) if votes else float(i == gold) for i in range(len(STANCES))]
            target = [round(0.5 * float(i == gold) + 0.5 * share[i], 4) for i in range(len(STANCES))]
            pairs.append({"evidence": ev["evidence"], "claim": claim["claim"], "label": STANCES[gold], "source": "climate-fever-train", "target": target})

    from factcheck.embed import EmbedderConfig, create_embedder

    embedder = create_embedder(EmbedderConfig())
    sentences = sorted({ev["evidence"] for c in claims for ev in c["evidences"]})
    import numpy as np

    s_vec = np.asarray(embedder.encode(sentences))
    c_vec = np.asarray(embedder.encode_queries([c["claim"] for c in claims]))
    order = np.argsort(-(c_vec @ s_vec.T), axis=1)[:, :40]
    for claim, row in zip(claims, order):
        own = {ev["evidence"] for ev in claim["evidences"]}
        taken = 0
        for j in row:
            if sentences[j] in own:
                continue
            hardneg.append({"evidence": sentences[j], "claim": claim["claim"], "label": "neutral", "source": "climate-fever-train-retrieved"})
            taken += 1
            if taken == HARDNEG_PER_CLAIM:
                break
    return pairs, hardneg


def _nearest(claims: list[str], sentences: list[str], k: int, skip: list[set[str]]) -> list[list[str]]:
    """For each claim, the ``k`` sentences the default embedder ranks nearest, leaving out its ``skip`` set."""
    import numpy as np

    from factcheck.embed import EmbedderConfig, create_embedder

    embedder = create_embedder(EmbedderConfig())
    s_vec = np.asarray(embedder.encode(sentences))
    c_vec = np.asarray(embedder.encode_queries(claims))
    out = []
    for start in range(0, len(claims), 256):
        order = np.argsort(-(c_vec[start : start + 256] @ s_vec.T), axis=1)[:, : k + 40]
        for i, row in enumerate(order):
            own = skip[start + i]
            out.append([sentences[j] for j in row if sentences[j] not in own][:k])
    return out


def transfer_rows(data_dir: Path, climate: int = TRANSFER_CLIMATE, scifact: int = TRANSFER_SCIFACT) -> list[dict]:
    """Unlabelled pairs a teacher labels for distillation (see the module docstring), ``climate`` and ``scifact``
    retrieved sentences per claim (0: none of that set's); the held-out Climate-FEVER claims and their sentences
    stay out, and so do SciFact's dev and test claims (other splits)."""
    config = RecipeConfig()
    rows = []
    claims = [c for c in climate_fever_claims(data_dir) if not climate_fever_is_heldout(c, config.climate_heldout_every)]
    sentences = sorted({ev["evidence"] for c in claims for ev in c["evidences"]})
    own = [{ev["evidence"] for ev in c["evidences"]} for c in claims]
    for claim, near in zip(claims, _nearest([c["claim"] for c in claims], sentences, climate, own)):
        rows += [{"evidence": e, "claim": claim["claim"], "label": "neutral", "source": "climate-fever-transfer"} for e in near]
        flipped = flip_negation(claim["claim"])
        if flipped:
            rows += [{"evidence": ev["evidence"], "claim": flipped, "label": "neutral", "source": "climate-fever-transfer-flip"} for ev in claim["evidences"]]
    if not scifact:
        return rows
    corpus = scifact_corpus(data_dir)
    train = scifact_claims(data_dir, "train")
    sentences = sorted({s.strip() for doc in corpus.values() for s in doc["abstract"] if len(s.split()) >= 5})
    for claim, near in zip(train, _nearest([c["claim"] for c in train], sentences, scifact, [set()] * len(train))):
        rows += [{"evidence": e, "claim": claim["claim"], "label": "neutral", "source": "scifact-transfer"} for e in near]
    return rows


def evidence_titles(data_dir: Path, evidences: set[str]) -> list[dict]:
    """{evidence, title, set} for each of ``evidences`` found in Climate-FEVER (its article) or SciFact (the
    abstract it starts in: SciFact evidence joins a rationale's sentences)."""
    climate = {ev["evidence"]: ev["article"] for c in climate_fever_claims(data_dir) for ev in c["evidences"]}
    by_prefix: dict[str, list[tuple[str, str]]] = {}
    for doc in scifact_corpus(data_dir).values():
        for sentence in doc["abstract"]:
            by_prefix.setdefault(sentence[:24], []).append((sentence, doc["title"]))
    out = []
    for text in sorted(evidences):
        if text in climate:
            out.append({"evidence": text, "title": climate[text], "set": "climate-fever"})
            continue
        title = next((t for sentence, t in by_prefix.get(text[:24], []) if text.startswith(sentence)), None)
        if title:
            out.append({"evidence": text, "title": title, "set": "scifact"})
    return out


def claim_bias(claims: list[str], model: Path) -> list[dict]:
    from scipy.special import log_softmax

    from factcheck.verify import Verifier, VerifierConfig

    logp = log_softmax(Verifier(VerifierConfig(model=str(model), batch_size=64)).logits([("", c) for c in claims]), axis=1)
    return [{"claim": c, "bias": [round(float(x), 4) for x in row]} for c, row in zip(claims, logp)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--pairs", type=Path, required=True, help="folder written by `factcheck recipes`")
    parser.add_argument("--transfer", action="store_true", help="also write transfer.jsonl (sweep round 10; 6 more minutes on a 2-core CPU)")
    parser.add_argument("--claim-only", type=Path, default=None, help="claim-only model (eval/train_claim_only.py); without it, no claim-only-bias.jsonl (only the product-of-experts candidates read it)")
    args = parser.parse_args()
    if args.transfer:
        transfer = transfer_rows(args.data_dir)
        write_jsonl(transfer, args.pairs / "transfer.jsonl")
        print(f"{len(transfer)} unlabelled transfer pairs -> {args.pairs / 'transfer.jsonl'}")
    pairs, hardneg = climate_rows(args.data_dir)
    write_jsonl(pairs, args.pairs / "climate-fever-train-all.jsonl")
    write_jsonl(hardneg, args.pairs / "climate-fever-train-hardneg.jsonl")
    train = [json.loads(line) for line in (args.pairs / "train.jsonl").read_text().splitlines() if line.strip()]
    evidences = {r["evidence"] for r in train + pairs + hardneg}
    for dev in ("scifact-dev", "climate-fever-heldout"):
        evidences |= {json.loads(line)["evidence"] for line in (args.pairs / f"{dev}.jsonl").read_text().splitlines() if line.strip()}
    titles = evidence_titles(args.data_dir, evidences)
    write_jsonl(titles, args.pairs / "evidence-titles.jsonl")
    claims = sorted({r["claim"] for r in train + pairs}) if args.claim_only else []
    if args.claim_only:
        write_jsonl(claim_bias(claims, args.claim_only), args.pairs / "claim-only-bias.jsonl")
    print(f"{len(pairs)} Climate-FEVER pairs, {len(hardneg)} retrieved neutrals, {len(claims)} claim biases, {len(titles)} evidence titles -> {args.pairs}")


if __name__ == "__main__":
    main()
