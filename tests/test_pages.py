"""The HTML pages, driven as a browser without JavaScript would: forms, redirects, CSRF tokens."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.models import Entry, Patient
from tests.conftest import PASSWORD, make_entry, make_patient, new_client, reload


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def entry_id_from(html: str) -> str:
    match = re.search(r'name="entry_id" value="([^"]+)"', html)
    assert match
    return match.group(1)


def page_sign_in(client, email: str) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/signin").text)
    response = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text


def test_a_new_patient_signs_up_sets_her_stage_and_logs_in_three_taps(app, db: Session):
    browser = new_client(app)
    token = csrf_from(browser.get("/signup").text)
    response = browser.post(
        "/signup",
        data={
            "email": "fay@example.org",
            "password": PASSWORD,
            "consent": "yes",
            "timezone": "Europe/Berlin",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/profile?welcome=1"
    profile_page = browser.get("/profile?welcome=1")
    assert "Welcome" in profile_page.text
    due = (datetime.now(UTC) + timedelta(weeks=6)).date().isoformat()
    saved = browser.post(
        "/profile",
        data={"csrf_token": csrf_from(profile_page.text), "due_date": due, "timezone": "Europe/Berlin"},
    )
    assert saved.status_code == 303
    home = browser.get("/")
    assert "Pregnant: week 34+" in home.text
    # Tap back 6, tap hip 3, tap save.
    form = {"csrf_token": csrf_from(home.text), "entry_id": entry_id_from(home.text), "back_pain": "6", "hip_pain": "3"}
    response = browser.post("/entries", data=form)
    assert response.status_code == 303
    after = browser.get(response.headers["location"])
    assert "Saved for" in after.text and "Back 6." in after.text and "Hip 3." in after.text
    entry = db.exec(select(Entry)).one()
    assert (entry.back_pain, entry.hip_pain) == (6, 3)


def test_a_double_submitted_form_saves_one_entry(app, db: Session):
    make_patient(db, "gia@example.org")
    browser = new_client(app)
    page_sign_in(browser, "gia@example.org")
    home = browser.get("/")
    form = {"csrf_token": csrf_from(home.text), "entry_id": entry_id_from(home.text), "back_pain": "4"}
    assert browser.post("/entries", data=form).status_code == 303
    assert browser.post("/entries", data=form).status_code == 303
    assert len(db.exec(select(Entry)).all()) == 1


def test_a_form_without_a_score_shows_a_translated_message_and_saves_nothing(app, db: Session):
    make_patient(db, "hana@example.org", locale="de")
    browser = new_client(app)
    page_sign_in(browser, "hana@example.org")
    home = browser.get("/")
    form = {"csrf_token": csrf_from(home.text), "entry_id": entry_id_from(home.text), "note": "nur eine Notiz"}
    response = browser.post("/entries", data=form)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "nur eine Notiz" in response.text  # her typed note is kept in the form, not lost
    assert db.exec(select(Entry)).all() == []


def test_form_scores_must_be_plain_digits(app, db: Session):
    make_patient(db, "ida@example.org")
    browser = new_client(app)
    page_sign_in(browser, "ida@example.org")
    home = browser.get("/")
    for bad in ("1_0", "+5", " 5", "5.0", "11", "-1"):
        form = {"csrf_token": csrf_from(home.text), "entry_id": str(uuid.uuid4()), "back_pain": bad}
        assert browser.post("/entries", data=form).status_code == 422, bad
    assert db.exec(select(Entry)).all() == []


def test_a_repeated_form_field_is_refused(app, db: Session):
    make_patient(db, "jo@example.org")
    browser = new_client(app)
    page_sign_in(browser, "jo@example.org")
    home = browser.get("/")
    body = f"csrf_token={csrf_from(home.text)}&entry_id={uuid.uuid4()}&back_pain=3&back_pain=9"
    response = browser.post("/entries", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 422
    assert db.exec(select(Entry)).all() == []


def _zone_where_the_hour_is(hours: tuple[int, ...]) -> str:
    """A fixed-offset zone where the local hour right now is one of `hours` (one always is)."""
    now = datetime.now(UTC)
    for offset in range(-12, 15):
        zone = f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}" if offset else "Etc/GMT"
        if now.astimezone(ZoneInfo(zone)).hour in hours:
            return zone
    raise AssertionError(f"no zone at hours {hours}")


def test_between_midnight_and_four_she_is_asked_which_day_the_entry_is_for(app, db: Session):
    zone = _zone_where_the_hour_is((1, 2))
    make_patient(db, "kim@example.org", timezone=zone)
    browser = new_client(app)
    page_sign_in(browser, "kim@example.org")
    home = browser.get("/")
    today = datetime.now(ZoneInfo(zone)).date()
    yesterday = today - timedelta(days=1)
    assert "It is after midnight" in home.text
    assert f'name="day" value="{yesterday.isoformat()}"' in home.text
    form = {
        "csrf_token": csrf_from(home.text),
        "entry_id": entry_id_from(home.text),
        "back_pain": "5",
        "day": yesterday.isoformat(),
    }
    assert browser.post("/entries", data=form).status_code == 303
    assert db.exec(select(Entry)).one().day == yesterday


def test_during_the_day_there_is_no_midnight_question(alice, app, db: Session):
    make_patient(db, "lea@example.org", timezone=_zone_where_the_hour_is((12, 13)))
    browser = new_client(app)
    page_sign_in(browser, "lea@example.org")
    assert "It is after midnight" not in browser.get("/").text


def test_history_shows_the_chart_and_the_days(app, db: Session):
    patient = make_patient(db, "mia@example.org", due_date=datetime.now(UTC).date() + timedelta(weeks=4))
    today = datetime.now(UTC).date()
    for days_ago, score in [(0, 7), (1, 5), (5, 3)]:
        make_entry(db, patient, day=today - timedelta(days=days_ago), back_pain=score, hip_pain=1)
    browser = new_client(app)
    page_sign_in(browser, "mia@example.org")
    page = browser.get("/history?days=90")
    assert page.status_code == 200
    assert "<svg" in page.text and 'role="img"' in page.text
    assert page.text.count('class="line-back dot"') == 3
    assert page.text.count("<polyline") == 4  # back and hip, each split at the 4-day gap
    assert "wk 3" in page.text  # pregnancy weeks on the time axis
    assert page.headers["cache-control"] == "no-store"


def test_history_marks_birth_and_breastfeeding(app, db: Session):
    today = datetime.now(UTC).date()
    make_patient(db, "nia@example.org", due_date=today, delivery_date=today - timedelta(days=10), breastfeeding=True)
    browser = new_client(app)
    page_sign_in(browser, "nia@example.org")
    page = browser.get("/history?days=30")
    assert "Birth" in page.text and "Breastfeeding" in page.text
    assert "Week 2 after birth" in page.text


def test_my_baby_is_born_moves_her_to_postpartum(app, db: Session):
    today = datetime.now(UTC).date()
    make_patient(db, "ora@example.org", due_date=today + timedelta(days=3))
    browser = new_client(app)
    page_sign_in(browser, "ora@example.org")
    form_page = browser.get("/birth")
    form = {"csrf_token": csrf_from(form_page.text), "delivery_date": today.isoformat(), "breastfeeding": "yes"}
    response = browser.post("/birth", data=form)
    assert response.status_code == 303
    reload(db)
    patient = db.exec(select(Patient).where(Patient.email == "ora@example.org")).one()
    assert patient.delivery_date == today and patient.breastfeeding and patient.due_date == today + timedelta(days=3)
    assert "Week 1 after birth" in browser.get("/").text


def test_she_can_edit_and_delete_an_entry(app, db: Session):
    patient = make_patient(db, "pia@example.org")
    entry_id = make_entry(db, patient, back_pain=4).id
    browser = new_client(app)
    page_sign_in(browser, "pia@example.org")
    edit = browser.get(f"/entries/{entry_id}/edit")
    assert edit.status_code == 200
    response = browser.post(f"/entries/{entry_id}", data={"csrf_token": csrf_from(edit.text), "back_pain": "8"})
    assert response.status_code == 303
    reload(db)
    assert db.get(Entry, entry_id).back_pain == 8
    confirm = browser.get(f"/entries/{entry_id}/delete")
    assert browser.post(f"/entries/{entry_id}/delete", data={"csrf_token": csrf_from(confirm.text)}).status_code == 303
    reload(db)
    assert db.get(Entry, entry_id) is None


def test_another_patients_entry_pages_are_not_found(app, db: Session):
    owner = make_patient(db, "quinn@example.org")
    entry = make_entry(db, owner)
    make_patient(db, "rae@example.org")
    browser = new_client(app)
    page_sign_in(browser, "rae@example.org")
    assert browser.get(f"/entries/{entry.id}/edit").status_code == 404
    token = csrf_from(browser.get("/").text)
    assert browser.post(f"/entries/{entry.id}/delete", data={"csrf_token": token}).status_code == 404
    reload(db)
    assert db.get(Entry, entry.id) is not None


def test_pages_need_a_signed_in_patient(stranger):
    for path in ("/history", "/profile", "/account", "/birth"):
        response = stranger.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/signin"


def test_the_language_follows_the_browser_then_her_choice(stranger):
    assert 'lang="de"' in stranger.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).text
    assert 'lang="en"' in stranger.get("/", headers={"Accept-Language": "fr, en;q=0.5"}).text
    page = stranger.get("/")
    stranger.post("/language", data={"lang": "de", "csrf_token": csrf_from(page.text), "next": "/"})
    assert 'lang="de"' in stranger.get("/").text


def test_sign_out_from_the_page_ends_the_session(app, db: Session):
    make_patient(db, "sue@example.org")
    browser = new_client(app)
    page_sign_in(browser, "sue@example.org")
    account = browser.get("/account")
    assert browser.post("/signout", data={"csrf_token": csrf_from(account.text)}).status_code == 303
    assert browser.get("/history").status_code == 303
