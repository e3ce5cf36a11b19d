"""factcheck serve: the API through a real uvicorn server (the installed console script in a subprocess, on a free
loopback port, real models, a real index), and the page in a real headless Chromium driven by Selenium."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from helpers import factcheck_script, one_line_error, run_cli, write

STARGATE = "Stargate funds will not be available"
TOKEN = "s3cret-test-token"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"  # git-ignored: the page's screenshot, for a person to look at


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, body: bytes | str | dict | list | None = None, *, token: str | None = TOKEN,
                headers: dict[str, str] | None = None, timeout: float = 300) -> tuple[int, Any, dict[str, str]]:
        """(status, the JSON answer or the text of any other, headers)."""
        hdrs = dict(headers or {})
        if token is not None:
            hdrs.setdefault("Authorization", f"Bearer {token}")
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body.encode("utf-8") if isinstance(body, str) else body, headers=hdrs)
            response = conn.getresponse()
            raw = response.read().decode("utf-8")
            kind = response.getheader("content-type") or ""
            headers: dict[str, str] = {}
            for k, v in response.getheaders():  # repeated headers (WWW-Authenticate) joined, as HTTP allows
                headers[k.lower()] = f"{headers[k.lower()]}, {v}" if k.lower() in headers else v
            return response.status, json.loads(raw) if kind.startswith("application/json") else raw, headers
        finally:
            conn.close()


@pytest.fixture(scope="module")
def server(demo_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([factcheck_script(), "serve", "--index", str(demo_index), "--port", str(port), "--token", TOKEN], stdout=out, stderr=subprocess.STDOUT)
    served = Server(port)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, f"factcheck serve exited {proc.returncode}: {log.read_text()}"
            assert time.monotonic() < deadline, f"factcheck serve did not answer in 300 s: {log.read_text()}"
            try:
                if served.request("GET", "/healthz", token=None, timeout=5)[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()


# ---------------------------------------------------------------- the API


def test_check_answers_the_verdict_json_of_check_json(server: Server, demo_index: Path) -> None:
    status, verdict, _ = server.request("POST", "/check", {"claim": STARGATE})
    assert status == 200, verdict
    cli = run_cli("check", STARGATE, "--index", str(demo_index), "--json")
    assert cli.returncode == 0, cli.stderr
    assert verdict == json.loads(cli.stdout)
    assert verdict["label"] == "disputed"


def test_check_a_list_of_claims_in_order(server: Server) -> None:
    claims = [STARGATE, "Elon Musk founded xAI", "The Millbrook tram line opened in 1890"]
    status, answer, _ = server.request("POST", "/check", {"claims": claims})
    assert status == 200, answer
    assert [v["claim"] for v in answer["verdicts"]] == claims
    for claim, verdict in zip(claims, answer["verdicts"]):
        one = server.request("POST", "/check", {"claim": claim})[1]
        assert (verdict["label"], [e["text"] for e in verdict["evidence"]]) == (one["label"], [e["text"] for e in one["evidence"]])
        assert verdict["confidence"] == pytest.approx(one["confidence"], abs=1e-3)


def test_check_document_answers_the_json_of_check_doc(server: Server, demo_index: Path, tmp_path: Path) -> None:
    text = "Elon Musk said the Stargate investors do not have the money. Is that true? Sam Altman said the Stargate funding is real.\n"
    status, report, _ = server.request("POST", "/check-document", {"text": text})
    assert status == 200, report
    cli = run_cli("check", "--doc", str(write(tmp_path / "a.txt", text)), "--index", str(demo_index), "--json")
    assert cli.returncode == 0, cli.stderr
    assert report == json.loads(cli.stdout)
    assert report["summary"]["not_checked"] == 1 and len(report["claims"]) == 2
    assert [text[c["start"] : c["end"]] for c in report["claims"]] == [c["sentence"] for c in report["claims"]]


def test_info_is_what_factcheck_info_says(server: Server, demo_index: Path) -> None:
    status, info, _ = server.request("GET", "/info")
    assert status == 200, info
    cli = run_cli("info", "--index", str(demo_index), "--json")
    assert cli.returncode == 0, cli.stderr
    limits = info.pop("limits")
    assert info == json.loads(cli.stdout)
    assert limits["max_claims"] >= 1 and limits["max_body_bytes"] >= 1000


@pytest.mark.parametrize(
    ("body", "content_type", "status", "needle"),
    [
        ("{not json", "application/json", 400, "not valid JSON"),
        ("", "application/json", 400, "no JSON body"),
        ('["a claim"]', "application/json", 422, "must be a JSON object"),
        ('{"claim": 42}', "application/json", 422, "claim"),
        ('{"claims": ["ok", 7]}', "application/json", 422, "claims.1"),
        ('{"claim": "a", "claims": ["b"]}', "application/json", 422, "not both"),
        ("{}", "application/json", 422, "not neither"),
        ('{"claim": "   "}', "application/json", 422, "empty"),
        ('{"claims": []}', "application/json", 422, "no claim"),
        ('{"text": "Elon Musk founded xAI."}', "application/json", 422, "unknown field 'text'"),
        (json.dumps({"claim": "x" * 2001}), "application/json", 422, "over the limit of 2000"),
        (json.dumps({"claims": ["Elon Musk founded xAI"] * 257}), "application/json", 422, "over the limit of 256"),
        ('{"claim": "a"}', "text/plain", 422, "must be a JSON object"),
        ('{"claims": "one claim"}', "application/json", 422, "claims: Input should be a valid list"),
        (b'{"claim": "caf\xe9"}', "application/json", 400, "could not be read as JSON (not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400, "nested too deep"),
    ],
)
def test_bad_requests_answer_4xx_with_one_line(server: Server, body: str | bytes, content_type: str, status: int, needle: str) -> None:
    got, answer, _ = server.request("POST", "/check", body, headers={"Content-Type": content_type})
    assert got == status, answer
    assert set(answer) == {"detail"} and isinstance(answer["detail"], str), answer
    assert "\n" not in answer["detail"] and "Traceback" not in answer["detail"] and needle in answer["detail"], answer


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [('{"text": "   "}', 422, "empty text"), (json.dumps({"text": "Musk spoke. " * 10_000}), 422, "over the limit of 100000"), ('{"claim": "x"}', 422, "the field 'text' is missing")],
)
def test_bad_documents_answer_4xx_with_one_line(server: Server, body: str, status: int, needle: str) -> None:
    got, answer, _ = server.request("POST", "/check-document", body, headers={"Content-Type": "application/json"})
    assert got == status and needle in answer["detail"] and "\n" not in answer["detail"], answer


def test_a_body_over_the_limit_answers_413_even_sent_in_chunks(server: Server) -> None:
    big = json.dumps({"claims": ["Elon Musk founded xAI " * 50] * 1000})  # 1.1 MB: over the 1 MB body limit
    status, answer, _ = server.request("POST", "/check", big)
    assert status == 413 and "over 1000000 bytes" in answer["detail"], answer
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    chunks = (big[i : i + 65536].encode() for i in range(0, len(big), 65536))  # no Content-Length: chunked
    conn.request("POST", "/check", body=chunks, headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}, encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 413 and "over 1000000 bytes" in json.loads(response.read())["detail"]
    conn.close()


def test_every_route_but_healthz_needs_the_token(server: Server) -> None:
    for method, path, body in [("POST", "/check", {"claim": STARGATE}), ("POST", "/check-document", {"text": STARGATE}), ("GET", "/info", None),
                               ("GET", "/", None), ("GET", "/docs", None), ("GET", "/openapi.json", None), ("GET", "/static/page.js", None)]:
        for token in (None, "wrong-token"):
            status, answer, headers = server.request(method, path, body, token=token)
            assert status == 401, (method, path, token, answer)
            assert "token" in answer["detail"] and "bearer" in headers["www-authenticate"].lower()
    assert server.request("GET", "/healthz", token=None)[0] == 200
    assert server.request("GET", "/openapi.json")[0] == 200
    # a browser's own prompt (HTTP basic, the token as the password): the page works without JavaScript
    basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
    assert server.request("GET", "/", headers={"Authorization": f"Basic {basic}"}, token=None)[0] == 200


def test_a_server_on_loopback_answers_only_its_loopback_names(server: Server) -> None:
    """A page elsewhere cannot reach it through a DNS name rebound to 127.0.0.1 (the Host header names that page's site)."""
    status, answer, _ = server.request("POST", "/check", {"claim": STARGATE}, headers={"Host": f"attacker.example:{server.port}"})
    assert status == 400 and "host" in str(answer).lower()
    for name in ("localhost", "127.0.0.1"):
        assert server.request("GET", "/healthz", headers={"Host": f"{name}:{server.port}"})[0] == 200


def test_claims_arriving_together_are_checked_in_one_batch(server: Server) -> None:
    claims = [f"Stargate was announced as a {n} billion dollar programme" for n in range(100, 116)]
    before = server.request("GET", "/healthz", token=None)[1]
    answers: dict[int, tuple[int, Any]] = {}

    def ask(i: int) -> None:
        status, verdict, _ = server.request("POST", "/check", {"claim": claims[i]})
        answers[i] = (status, verdict)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(claims))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(answers[i][0] == 200 and answers[i][1]["claim"] == claims[i] for i in range(len(claims))), answers
    after = server.request("GET", "/healthz", token=None)[1]
    assert after["requests"] - before["requests"] == len(claims)
    # sixteen requests at once: the first batch starts alone, the others queue behind it and go in fewer batches
    assert after["batches"] - before["batches"] < len(claims) // 2, (before, after)
    assert after["largest_batch"] > 1


