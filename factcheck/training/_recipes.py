"""The verifier's data recipes: turn public fact-checking sets into (evidence, claim, label) pairs for the verifier.

The pairs look like what the pipeline meets: one retrieved sentence (or a few) as evidence, the claim second.
Each recipe reads the files laid out as in ``shared/data`` (see each set's SOURCE.md). Labels are the stances
``entailment`` / ``neutral`` / ``contradiction``.

Recipes against shortcuts:

- neutrals from the same claim's non-rationale sentences and from sentences the real embedder retrieves for
  it, so that the same claim is seen with evidence of each stance and the model must read the evidence;
- minimal edits that flip a claim's label (adding or removing a negation). By default they only turn an entailed
  claim contradicted or undo a negation into entailment, so most negated claims are contradicted (the shipped
  verifier learned that cue: eval/experiments/negation_probe.py); ``symmetric_negation`` also negates contradicted claims
  (entailment) and neutral pairs (neutral), so that a negation word alone predicts nothing;
- labels balanced per source, so that no source teaches "this topic means contradiction".

Only sets whose licenses allow a shipped model are used for training (never XNLI, ANLI or AVeriTeC).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embed import Embedder
from ..evaluation import (
    CLIMATE_HELDOUT_EVERY,
    climate_fever_claims,
    climate_fever_is_heldout,
    covid_fact_rows,
    detokenize,
    fever_lite_rows,
    scifact_claims,
    scifact_corpus,
)
from ..labels import AUXILIARY, CONTRADICTION, ENTAILMENT, NEUTRAL, stance_of

Pair = dict  # {"evidence": str, "claim": str, "label": str, "source": str}


@dataclass(frozen=True)
class RecipeConfig:
    """Knobs of the training-pair recipes."""

    seed: int = 13
    #: fraction of Climate-FEVER claims held out (by claim id) for dev and evaluation.
    climate_heldout_every: int = CLIMATE_HELDOUT_EVERY
    #: neutral pairs drawn from a claim's own abstract (non-rationale sentences) in SciFact.
    scifact_neutrals_per_claim: int = 2
    #: neutral pairs from sentences the embedder retrieves for the claim (hard negatives).
    retrieved_neutrals_per_claim: int = 2
    #: cap on a label's share: no label has more than this many times the rarest label's pairs in a source.
    balance_ratio: float = 2.0
    negation_flips: bool = True
    #: also the negation edits that keep a claim's meaning tied to its evidence the other way round: a
    #: contradicted claim negated is entailed, and a neutral pair stays neutral once negated, so that a negated
    #: claim is not a cue for "contradiction" (without them 71 % of the negated training claims are contradicted).
    symmetric_negation: bool = False


def _pair(evidence: str, claim: str, label: str, source: str) -> Pair:
    return {"evidence": evidence, "claim": claim, "label": label, "source": source}


# ---------------------------------------------------------------- SciFact


def scifact_pairs(
    data_dir: Path, split: str, config: RecipeConfig, embedder: Embedder | None = None
) -> list[Pair]:
    """Rationale sentences with their labels; neutrals from non-rationale sentences and NEI claims."""
    rng = random.Random(config.seed)
    corpus = scifact_corpus(data_dir)
    claims = scifact_claims(data_dir, split)
    pairs: list[Pair] = []
    source = f"scifact-{split}"
    for claim in claims:
        text = claim["claim"]
        rationale_ids: dict[int, set[int]] = defaultdict(set)
        for doc_id, sets in claim["evidence"].items():
            doc = corpus[int(doc_id)]
            for ev in sets:
                sentences = ev["sentences"]
                rationale_ids[int(doc_id)].update(sentences)
                evidence = " ".join(doc["abstract"][i] for i in sentences)
                pairs.append(_pair(evidence, text, stance_of(ev["label"]), source))
        # Neutrals from the cited abstracts: NEI claims' sentences and the rationales' neighbours.
        for doc_id in claim.get("cited_doc_ids", []):
            cited = corpus.get(int(doc_id))
            if cited is None:
                continue
            others = [i for i in range(len(cited["abstract"])) if i not in rationale_ids.get(int(doc_id), set())]
            for i in rng.sample(others, min(config.scifact_neutrals_per_claim, len(others))):
                pairs.append(_pair(cited["abstract"][i], text, NEUTRAL, source))
    if embedder is not None and config.retrieved_neutrals_per_claim:
        pairs += _retrieved_neutrals(
            claims=[(c["claim"], _rationale_texts(c, corpus)) for c in claims],
            pool=sorted({s for d in _cited_docs(claims, corpus) for s in d["abstract"]}),
            embedder=embedder,
            per_claim=config.retrieved_neutrals_per_claim,
            source=f"{source}-retrieved",
        )
    return pairs


def _cited_docs(claims: list[dict], corpus: dict[int, dict]) -> list[dict]:
    ids = {int(d) for c in claims for d in c.get("cited_doc_ids", [])} | {
        int(d) for c in claims for d in c["evidence"]
    }
    return [corpus[i] for i in sorted(ids) if i in corpus]


def _rationale_texts(claim: dict, corpus: dict[int, dict]) -> set[str]:
    out: set[str] = set()
    for doc_id, sets in claim["evidence"].items():
        for ev in sets:
            out.update(corpus[int(doc_id)]["abstract"][i] for i in ev["sentences"])
    return out


def _retrieved_neutrals(
    claims: list[tuple[str, set[str]]], pool: list[str], embedder: Embedder, per_claim: int, source: str
) -> list[Pair]:
    """Hard negatives: the pool sentences nearest to each claim that are not among its evidence.

    Only used for claims whose evidence is known sentence by sentence (SciFact), where a sentence that is not
    a rationale does not bear on the claim by the annotators' judgement.
    """
    claim_vecs = embedder.encode([c for c, _ in claims])
    pool_vecs = embedder.encode(pool, show_progress=True)
    scores = claim_vecs @ pool_vecs.T
    pairs = []
    for row, (claim, rationales) in enumerate(claims):
        taken = 0
        for j in np.argsort(-scores[row])[: per_claim + 10]:
            if pool[j] in rationales:
                continue
            pairs.append(_pair(pool[j], claim, NEUTRAL, source))
            taken += 1
            if taken == per_claim:
                break
    return pairs


# ---------------------------------------------------------------- Climate-FEVER


def climate_fever_pairs(data_dir: Path, split: str, config: RecipeConfig) -> list[Pair]:
    """Per-evidence labels; ``split`` is "train" or "heldout"."""
    pairs = []
    for claim in climate_fever_claims(data_dir):
        if climate_fever_is_heldout(claim, config.climate_heldout_every) != (split == "heldout"):
            continue
        for ev in claim["evidences"]:
            pairs.append(_pair(ev["evidence"], claim["claim"], stance_of(ev["evidence_label"]), f"climate-fever-{split}"))
    return pairs


# ---------------------------------------------------------------- FEVER-Lite

def fever_lite_pairs(data_dir: Path, split: str, config: RecipeConfig, embedder: Embedder | None = None) -> list[Pair]:
    """Claims with their evidence sentences joined; neutrals by pairing a claim with a similar claim's evidence."""
    rows = fever_lite_rows(data_dir, split)
    source = f"fever-lite-{split}"
    claims = [r["claim"] for r in rows]
    evidences = [detokenize(" ".join(r["evidence"][:3])) for r in rows]
    pairs = [_pair(e, c, stance_of(r["label"]), source) for r, c, e in zip(rows, claims, evidences) if e]
    if embedder is not None:
        vecs = embedder.encode(claims, show_progress=True)
        rng = random.Random(config.seed)
        for i, claim in enumerate(claims):
            if rng.random() > 0.5:
                continue  # neutrals for half of the claims keep the labels balanced
            own = set(rows[i]["evidence"])
            sims = vecs[i] @ vecs.T
            for j in np.argsort(-sims)[1:12]:
                if own.isdisjoint(rows[j]["evidence"]) and evidences[j] and claims[j] != claim:
                    pairs.append(_pair(evidences[j], claim, NEUTRAL, f"{source}-neighbour"))
                    break
    return pairs


