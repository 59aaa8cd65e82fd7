"""A real Chromium driving the pages of a live server on the demo history.

Debian's `chromium` is used through Playwright's Python package (never `playwright
install`); where no Chromium is installed, these tests skip and say how to get one.
Every request the browser makes is checked: nothing may leave the loopback address.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from api.app import create_app
from governance.application import Ledger
from governance.demo import load_demo
from governance.users import Users
from support.servers import served

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def chromium_path() -> str | None:
    for candidate in CANDIDATES:
        found = shutil.which(candidate) if not candidate.startswith("/") else candidate
        if found and Path(found).exists():
            return found
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    found = chromium_path()
    if found is None:
        pytest.skip(
            "no Chromium here: install Debian's package (`apt-get install -y chromium`); "
            "the tests drive it through Playwright and never run `playwright install`"
        )
    return found


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, str]]:
    """The demo history on a SQLite file, and an admin's token."""
    ledger = Ledger(f"sqlite:///{tmp_path_factory.mktemp('browser')}/ledger.db")
    load_demo(ledger)
    token = Users(ledger.log).add("sekretariatet", "admin")
    yield ledger, token
    ledger.close()


@pytest.fixture(scope="session")
def server(demo_store: tuple[Ledger, str]) -> Iterator[str]:
    app: FastAPI = create_app(demo_store[0])
    with served(app) as url:
        yield url


class Traffic:
    """Every request the browser made, and those that would have left the machine."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.policy_violations: list[str] = []
        self.offsite_refused: list[str] = []

    def route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        host = urlsplit(url).hostname or ""
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and host not in LOOPBACK:
            self.blocked.append(url)
            route.abort()
            return
        route.continue_()

    def console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" not in text and "Content-Security-Policy" not in text:
            return
        if re.search(r"Loading the \w+ 'https?://(?!127\.0\.0\.1|localhost)", text):
            # Another host, refused by the policy before any request (ReDoc's logo): the
            # policy doing its job, not a page of ours it breaks.
            self.offsite_refused.append(text)
            return
        self.policy_violations.append(text)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def traffic() -> Iterator[Traffic]:
    seen = Traffic()
    yield seen
    assert seen.blocked == [], f"requests left the loopback address: {seen.blocked}"


@pytest.fixture
def context(browser: Any, traffic: Traffic) -> Iterator[Any]:
    created = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    created.route("**/*", traffic.route)
    yield created
    created.close()


@pytest.fixture
def tab(context: Any, traffic: Traffic) -> Any:
    opened = context.new_page()
    opened.on("console", traffic.console)
    return opened


def sign_in(tab: Any, server: str, token: str, path: str = "/ui/") -> None:
    tab.goto(f"{server}{path}")
    tab.fill("input[name=token]", token)
    tab.click("button[type=submit]")
    tab.wait_for_load_state()


def screenshot(tab: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(target), full_page=True)
    return target