def test_healthz_answers_while_a_long_request_is_checked(server: Server, demo_corpus: Path) -> None:
    text = "\n\n".join(p.read_text(encoding="utf-8").split("---", 2)[-1] for p in sorted(demo_corpus.glob("en-*.md")))
    done = threading.Event()
    result: list[int] = []

    def long_request() -> None:
        result.append(server.request("POST", "/check-document", {"text": text})[0])
        done.set()

    threading.Thread(target=long_request).start()
    deadline = time.monotonic() + 60
    while server.request("GET", "/healthz", token=None)[1]["checking"] == 0:  # until the worker has it
        assert not done.is_set() and time.monotonic() < deadline, "the long request never showed as being checked"
        time.sleep(0.05)
    started = time.perf_counter()
    status, health, _ = server.request("GET", "/healthz", token=None)
    elapsed = time.perf_counter() - started
    assert status == 200 and health["checking"] == 1 and not done.is_set()
    assert elapsed < 1.0, f"/healthz took {elapsed:.2f}s behind a long request"
    assert done.wait(300) and result == [200]


def test_the_page_and_its_files_come_from_the_package(server: Server) -> None:
    status, page, _ = server.request("GET", "/")
    assert status == 200 and '<form id="check-form" method="post"' in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from the internet
    for path in ("/static/page.css", "/static/page.js"):
        status, body, headers = server.request("GET", path)
        assert status == 200 and body and "http://" not in body and "https://" not in body


