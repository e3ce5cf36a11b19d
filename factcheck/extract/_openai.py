"""Claim extraction by a language model that the user runs, through an OpenAI-compatible chat endpoint (Ollama,
vLLM, llama.cpp's server, or a hosted API): ``--extractor openai --base-url http://localhost:11434/v1 --model NAME``.

Never used unless named. The text is split into sentences by the same splitter as the rule-based extractor and the
model is shown them numbered, in chunks, with the sentences before each chunk as context; it answers which
sentences are check-worthy and the self-contained claims each states (pronouns and "the company" resolved, several
facts split). The numbers tie every claim to its sentence's span in the text; a claim whose number is not one of the
chunk's is dropped, and an answer that is not the JSON asked for is a one-line error.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from ..errors import FactcheckError
from ..ingest import fold_whitespace, sentence_spans
from ._base import ExtractedClaim, Extraction, SkippedSentence
from ._rules import text_language

#: sentences shown to the model in one request, and sentences before them given as context.
CHUNK_SENTENCES = 30
CONTEXT_SENTENCES = 3
#: a claim longer than this is not a claim.
MAX_CLAIM_CHARS = 1000
#: environment variables read for the API key (local servers ignore it; hosted APIs need one).
API_KEY_VARIABLES = ("FACTCHECK_EXTRACTOR_API_KEY", "OPENAI_API_KEY")

INSTRUCTIONS = """You extract check-worthy factual claims from a text for a fact-checker.
You are given the text's sentences, numbered. For each sentence that states a fact that evidence could support or
contradict (an event, a figure, a date, what a named person or organisation did or said), write the claim or claims
it states, each one self-contained: replace pronouns and phrases such as "the company" by the name they refer to,
taken from the text; split a sentence that states several independent facts into one claim per fact; write each
claim in the sentence's own language; add nothing the text does not say.
Leave out questions, opinions, advice, headings, boilerplate and vague statements.
Answer with JSON only, in this form:
{"claims": [{"sentence": 1, "claim": "...", "why": "a few words on what fact it states"}]}"""

NOT_WORTHY = "not check-worthy (the extractor model)"


class OpenAIExtractor:
    """Claims extracted by a chat model behind an OpenAI-compatible endpoint."""

    name = "openai"

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 120.0) -> None:
        self.base_url = base_url
        self.model = model
        self.timeout = timeout
        self.api_key = api_key or next((os.environ[v] for v in API_KEY_VARIABLES if os.environ.get(v)), "not-needed")
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import openai
            except ImportError:
                raise FactcheckError("--extractor openai needs the openai package: pip install 'factcheck[llm]'") from None
            self._client = openai.OpenAI(base_url=self.base_url, api_key=self.api_key, timeout=self.timeout, max_retries=1)
        return self._client

    def extract(self, text: str, lang: str | None = None) -> Extraction:
        lang = text_language(text, lang)
        spans = list(sentence_spans(text, lang))
        sentences = [fold_whitespace(text[s:e]) for s, e in spans]
        out = Extraction(lang=lang)
        for first in range(0, len(sentences), CHUNK_SENTENCES):
            chunk = range(first, min(first + CHUNK_SENTENCES, len(sentences)))
            context = sentences[max(0, first - CONTEXT_SENTENCES) : first]
            found = self._ask(sentences, chunk, context)
            for i in chunk:
                start, end = spans[i]
                claims = found.get(i, [])
                if not claims:
                    out.skipped.append(SkippedSentence(sentences[i], start, end, NOT_WORTHY))
                for claim, why in claims:
                    out.claims.append(ExtractedClaim(claim, sentences[i], start, end, (why,) if why else ("chosen by the extractor model",)))
        return out

    def _ask(self, sentences: list[str], chunk: range, context: list[str]) -> dict[int, list[tuple[str, str]]]:
        """The claims the model finds in the sentences of ``chunk``, by sentence position in the text."""
        numbered = "\n".join(f"[{i - chunk.start + 1}] {sentences[i]}" for i in chunk)
        prompt = (f"Context (sentences just before; extract nothing from them):\n{' '.join(context)}\n\n" if context else "") + f"Sentences:\n{numbered}"
        messages = [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": prompt}]
        answer = self._complete(messages)
        try:
            items = _claims_of(answer)
        except ValueError as exc:
            raise FactcheckError(
                f"the extractor model {self.model} at {self.base_url} did not answer the JSON asked for ({exc}): try another model, or --extractor rules"
            ) from None
        found: dict[int, list[tuple[str, str]]] = {}
        for item in items:
            number, claim, why = item.get("sentence"), item.get("claim"), item.get("why", "")
            if isinstance(number, str) and number.strip().isdigit():
                number = int(number)
            if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= len(chunk) or not isinstance(claim, str):
                continue
            claim = fold_whitespace(claim)
            if not claim or len(claim) > MAX_CLAIM_CHARS:
                continue
            pairs = found.setdefault(chunk.start + number - 1, [])
            if claim not in [c for c, _ in pairs]:
                pairs.append((claim, fold_whitespace(why)[:200] if isinstance(why, str) else ""))
        return found

    def _complete(self, messages: list[dict]) -> str:
        client = self.client  # first: a missing openai package is a one-line error
        import openai

        try:
            try:
                response = client.chat.completions.create(
                    model=self.model, messages=messages, temperature=0, response_format={"type": "json_object"}
                )
            except openai.BadRequestError:  # a server that does not know response_format: ask again without it
                response = client.chat.completions.create(model=self.model, messages=messages, temperature=0)
        except openai.APITimeoutError:
            raise FactcheckError(f"the extractor at {self.base_url} did not answer within {self.timeout:g} s: is the model loaded? (or --extractor rules)") from None
        except openai.APIConnectionError:
            raise FactcheckError(f"cannot reach the extractor at {self.base_url}: start its server (Ollama, vLLM, llama.cpp) or fix --base-url") from None
        except openai.APIStatusError as exc:
            raise FactcheckError(
                f"the extractor at {self.base_url} refused the request (HTTP {exc.status_code}: {_server_message(exc)}): check --model and --base-url"
            ) from None
        choices = getattr(response, "choices", None) or []
        content = choices[0].message.content if choices and choices[0].message else None
        if not isinstance(content, str):
            raise FactcheckError(f"the extractor at {self.base_url} answered no message: check that it serves chat completions for {self.model}")
        return content


def _server_message(exc: Any) -> str:
    """What the server said in an error answer ({"error": {"message": ...}} or {"message": ...}), else the status."""
    body: Any = exc.body
    if isinstance(body, dict):
        inner: dict = body["error"] if isinstance(body.get("error"), dict) else body
        if isinstance(inner.get("message"), str):
            return _first_line(inner["message"])
    return _first_line(re.sub(r"^Error code: \d+ - ", "", str(exc.message)))


def _first_line(text: str) -> str:
    return (str(text).strip().splitlines() or [""])[0][:200]


def _claims_of(answer: str) -> list[dict]:
    """The list of claim objects in a model's answer: a JSON object with "claims" (or a bare list), tolerating a
    Markdown code fence or words around it."""
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", answer.strip())
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError(f"no JSON in {_first_line(answer)!r}")
    end = max(text.rfind("}"), text.rfind("]")) + 1
    try:
        parsed = json.loads(text[start:end])
    except ValueError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    items = parsed.get("claims") if isinstance(parsed, dict) else parsed
    if not isinstance(items, list):
        raise ValueError('no "claims" list')
    return [item for item in items if isinstance(item, dict)]
