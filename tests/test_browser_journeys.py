"""A patient's whole journey in real headless Chromium at a 360 px phone width, in English and
in German: sign up, set the due date, log in three taps (counted), a rising week until a flag
appears, the red-flag questions, "I have contacted my care team", a share link opened by her
clinician in a fresh browser and printed, the export, deleting the account, and the dead link.

Older history (before the 7-day backfill window) is seeded in the database; the recent days go
through the "Log for an earlier day" select, as she would do it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.models import Entry, Patient
from app.models_share import ShareLink
from tests.browser import PHONE, browser, watch_for_violations  # noqa: F401  (fixture)
from tests.conftest import PASSWORD, make_entry, reload
from tests.live_server import serve

pytestmark = pytest.mark.browser
DESK = {"width": 900, "height": 1200}
# What she should read on each main screen, by browser language.
TEXT = {
    "en-GB": {
        "landing": "A ten-second daily diary",
        "profile": "Your profile",
        "profile_saved": "Profile saved.",
        "log": "How is your pain today?",
        "saved": "Back 3.",
        "watch": "We are keeping an eye on this",
        "urgent": "Please get checked today",
        "answered": "Thank you. Your answers are saved.",
        "acknowledged": "Thank you. We have noted that you contacted your care team.",
        "history": "Your history",
        "link": "Your new link",
        "summary": "Pain diary summary",
        "deleted": "Your account and all your entries have been deleted.",
    },
    "de-DE": {
        "landing": "Tagebuch",
        "profile": "Ihr Profil",
        "profile_saved": "Profil gespeichert.",
        "log": "Wie stark sind Ihre Schmerzen heute?",
        "saved": "Rücken 3.",
        "watch": "Wir behalten das im Blick",
        "urgent": "Bitte lassen Sie sich heute untersuchen",
        "answered": "Danke. Ihre Antworten sind gespeichert.",
        "acknowledged": "Danke. Wir haben notiert, dass Sie sich bei Ihrem Behandlungsteam gemeldet haben.",
        "history": "Ihr Verlauf",
        "link": "Ihr neuer Link",
        "summary": "Zusammenfassung des Schmerztagebuchs",
        "deleted": "Ihr Konto und alle Ihre Einträge wurden gelöscht.",
    },
}


def awake_zone() -> str:
    """A time zone where it is daytime now: between midnight and 4 a.m. the log form asks which
    day she means instead of showing Save, which is a different (tested elsewhere) journey."""
    for zone in ("Europe/Berlin", "America/New_York", "Asia/Tokyo"):
        if 5 <= datetime.now(ZoneInfo(zone)).hour <= 21:
            return zone
    raise AssertionError("no awake zone")  # pragma: no cover (the three cover every hour)


class Taps:
    """Counts every tap she makes, so the test can say how many a task took."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.count = 0

    def __call__(self, selector: str) -> None:
        self.page.locator(selector).tap()
        self.count += 1


def tile(name: str, score: int) -> str:
    return f"label.tile:has(input[name={name}][value='{score}'])"


def seed_usual_weeks(db: Session, patient: Patient, today: date, zone: str) -> None:
    """Two ordinary weeks (back 3, hip 1) before the backfill window: her usual level B = 3."""
    for days_ago in range(8, 22):
        day = today - timedelta(days=days_ago)
        at = datetime.combine(day, time(20), ZoneInfo(zone)).astimezone(UTC)
        make_entry(db, patient, day=day, recorded_at=at, back_pain=3, hip_pain=1)