def test_the_form_posted_without_javascript_answers_the_page_with_the_verdict(server: Server) -> None:
    status, page, _ = server.request("POST", "/", "mode=claim&claim=" + STARGATE.replace(" ", "+"), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and '<section id="result"' in page and "DISPUTED" in page and "Sam Altman rejected" in page
    status, page, _ = server.request("POST", "/", "mode=claim&claim=", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 422 and 'class="error"' in page and "empty" in page
    # a text: marked as check --doc --html marks it, each checked sentence in place
    form = "mode=text&text=" + quote_plus("Sam Altman said the Stargate funding is real. Is it?")
    status, page, _ = server.request("POST", "/", form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and '<mark class="supported" id="s1"' in page and "1 claim:" in page and "1 sentence not checked" in page


# ---------------------------------------------------------------- the command line


def test_a_host_off_loopback_needs_a_token() -> None:
    proc = run_cli("serve", "--host", "0.0.0.0", "--port", str(_free_port()), timeout=60)
    one_line_error(proc, "--token")


def test_a_port_in_use_is_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        proc = run_cli("serve", "--port", str(taken.getsockname()[1]), timeout=60)
    one_line_error(proc, "choose another --port")


def test_checking_needs_no_fastapi_and_serve_says_which_extra_to_install() -> None:
    code = (
        "import sys; sys.modules['fastapi'] = None; sys.modules['uvicorn'] = None\n"
        "import factcheck, factcheck.cli\n"
        "assert 'factcheck.serve' not in sys.modules\n"
        "factcheck.cli.main(['serve'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    one_line_error(proc, "pip install 'factcheck[serve]'")


# ---------------------------------------------------------------- the page in a real browser


def _browser(javascript: bool = True):  # type: ignore[no-untyped-def]
    """Headless Chromium (Debian's chromium and chromium-driver) sending the token with every request; skipped
    when they are missing, unless FACTCHECK_REQUIRE_TOOLS=1 (CI), where that fails."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    if webdriver is None or not chromium or not driver:
        why = "the browser test needs chromium, chromium-driver (apt-get install -y chromium chromium-driver) and selenium"
        if os.environ.get("FACTCHECK_REQUIRE_TOOLS") == "1":
            pytest.fail(why + " (FACTCHECK_REQUIRE_TOOLS=1)")
        pytest.skip(why)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1600", "--disable-gpu"):
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Bearer {TOKEN}"}})
    return browser


def _decisive_passages(browser) -> list[str]:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#result ol.evidence.decisive li")]


def _the_two_sides(shown: list[str], server: Server) -> None:
    """The page lists the passages that decided the demo claim, as the API gives them: first the two that make it
    disputed, Musk's (entailment) and Altman's answer (contradiction), each with its title, source and date."""
    verdict = server.request("POST", "/check", {"claim": STARGATE})[1]
    decisive = [e for e in verdict["evidence"] if e["decisive"]]
    assert len(shown) == len(decisive), shown
    for text, e in zip(shown, decisive):
        assert text.startswith(f"{e['stance']} {e['score']:.2f}") and e["text"] in text and all(e[k] in text for k in ("title", "source", "date")), (text, e)
    assert shown[0].startswith("entailment") and "investors behind Stargate do not have the funds" in shown[0], shown
    assert shown[1].startswith("contradiction") and "Altman" in shown[1] and "funds for Stargate are available" in shown[1], shown


def test_the_page_answers_the_demo_claim_in_a_browser(server: Server) -> None:
    browser = _browser()
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        browser.get(f"http://127.0.0.1:{server.port}/")
        assert browser.switch_to.active_element.get_attribute("id") == "claim"  # the claim field has the focus
        browser.switch_to.active_element.send_keys(STARGATE, Keys.ENTER)  # the keyboard alone
        verdict = WebDriverWait(browser, 120).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#result .verdict")))
        assert verdict.text.startswith("DISPUTED")
        assert browser.current_url.rstrip("/").endswith(str(server.port)) and browser.execute_script("return document.documentElement.classList.contains('js')")
        decisive = _decisive_passages(browser)
        _the_two_sides(decisive, server)
        ARTIFACTS.mkdir(exist_ok=True)
        assert browser.save_screenshot(str(ARTIFACTS / "serve-page.png"))
        # a text: its sentences marked in place
        browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=text]").click()
        assert not browser.find_element(By.ID, "claim").is_displayed()
        area = browser.switch_to.active_element
        assert area.get_attribute("id") == "text"
        area.send_keys("Sam Altman said the Stargate funding is real. Is it?", Keys.CONTROL, Keys.ENTER)
        WebDriverWait(browser, 120).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#result mark")))
        assert "1 claim:" in browser.find_element(By.CSS_SELECTOR, "#result .summary").text
        assert browser.save_screenshot(str(ARTIFACTS / "serve-page-text.png"))
    finally:
        browser.quit()


def test_the_page_answers_with_javascript_off(server: Server) -> None:
    browser = _browser(javascript=False)
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        browser.get(f"http://127.0.0.1:{server.port}/")
        browser.find_element(By.ID, "claim").send_keys(STARGATE, Keys.ENTER)  # an ordinary form post
        verdict = WebDriverWait(browser, 120).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#result .verdict")))
        assert verdict.text.startswith("DISPUTED")
        assert not browser.execute_script("return document.documentElement.classList.contains('js')")  # page.js did not run
        _the_two_sides(_decisive_passages(browser), server)
        assert browser.find_element(By.ID, "claim").get_attribute("value") == STARGATE
    finally:
        browser.quit()
