"""A small stand-in for an OpenAI-compatible chat server (what Ollama, vLLM or llama.cpp serve), for the tests of
``--extractor openai``: a real HTTP server on loopback that answers ``POST /v1/chat/completions`` the way a chat
model asked for claims would, by simple rules instead of a model, and keeps every request it got.

Its "models" (the ``model`` field of a request):

- ``standin``: for each numbered sentence with a digit in it, a claim; "The company" or "It" opening a sentence
  is replaced by the name the first sentence opens on; a sentence "A and it B" whose halves both hold a digit gives
  two claims. Answers a JSON object (``response_format`` honoured).
- ``fenced``: the same claims wrapped in a Markdown code fence with words around them (small local models do this).
- ``strict``: refuses ``response_format`` with HTTP 400 (as some servers do), then answers as ``standin``.
- ``prose``: answers a sentence, not JSON.
- any other name: HTTP 404 "model not found", as Ollama answers.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_NUMBERED = re.compile(r"^\[(\d+)\] (.*)$", re.M)


def _claims(prompt: str) -> list[dict]:
    sentences = [(int(n), s) for n, s in _NUMBERED.findall(prompt)]
    opener = re.match(r"((?:[A-Z][\w-]+ ?){1,3})", sentences[0][1]) if sentences else None
    name = opener.group(1).strip() if opener else ""
    out = []
    for number, sentence in sentences:
        if not re.search(r"\d", sentence):
            continue
        resolved = re.sub(r"^(?:The company|It)\b", name, sentence)
        halves = [h.strip() for h in re.split(r"\band\b", resolved.rstrip("."), maxsplit=1)]
        if len(halves) == 2 and all(re.search(r"\d", h) for h in halves):
            parts = [halves[0] + ".", name + " " + re.sub(r"^(?:it|they)\s+", "", halves[1]) + "."]
        else:
            parts = [resolved]
        out += [{"sentence": number, "claim": part, "why": "states a figure"} for part in parts]
    return out


class _Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        if self.path != "/v1/chat/completions":
            return self._send(404, {"error": {"message": f"no route {self.path}"}})
        model = body.get("model")
        if model == "strict" and "response_format" in body:
            return self._send(400, {"error": {"message": "response_format is not supported"}})
        if model not in ("standin", "fenced", "strict", "prose"):
            return self._send(404, {"error": {"message": f"model '{model}' not found, try pulling it first"}})
        prompt = body["messages"][-1]["content"]
        answer = json.dumps({"claims": _claims(prompt)}, ensure_ascii=False)
        if model == "fenced":
            answer = f"Here are the claims:\n```json\n{answer}\n```"
        elif model == "prose":
            answer = "The text makes several claims about the port."
        self._send(200, {
            "id": "chatcmpl-standin", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        })


class StandIn(ThreadingHTTPServer):
    requests: list[dict]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


@contextmanager
def standin_server() -> Iterator[StandIn]:
    """The stand-in listening on a free loopback port, in a thread, for the length of the block."""
    server = StandIn(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