def log_earlier_day(page, day: date, back: int, hip: int) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.click("details:has(#day) > summary")
    page.select_option("#day", day.isoformat())
    page.click(tile("back_pain", back))
    page.click(tile("hip_pain", hip))
    page.click("button.save")
    page.wait_for_selector("#saved")


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_a_patient_and_her_clinician_from_sign_up_to_deletion(browser, app, db, locale):  # noqa: F811
    text = TEXT[locale]
    zone = awake_zone()
    today = datetime.now(ZoneInfo(zone)).date()
    email = f"journey-{locale.lower()}@example.org"
    with serve(app) as base:
        phone = browser.new_context(
            base_url=base, viewport=PHONE, locale=locale, timezone_id=zone, has_touch=True, is_mobile=True
        )
        page = phone.new_page()
        page.set_default_timeout(10_000)
        violations: list[str] = []
        watch_for_violations(page, violations)

        # Sign up through the form, consent box ticked.
        page.goto("/")
        assert text["landing"] in page.inner_text("h1")
        page.click("a.button.primary[href='/signup']")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.check("input[name=consent]")
        page.click("form[action='/signup'] button.primary")
        page.wait_for_url("**/profile?welcome=1")
        assert page.inner_text("h1") == text["profile"]

        # The due date, eight weeks from now.
        due = today + timedelta(weeks=8)
        page.fill("#due_date", due.isoformat())
        page.click("form[action='/profile'] button.primary")
        page.get_by_text(text["profile_saved"]).wait_for()
        reload(db)
        patient = db.exec(select(Patient).where(Patient.email == email)).one()
        assert (patient.due_date, patient.timezone, patient.locale) == (due, zone, locale[:2])

        # Today's entry in exactly three taps from the home page: back, hip, Save.
        page.goto("/")
        assert page.inner_text("main h1") == text["log"]
        tap = Taps(page)
        tap(tile("back_pain", 3))
        tap(tile("hip_pain", 1))
        tap("button.save")
        page.wait_for_selector("#saved")
        assert tap.count == 3
        assert text["saved"] in page.inner_text("#saved")
        reload(db)
        [entry] = db.exec(select(Entry).where(Entry.patient_id == patient.id)).all()
        assert (entry.day, entry.back_pain, entry.hip_pain) == (today, 3, 1)
        assert page.locator("section.flag").count() == 0

        # A rising week: two ordinary weeks, then two severe days logged for earlier days.
        seed_usual_weeks(db, patient, today, zone)
        log_earlier_day(page, today - timedelta(days=3), back=7, hip=1)
        assert text["watch"] in page.inner_text("section.flag-watch h2")  # one bad day: keep an eye
        log_earlier_day(page, today - timedelta(days=2), back=8, hip=2)
        card = page.locator("section.flag-urgent")
        assert text["urgent"] in card.locator("h2").inner_text()  # two in a row: get checked today

        # The red-flag questions (all "no"), then "I have contacted my care team".
        card.locator("details.more > summary").click()
        questions = card.locator("form.questions fieldset")
        for i in range(questions.count()):
            questions.nth(i).locator("input[value=no]").check()
        card.locator("form.questions button.primary").click()
        page.wait_for_url("**/?answered=1")
        page.get_by_text(text["answered"]).wait_for()
        page.locator("section.flag-urgent form[action='/flags/acknowledge'] button").click()
        page.wait_for_url("**/?acknowledged=1")
        page.get_by_text(text["acknowledged"]).wait_for()
        assert page.locator("form[action='/flags/acknowledge']").count() == 0

        page.goto("/history")
        assert page.inner_text("main h1") == text["history"]
        assert page.locator("main svg").count() >= 1  # the chart

        # A share link for her clinician (her password again), shown once with a QR code.
        page.goto("/share")
        page.fill("#label", "Dr Weber")
        page.fill("#share_password", PASSWORD)
        page.click("form[action='/share'] button.primary")
        page.wait_for_selector("svg.qr")
        assert page.inner_text("main h1") == text["link"]
        url = page.input_value("#share-url")
        link = base + url[url.index("/s/") :]  # the app's BASE_URL is not the test server's

        # Her clinician opens it in a fresh browser (no cookies of hers) and prints it.
        desk = browser.new_context(viewport=DESK, locale=locale)
        clinician = desk.new_page()
        watch_for_violations(clinician, violations)
        response = clinician.goto(link)
        assert response is not None and response.status == 200
        clinician.emulate_media(media="print")
        assert clinician.inner_text("h1") == text["summary"]
        assert clinician.locator("main svg").first.is_visible()  # the chart survives print
        assert clinician.locator("section").count() >= 3
        assert "Dr Weber" in clinician.inner_text("main")
        assert clinician.pdf(format="A4").startswith(b"%PDF")

        # Her data as a JSON download from the account page.
        page.goto("/account")
        with page.expect_download() as download_info:
            page.click("a[href='/api/v1/export?format=json']")
        download = download_info.value
        assert download.suggested_filename.endswith(".json")
        with open(download.path(), encoding="utf-8") as handle:
            exported = json.load(handle)
        assert exported["format"] == "back-hip-diary-export" and exported["account"]["email"] == email
        assert len(exported["entries"]) == 17  # today, 14 seeded days, 2 backfilled
        assert exported["acknowledgements"] and exported["red_flag_answers"] and exported["share_links"]

        # Deleting the account (her password) ends the clinician's link too.
        page.fill("#delete_password", PASSWORD)
        page.click("form[action='/account/delete'] button.danger")
        page.wait_for_url("**/?deleted=1")
        page.get_by_text(text["deleted"]).wait_for()
        response = clinician.goto(link)
        assert response is not None and response.status == 404
        reload(db)
        assert db.exec(select(Patient).where(Patient.email == email)).first() is None
        assert db.exec(select(ShareLink)).all() == []
        assert violations == []  # no CSP violation and no script error on any screen of the journey
        desk.close()
        phone.close()
