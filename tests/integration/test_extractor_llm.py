"""``--extractor openai``: claims found by a chat model behind an OpenAI-compatible endpoint, here a stand-in server
on loopback (tests/llm_standin.py) that answers as such a model would; its claims are tied to their sentences'
spans, checked like any other, and every way the server can fail is a one-line error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import one_line_error, run_cli, write
from llm_standin import standin_server

from factcheck.errors import FactcheckError
from factcheck.extract import extract_claims, make_extractor

TEXT = (
    "OpenAI was founded in 2015 as a non-profit. The company received an offer of 97.4 billion dollars from Elon "
    "Musk's consortium. Who will win? It signed a deal with 3 partners and it raised 6 billion dollars."
)


def test_the_model_s_claims_are_kept_with_their_sentences_spans() -> None:
    with standin_server() as server:
        extraction = extract_claims(TEXT, extractor=make_extractor("openai", base_url=server.base_url, model="standin"))
    assert [c.claim for c in extraction.claims] == [
        "OpenAI was founded in 2015 as a non-profit.",
        "OpenAI received an offer of 97.4 billion dollars from Elon Musk's consortium.",
        "OpenAI signed a deal with 3 partners.",
        "OpenAI raised 6 billion dollars.",
    ]
    third, fourth = extraction.claims[2:]
    assert (third.start, third.end) == (fourth.start, fourth.end) and TEXT[third.start : third.end] == third.sentence
    assert third.sentence.startswith("It signed") and third.reasons == ("states a figure",)
    assert [(s.sentence, s.reason) for s in extraction.skipped] == [("Who will win?", "not check-worthy (the extractor model)")]
    (request,) = server.requests
    body = request["body"]
    assert request["path"] == "/v1/chat/completions" and body["model"] == "standin" and body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"} and body["messages"][0]["role"] == "system"
    assert "[3] Who will win?" in body["messages"][1]["content"]


@pytest.mark.parametrize("model", ["fenced", "strict"])
def test_a_fenced_answer_and_a_server_without_json_mode_are_read(model: str) -> None:
    with standin_server() as server:
        extraction = make_extractor("openai", base_url=server.base_url, model=model).extract(TEXT)
    assert len(extraction.claims) == 4 and extraction.claims[1].claim.startswith("OpenAI received")
    assert ("response_format" in server.requests[-1]["body"]) == (model == "fenced")


def test_a_long_text_is_sent_in_chunks_with_the_sentences_before_as_context() -> None:
    text = " ".join(f"Harbour {i} handled {i * 10} ships in 2024." for i in range(1, 71))
    with standin_server() as server:
        extraction = make_extractor("openai", base_url=server.base_url, model="standin").extract(text)
    assert len(server.requests) == 3 and len(extraction.claims) == 70
    second = server.requests[1]["body"]["messages"][1]["content"]
    assert second.startswith("Context") and "Harbour 30 handled 300 ships" in second.split("Sentences:")[0]
    assert extraction.claims[69].claim == "Harbour 70 handled 700 ships in 2024."
    assert all(text[c.start : c.end] == c.sentence for c in extraction.claims)


def test_the_console_script_checks_the_model_s_claims(tmp_path: Path, demo_index: Path) -> None:
    doc = write(tmp_path / "openai.md", TEXT)
    with standin_server() as server:
        env = os.environ | {"FACTCHECK_EXTRACTOR_API_KEY": "sk-local-test"}
        out = run_cli("check", "--doc", str(doc), "--index", str(demo_index), "--json", "--extractor", "openai", "--base-url", server.base_url, "--model", "standin", env=env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [c["claim"] for c in report["claims"]][1] == "OpenAI received an offer of 97.4 billion dollars from Elon Musk's consortium."
    assert report["summary"]["not_checked"] == 1 and all(c["label"] and c["evidence"] for c in report["claims"])
    assert server.requests[0]["headers"].get("authorization") == "Bearer sk-local-test"


def test_every_failure_of_the_server_is_one_line(tmp_path: Path, demo_index: Path) -> None:
    doc = write(tmp_path / "openai.md", TEXT)
    with standin_server() as server:
        base = ["check", "--doc", str(doc), "--index", str(demo_index), "--extractor", "openai", "--base-url", server.base_url]
        one_line_error(run_cli(*base, "--model", "prose"), "did not answer the JSON asked for")
        one_line_error(run_cli(*base, "--model", "llama9"), "refused the request (HTTP 404: model 'llama9' not found")
        one_line_error(run_cli(*base), "needs --base-url")
        port = server.server_address[1]
    one_line_error(run_cli(*base, "--model", "standin"), f"cannot reach the extractor at http://127.0.0.1:{port}/v1")
    one_line_error(run_cli("check", "--doc", str(doc), "--extractor", "openai", "--base-url", "localhost:11434", "--model", "m"), "give an http:// or https:// address")
    usage = run_cli("check", "some claim", "--extractor", "openai")
    assert usage.returncode == 2 and "choose how claims are found in a --doc" in usage.stderr


def test_the_rules_extractor_takes_no_endpoint() -> None:
    with pytest.raises(FactcheckError, match="are for --extractor openai"):
        make_extractor("rules", model="m")
    with pytest.raises(FactcheckError, match="unknown extractor 'gpt'"):
        make_extractor("gpt")