# ---------------------------------------------------------------- COVID-Fact


def covid_fact_pairs(data_dir: Path, split: str, config: RecipeConfig) -> list[Pair]:
    """entailment -> entailment, not_entailment (edited counter-claims) -> contradiction; plus neutrals
    made from another row's evidence, since COVID-Fact has no neutral class."""
    rows = [(evidence.replace(" > ", " ").strip(), claim, label) for _, evidence, claim, label in covid_fact_rows(data_dir, split)]
    rng = random.Random(config.seed)
    source = f"covid-fact-{split}"
    pairs = [_pair(ev, claim, stance_of(label), source) for ev, claim, label in rows]
    evidences = sorted({ev for ev, _, _ in rows})
    for ev, claim, _ in rows:
        if rng.random() < 0.4:
            other = rng.choice(evidences)
            if other != ev:
                pairs.append(_pair(other, claim, NEUTRAL, source))
    return pairs


# ---------------------------------------------------------------- shortcuts and balance

NEGATABLE = re.compile(AUXILIARY + r"\b")
NEGATED = re.compile(AUXILIARY + r" not\b")


def flip_negation(claim: str) -> str | None:
    """Add or remove one negation ("is" <-> "is not"); None when no simple edit applies."""
    if NEGATED.search(claim):
        return NEGATED.sub(r"\1", claim, count=1)
    if " not " in f" {claim} " or "n't" in claim or "never" in claim.split():
        return None
    match = NEGATABLE.search(claim)
    if match is None:
        return None
    return claim[: match.end()] + " not" + claim[match.end() :]


