"""The page in a real browser: headless Chromium (Debian's package) driven by Playwright,
against a real uvicorn server with the scripted model.

Skipped when Chromium is missing, unless ``COACH_REQUIRE_BROWSER=1`` (``make test`` sets
it, and installs Chromium first), where a missing browser fails the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import CRITIQUE_REPLY, DRAFT_ZH, PERSONA_LINES, make_app, make_roleplay_app

from assistant.config import Settings

CHROMIUM = os.environ.get("COACH_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
DRAFT_EN = "Alice <b>shipped</b> the billing launch on time, but she is lazy in meetings."
REWRITE = ("Alice shipped the billing launch on time. In the weekly meetings, [describe what "
           "she did and its impact]. Next quarter, [agree one concrete step].")


def _browser_or_skip() -> None:
    missing = None
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        missing = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed"
    if missing and os.environ.get("COACH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (COACH_REQUIRE_BROWSER=1): {missing}")
    if missing:
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(settings: Settings, retriever: Any) -> Iterator[str]:
    app, _ = make_app(settings, retriever, [CRITIQUE_REPLY, REWRITE])
    yield from _serve(app)


@pytest.fixture
def roleplay_server(settings: Settings, retriever: Any) -> Iterator[str]:
    app, _ = make_roleplay_app(settings, retriever, [*PERSONA_LINES[:2], "You asked well."])
    yield from _serve(app)


def _serve(app: Any) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def test_page_coaches_a_draft_in_chromium(server: str) -> None:
    _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1366, "height": 768})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server + "/")
            expect(page.locator("h1")).to_have_text("Feedback Coach")

            # English, with the (scripted) model, streamed. A pause after pasting sends the
            # draft to be primed (declined here: the scripted model keeps no cache).
            with page.expect_response("**/v1/critique/prime") as primed:
                page.fill("#draft", DRAFT_EN)
            assert primed.value.status == 202
            assert primed.value.request.post_data_json == {"text": DRAFT_EN}
            page.click("#submit")
            expect(page.locator("#status")).to_have_text("Done.", timeout=20_000)
            badges = page.locator("#badges .badge")
            expect(badges).to_have_count(5)
            expect(page.locator('[data-verdict="behavior_focused"]')).to_have_class("badge bad")
            expect(page.locator('[data-verdict="specific"] span').nth(1)).to_have_text("specific")
            mark = page.locator("#marked mark.finding", has_text="lazy").first
            expect(mark).to_be_visible()
            # Its explanation shows on keyboard focus (and hover), linked for screen readers.
            tip_id = mark.get_attribute("aria-describedby")
            assert tip_id
            mark.focus()
            expect(page.locator(f"#{tip_id}")).to_be_visible()
            expect(page.locator(f"#{tip_id}")).to_contain_text("personality label")
            # User text is shown as text, never parsed as HTML.
            assert page.locator("#marked b").count() == 0
            expect(page.locator("#marked")).to_contain_text("<b>shipped</b>")
            expect(page.locator("#critique")).to_contain_text("Name one concrete moment")
            expect(page.locator("#guidance li").first).to_contain_text("guidance/")
            assert page.locator("#actions li").count() >= 1
            expect(page.locator("#rewrite .placeholder").first).to_contain_text("[describe")
            assert page.locator("#rewrite ins").count() >= 1
            expect(page.locator("#copy")).to_be_enabled()

            # Chinese, without the model: the labels switch to Chinese.
            page.fill("#draft", DRAFT_ZH)
            page.check("#no-llm")
            page.keyboard.press("Tab")
            page.click("#submit")
            expect(page.locator("#status")).to_have_text("完成。", timeout=20_000)
            expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
            expect(page.locator('[data-verdict="specific"] span').nth(1)).to_have_text("具体")
            expect(page.locator("#marked mark.finding").first).to_be_visible()
            assert "态度不好" in page.locator("#marked").inner_text()
            assert page.locator("#marked mark.finding").count() >= 1
            assert errors == []
        finally:
            browser.close()


def test_roleplay_chat_in_chromium(roleplay_server: str) -> None:
    _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1366, "height": 768})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(roleplay_server + "/")
            page.click('a[href="/roleplay"]')
            expect(page.locator("h1")).to_have_text("Practise the review conversation")

            page.select_option("#scenario", "disputes_rating")
            page.fill("#draft", "Jordan is <b>lazy</b>. He always misses deadlines.")
            page.select_option("#rating", "2")
            page.click("#start")
            expect(page.locator("#chat")).to_be_visible()
            expect(page.locator("#log .turn")).to_have_count(1)  # the opening line
            expect(page.locator("#message")).to_be_focused()

            # Keyboard only: type and press Enter; the reply streams in beside the hint.
            page.keyboard.type("How do you see this year overall?")
            page.keyboard.press("Enter")
            expect(page.locator("#status")).to_have_text("Your turn.", timeout=20_000)
            turn = page.locator("#log .turn").nth(1)
            expect(turn.locator(".line.manager .text")).to_have_text(
                "How do you see this year overall?")
            expect(turn.locator(".line.persona .text")).to_have_text(PERSONA_LINES[0])
            expect(turn.locator(".notes .hint-line")).to_contain_text("open question")
            expect(turn.locator('.tag[data-tag="open_question"]')).to_be_visible()
            assert turn.locator(".notes meter").count() == 2

            # A reload resumes the conversation from the saved transcript.
            page.reload()
            expect(page.locator("#log .turn")).to_have_count(2)
            expect(page.locator("#log .turn").nth(1).locator(".line.persona .text")).to_have_text(
                PERSONA_LINES[0])
            page.fill("#message", "For example, on March 3 the report was two days late.")
            page.click("#send")
            expect(page.locator("#log .turn")).to_have_count(3)
            expect(page.locator("#log .turn").nth(2).locator(".line.persona .text")).to_have_text(
                PERSONA_LINES[1], timeout=20_000)

            page.click("#debrief")
            view = page.locator("#debrief-view")
            expect(view).to_be_visible(timeout=20_000)
            expect(view.locator("#rubric tbody tr")).to_have_count(6)
            expect(view.locator("#do-differently li")).to_have_count(3)
            expect(view.locator("#summary")).to_have_text("You asked well.")
            expect(view.locator("#revised")).to_contain_text("March 3")
            assert "lazy" not in view.locator("#revised").inner_text()
            assert view.locator("#plan li").count() >= 1
            # Nothing user-supplied was parsed as HTML.
            assert page.locator("b").count() == 0

            # Chinese labels follow the switch; ending deletes the session.
            page.click('.lang-switch button[data-lang="zh"]')
            expect(page.locator("#debrief")).to_have_text("复盘")
            page.click("#end")
            expect(page.locator("#setup")).to_be_visible()
            assert page.evaluate("sessionStorage.getItem('coach-roleplay-session')") is None
            assert errors == []
        finally:
            browser.close()
