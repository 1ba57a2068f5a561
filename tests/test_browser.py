"""The demo loop in a real headless Chromium (Debian's, driven by Playwright): a customer chats with the FAQ
bot and asks for a person, the handoff appears live in the agent's console, the agent claims it, reads the
briefing and the "why", answers, resolves, and the customer rates the conversation. Screenshots are saved in
tests/artifacts/."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from warmline.config import default_text

from service_support import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path):
    """A real `serve --demo` on its own SQLite file, with the support team staffed around the clock: the loop
    must not depend on the hour the tests run at (out of hours the customer is told when the team is back)."""
    policy = tmp_path / "policy.yaml"
    support = "  support:\n    team: support team\n"
    assert support in default_text()
    policy.write_text(default_text().replace(support, support + "    calendar: always\n"))
    running = Server(f"sqlite:///{tmp_path}/demo.db", extra_env={"WARMLINE_POLICY": str(policy)})
    yield running
    running.stop()


def sign_in(page, key):
    """The console's sign-in form, as an agent types it."""
    page.get_by_label("Your agent key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_whole_demo_loop(browser, server):
    customer = browser.new_page()
    customer.goto(server.url + "/demo")
    customer.get_by_label("Message").fill("how do I reset my password")
    customer.get_by_role("button", name="Send").click()
    customer.get_by_text("Forgot password?").wait_for()

    agent = browser.new_page()
    agent.goto(server.url + "/console")
    sign_in(agent, "demo-agent-key")
    agent.get_by_text("Nothing waiting").wait_for()
    shot(agent, "1-empty-queue")

    customer.get_by_label("Message").fill("This is useless, I want to talk to a real person")
    customer.keyboard.press("Tab")   # keyboard-usable: focus moves on to Send
    customer.keyboard.press("Enter")
    customer.get_by_text("connecting you with our support team").wait_for()
    shot(customer, "2-customer-told")

    row = agent.locator("tr[data-handoff]")
    row.wait_for(timeout=20_000)                     # arrived live, over SSE, without a reload
    assert "frustration" in row.inner_text() and "Dana" in row.inner_text()
    shot(agent, "3-queue-with-handoff")
    row.get_by_role("link").click()
    agent.get_by_role("heading", name="Why this escalated").wait_for()
    assert "Frustrated customer" in agent.locator(".briefing h2").inner_text()
    agent.get_by_role("button", name="Claim").click()
    agent.get_by_text("Claimed.").wait_for()
    agent.get_by_label("Reply to the customer").fill("Hi Dana, I'm Ada. Let me reset that for you.")
    agent.get_by_role("button", name="Send").click()
    shot(agent, "4-agent-view")

    customer.get_by_text("Ada from the support team has joined").wait_for(timeout=10_000)
    customer.get_by_text("Let me reset that for you").wait_for(timeout=10_000)

    agent.get_by_role("button", name="Resolve").click()
    agent.get_by_text("Resolved.").wait_for()
    agent.get_by_role("button", name="Yes").click()
    agent.get_by_text("Recorded: appropriate").wait_for()

    customer.get_by_text("How did we do?").wait_for(timeout=10_000)
    customer.get_by_role("button", name="5 out of 5").click()
    customer.get_by_text("Thanks for rating us 5 out of 5").wait_for()
    shot(customer, "5-rated")


def test_sign_in_refuses_a_bot_key_and_the_supervisor_sees_all_queues(browser, server):
    page = browser.new_page()
    page.goto(server.url + "/console")
    sign_in(page, "demo-bot-key")
    page.get_by_role("alert").wait_for()
    assert "not an agent's key" in page.get_by_role("alert").inner_text()
    sign_in(page, "demo-supervisor-key")
    page.get_by_role("link", name="Supervisor").click()
    page.get_by_role("heading", name="All queues").wait_for()
    assert "Ada" in page.locator("table").nth(1).inner_text()
    shot(page, "6-supervisor")