def negation_flips(pairs: list[Pair], rng: random.Random, share: float = 0.3, symmetric: bool = False, plain: bool = True) -> list[Pair]:
    """Minimal edits that flip a claim's label: an entailed claim negated is contradicted, and a claim
    contradicted because of its negation is entailed once the negation is removed. ``symmetric`` adds the other
    edits: a contradicted claim negated is entailed (what contradicts "X is Y" entails "X is not Y"), and a
    neutral pair stays neutral with or without the negation; ``plain=False`` leaves out the first kinds (the
    random draws stay the same)."""
    flip = {ENTAILMENT: CONTRADICTION, CONTRADICTION: ENTAILMENT, NEUTRAL: NEUTRAL}
    out = []
    for p in pairs:
        if (p["label"] == NEUTRAL and not symmetric) or rng.random() > share:
            continue
        flipped = flip_negation(p["claim"])
        if flipped is None:
            continue
        negated_now = bool(NEGATED.search(flipped))
        plain_kind = (p["label"] == ENTAILMENT and negated_now) or (p["label"] == CONTRADICTION and not negated_now)
        if (plain and plain_kind) or (symmetric and not plain_kind):
            out.append(_pair(p["evidence"], flipped, flip[p["label"]], p["source"] + "-flip"))
    return out


def balance(pairs: list[Pair], rng: random.Random, ratio: float) -> list[Pair]:
    """Per source family, no label keeps more than ``ratio`` times the rarest label's count."""
    by_family: dict[str, dict[str, list[Pair]]] = defaultdict(lambda: defaultdict(list))
    for p in pairs:
        family = p["source"].split("-train")[0].split("-validation")[0]
        by_family[family][p["label"]].append(p)
    out = []
    for labels in by_family.values():
        counts = [len(v) for v in labels.values()]
        cap = int(min(counts) * ratio) if len(labels) == 3 else max(counts)
        for rows in labels.values():
            rng.shuffle(rows)
            out += rows[:cap]
    return out


def training_pairs(data_dir: str | Path, config: RecipeConfig | None = None, embedder: Embedder | None = None) -> list[Pair]:
    """The verifier's training set: SciFact train, Climate-FEVER non-held-out claims, FEVER-Lite validation
    (its test split stays for evaluation) and COVID-Fact train, with the anti-shortcut recipes above."""
    config = config or RecipeConfig()
    data_dir = Path(data_dir)
    rng = random.Random(config.seed)
    pairs = (
        scifact_pairs(data_dir, "train", config, embedder)
        + climate_fever_pairs(data_dir, "train", config)
        + fever_lite_pairs(data_dir, "train", config, embedder)
        + covid_fact_pairs(data_dir, "train", config)
    )
    if config.negation_flips:
        pairs += negation_flips(pairs, rng, symmetric=config.symmetric_negation)
    pairs = balance(pairs, rng, config.balance_ratio)
    rng.shuffle(pairs)
    return pairs


def dev_sets(data_dir: str | Path, config: RecipeConfig | None = None, embedder: Embedder | None = None) -> dict[str, list[Pair]]:
    """Evaluation pairs the verifier never trains on, by name."""
    config = config or RecipeConfig()
    data_dir = Path(data_dir)
    return {
        "scifact-dev": scifact_pairs(data_dir, "dev", config, embedder),
        "climate-fever-heldout": climate_fever_pairs(data_dir, "heldout", config),
        "fever-lite-test": fever_lite_pairs(data_dir, "test", config, embedder),
        "covid-fact-dev": covid_fact_pairs(data_dir, "dev", config),
    }


def summarize(pairs: Iterable[Pair]) -> dict[str, dict[str, int]]:
    table: dict[str, Counter] = defaultdict(Counter)
    for p in pairs:
        table[p["source"]][p["label"]] += 1
    return {k: dict(v) for k, v in sorted(table.items())}


def write_jsonl(pairs: Iterable[Pair], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for p in pairs:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
