"""Accessibility in real headless Chromium: axe-core (WCAG 2.x A and AA rules, 2.2 included)
finds no violation on any page of the diary, in English and German, at a 360 px phone width;
and the three-tap log works by keyboard alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.models import utcnow
from tests.browser import PHONE, browser, watch_for_violations  # noqa: F401  (fixture)
from tests.conftest import PASSWORD, make_entry, make_patient
from tests.live_server import serve

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = [
    "/",
    "/history?days=30",
    "/history?days=90",
    "/profile",
    "/account",
    "/red-flags",
    "/flags/why",
    "/birth",
    "/share",
    "/reminders",
]
PUBLIC_PAGES = ["/", "/signin", "/signup", "/about", "/consent", "/offline"]


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]]


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/signin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_no_axe_violations_on_any_page(browser, app, db, locale):  # noqa: F811
    patient = make_patient(
        db, "axe@example.org", due_date=utcnow().date() + timedelta(weeks=6), timezone="Europe/Berlin"
    )
    for days_ago, score in [(0, 8), (1, 8)] + [(n, 2) for n in range(8, 22)]:
        make_entry(db, patient, day=utcnow().date() - timedelta(days=days_ago), back_pain=score, hip_pain=1)
    found: dict[str, list[str]] = {}
    with serve(app) as base:
        context = browser.new_context(viewport=PHONE, locale=locale)
        page = context.new_page()
        script_trouble: list[str] = []
        watch_for_violations(page, script_trouble)
        for path in PUBLIC_PAGES:
            page.goto(base + path)
            found[path] = violations(page)
        sign_in(page, base, "axe@example.org")
        for path in PAGES:
            page.goto(base + path)
            found["signed in " + path] = violations(page)
        found.update(_shared_summary(page, context, base))
        found["offline outbox"] = _offline_entry(page, base)
        page.goto(base + "/red-flags")
        page.check("input[name=saddle_numbness][value=yes]")
        page.click("form.questions button.primary")
        page.wait_for_selector("[role=alertdialog]")
        found["emergency screen"] = violations(page)
        found["CSP violations and script errors"] = script_trouble
        context.close()
    assert {path: v for path, v in found.items() if v} == {}


def _shared_summary(page, context, base: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Create a share link, then check the link page and the clinician's summary (screen and print)."""
    page.goto(base + "/share")
    page.fill("input[name=label]", "Dr Weber")
    page.fill("input[type=password]", PASSWORD)
    page.click("form button.primary")
    page.wait_for_load_state()
    found = {"share link created": violations(page)}
    link = base + "/s/" + page.locator("input[readonly]").first.input_value().split("/s/", 1)[1]
    clinician = context.browser.new_context(viewport={"width": 900, "height": 1200})
    summary = clinician.new_page()
    script_trouble: list[str] = []
    watch_for_violations(summary, script_trouble)
    summary.goto(link)
    found["clinician summary"] = violations(summary)
    summary.emulate_media(media="print")
    found["clinician summary (print)"] = violations(summary)
    found["clinician summary: CSP violations and script errors"] = script_trouble
    clinician.close()
    return found


def _offline_entry(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The log page after saving an entry with no connection (kept in the phone's outbox)."""
    page.goto(base + "/")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.context.set_offline(True)
    page.check("input[name=back_pain][value='3']", force=True)
    page.click("button.save")
    shows = (
        "(key) => { const s = document.getElementById('outbox-status'); return s.innerText.includes(s.dataset[key]); }"
    )
    page.wait_for_function(shows, arg="msgSaved")  # her language's "saved on this phone"
    result = violations(page)
    page.context.set_offline(False)
    page.wait_for_function(shows, arg="msgSent")
    return result


@pytest.mark.browser
def test_the_three_tap_log_works_by_keyboard_alone(browser, app, db):  # noqa: F811
    make_patient(db, "keys@example.org")
    with serve(app) as base:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        sign_in(page, base, "keys@example.org")
        page.focus("input[name=back_pain][value='0']")
        for _ in range(5):
            page.keyboard.press("ArrowRight")  # radio group: arrows move and select
        assert page.is_checked("input[name=back_pain][value='5']")
        page.keyboard.press("Tab")  # into the hip group
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert page.is_checked("input[name=hip_pain][value='2']")
        page.focus("button.save")
        page.keyboard.press("Enter")
        page.wait_for_selector("#saved")
        assert "Back 5." in page.inner_text("#saved") and "Hip 2." in page.inner_text("#saved")
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("locale", "group", "seven"), [("en-GB", "Back pain", "7 severe"), ("de-DE", "Rückenschmerzen", "7 stark")]
)
def test_the_score_control_speaks_to_a_screen_reader(browser, app, db, locale, group, seven):  # noqa: F811
    """What a screen reader reads from the accessibility tree: a named group with its hint, eleven
    radios named by number and band, one checked after a choice (found by role and name only)."""
    email = f"reader-{locale.lower()}@example.org"
    make_patient(db, email)
    with serve(app) as base:
        context = browser.new_context(viewport=PHONE, locale=locale)
        page = context.new_page()
        sign_in(page, base, email)
        back = page.get_by_role("group", name=group, exact=True)
        radios = back.get_by_role("radio")
        assert radios.count() == 11
        assert back.get_attribute("aria-describedby") == "back_pain-hint"  # the 0-10 meaning is read out
        back.get_by_role("radio", name=seven, exact=True).check()
        snapshot = back.aria_snapshot()
        assert f'radio "{seven}" [checked]' in snapshot
        assert snapshot.count("[checked]") == 1 and 'radio "0 ' in snapshot and 'radio "10 ' in snapshot
        context.close()
