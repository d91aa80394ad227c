"""Real headless Chromium through Playwright for Python (the system's Debian Chromium; no
browser download is possible here).

Tests that need it use the `browser` fixture: they skip with a clear reason when Chromium is
missing, and fail instead when REQUIRE_BROWSER=1 (CI installs Chromium and sets it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="module")  # module scope: one sync Playwright loop at a time
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
        pytest.skip(f"browser leg skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def watch_for_violations(page: Page, found: list[str]) -> None:
    """Collect CSP violations (Chromium reports them on the console) and uncaught script errors."""
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda error: found.append(f"uncaught: {error}"))
