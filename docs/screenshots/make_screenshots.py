"""Re-take the README screenshots: `.venv/bin/python docs/screenshots/make_screenshots.py`.

Serves the app on loopback with a throw-away SQLite database and the demo patient (`app/demo.py`:
ten weeks of history ending in a sharp rise), then drives the system's Chromium (Playwright)
through the main screens: 360 px wide for her phone, 900 px for the clinician's summary.
Not a test; the PNGs it writes are committed.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from app.config import Environment, Settings  # noqa: E402
from app.db import build_engine  # noqa: E402
from app.demo import create_demo_patient  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PHONE  # noqa: E402
from tests.live_server import serve  # noqa: E402

OUT = Path(__file__).resolve().parent


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))  # the viewport only: what she sees without scrolling
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def patient_screens(browser, base: str, email: str, password: str) -> str:  # type: ignore[no-untyped-def]
    """Her screens at phone width; returns the share link it created."""
    context = browser.new_context(base_url=base, viewport=PHONE, locale="en-GB", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.goto("/signin")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/signin'] button.primary")
    page.wait_for_selector("section.flag")
    page.locator("section.flag").scroll_into_view_if_needed()
    shoot(page, "flag")
    page.goto("/?continue=1")
    page.evaluate("document.querySelector('main h1').scrollIntoView()")
    page.check("input[name=back_pain][value='7']", force=True)
    shoot(page, "log")
    page.goto("/history?days=90")
    page.wait_for_selector("main svg")
    page.locator("main h1").scroll_into_view_if_needed()
    shoot(page, "history")
    page.goto("/share")
    page.fill("#label", "Dr Weber, rheumatology")
    page.fill("#share_password", password)
    page.click("form[action='/share'] button.primary")
    page.wait_for_selector("svg.qr")
    url = page.input_value("#share-url")
    page.locator("figure").scroll_into_view_if_needed()
    shoot(page, "share-link")
    page.goto("/red-flags")
    page.check("input[name=saddle_numbness][value=yes]")
    page.click("form.questions button.primary")
    page.wait_for_selector("[role=alertdialog]")
    shoot(page, "emergency")
    context.close()
    return url


def clinician_screen(browser, link: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 900, "height": 1100}, locale="en-GB")
    page = context.new_page()
    page.goto(link)
    page.wait_for_selector("main h1")
    shoot(page, "summary")
    context.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/screens.sqlite3"
        settings = Settings(
            app_env=Environment.TEST,
            database_url=url,
            secret_key=secrets.token_urlsafe(32),
            base_url="https://diary.example.org",
            log_level="WARNING",
        )  # type: ignore[call-arg]
        upgrade(settings)
        engine = build_engine(settings)
        app = create_app(settings, engine)
        import app.db as db

        db.get_engine = lambda: engine  # the demo writes through the app's default engine
        email, password = create_demo_patient()
        with serve(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            link = patient_screens(browser, base, email, password)
            clinician_screen(browser, base + link[link.index("/s/") :])
            browser.close()
        engine.dispose()


if __name__ == "__main__":
    main()
