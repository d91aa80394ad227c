"""The detector in the app: assessment after every save, red-flag answers, acknowledgement,
stored flag history and notifications."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.models import Acknowledgement, FlagChange, FlagEpisode, FlagNotification, Patient, utcnow
from tests.conftest import entry_body, make_entry, reload

BERLIN = ZoneInfo("Europe/Berlin")


def today() -> date:
    return utcnow().astimezone(BERLIN).date()


def alice_of(db: Session) -> Patient:
    return db.exec(select(Patient).where(Patient.email == "alice@example.org")).one()


def usual_history(db: Session, patient: Patient, score: int = 2, days: range = range(8, 22)) -> None:
    """Two quiet weeks a week ago and more: her usual level is `score`."""
    for days_ago in days:
        make_entry(db, patient, day=today() - timedelta(days=days_ago), back_pain=score, hip_pain=0)


def post_day(client, days_ago: int, back: int, hip: int = 0):  # type: ignore[no-untyped-def]
    day = (today() - timedelta(days=days_ago)).isoformat()
    response = client.post("/api/v1/entries", json=entry_body(back_pain=back, hip_pain=hip, day=day))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_quiet_diary_has_no_flag(alice, db):
    usual_history(db, alice_of(db))
    saved = post_day(alice, 0, 3)
    assert saved["assessment"]["level"] == "none" and saved["assessment"]["reasons"] == []
    assert alice.get("/api/v1/assessment").json()["level"] == "none"


def test_one_severe_day_above_her_usual_level_is_watch_with_reasons(alice, db):
    usual_history(db, alice_of(db), score=3)
    saved = post_day(alice, 0, 7)
    assessment = saved["assessment"]
    assert assessment["level"] == "watch"
    reason = assessment["reasons"][0]
    assert reason["rule"] == "N3" and reason["site"] == "back"
    assert "7" in reason["message"]
    assert assessment["as_of"] == today().isoformat()


def test_two_severe_days_far_above_usual_are_urgent_and_stored_as_history(alice, db):
    usual_history(db, alice_of(db))
    post_day(alice, 1, 8)
    saved = post_day(alice, 0, 8)
    assert saved["assessment"]["level"] == "urgent"
    assert "N1" in {r["rule"] for r in saved["assessment"]["reasons"]}
    reload(db)
    episode = db.exec(select(FlagEpisode)).one()
    assert (episode.started_on, episode.level, episode.closed_on) == (today() - timedelta(days=1), "urgent", None)
    assert episode.baseline_back == 2
    changes = db.exec(select(FlagChange).order_by(FlagChange.day)).all()
    assert [c.level for c in changes][-1] == "urgent"
    assert any(r["rule"] == "N1" for r in json.loads(changes[-1].reasons_json))
    notes = db.exec(select(FlagNotification)).all()
    assert {(n.day, n.level) for n in notes} >= {(today(), "urgent")}


def test_saving_the_same_entry_twice_notifies_once(alice, db):
    usual_history(db, alice_of(db))
    post_day(alice, 1, 8)
    body = entry_body(back_pain=9, day=today().isoformat())
    alice.post("/api/v1/entries", json=body)
    alice.post("/api/v1/entries", json=body)
    reload(db)
    urgent_today = [n for n in db.exec(select(FlagNotification)).all() if n.day == today() and n.level == "urgent"]
    assert len(urgent_today) == 1


def test_an_emergency_red_flag_is_an_emergency_with_the_number_to_call(alice, db):
    response = alice.post("/api/v1/red-flag-answers", json={"answers": {"saddle_numbness": True}})
    assert response.status_code == 201
    assert response.json()["level"] == "emergency"
    page = alice.get("/")
    assert 'role="alertdialog"' in page.text and 'href="tel:112"' in page.text


def test_answering_no_changes_nothing_and_answers_are_stored_per_day(alice, db):
    response = alice.post("/api/v1/red-flag-answers", json={"answers": {"new_limp": False, "height_loss": False}})
    assert response.json()["level"] == "none"
    bad = alice.post("/api/v1/red-flag-answers", json={"answers": {"headache": True}})
    assert bad.status_code == 422


def test_acknowledging_is_recorded_once_and_marks_the_episode(alice, db):
    usual_history(db, alice_of(db))
    post_day(alice, 1, 8)
    post_day(alice, 0, 8)
    first = alice.post("/api/v1/assessment/acknowledgements", json={"seen_on": today().isoformat()})
    again = alice.post("/api/v1/assessment/acknowledgements", json={"seen_on": today().isoformat()})
    assert (first.status_code, again.status_code) == (201, 200)
    future = alice.post(
        "/api/v1/assessment/acknowledgements", json={"seen_on": (today() + timedelta(days=1)).isoformat()}
    )
    assert future.status_code == 422
    reload(db)
    assert len(db.exec(select(Acknowledgement)).all()) == 1
    assert db.exec(select(FlagEpisode)).one().acknowledged_on == today()


def test_deleting_the_entries_behind_a_flag_retracts_it(alice, db):
    usual_history(db, alice_of(db))
    ids = [post_day(alice, 1, 8)["id"], post_day(alice, 0, 8)["id"]]
    for entry_id in ids:
        assert alice.delete(f"/api/v1/entries/{entry_id}").status_code == 204
    assert alice.get("/api/v1/assessment").json()["level"] == "none"
    reload(db)
    episodes = db.exec(select(FlagEpisode)).all()
    assert episodes and all(e.retracted_on == today() for e in episodes)


def test_another_patients_flags_stay_hers(alice, bob, db):
    alice.post("/api/v1/red-flag-answers", json={"answers": {"bladder_bowel": True}})
    assert bob.get("/api/v1/assessment").json()["level"] == "none"


def test_the_home_page_shows_a_card_with_why_and_acknowledge(alice, db):
    usual_history(db, alice_of(db))
    post_day(alice, 1, 8)
    post_day(alice, 0, 8)
    page = alice.get("/").text
    assert "Please get checked today" in page
    assert 'href="/flags/why"' in page and 'action="/flags/acknowledge"' in page
    why = alice.get("/flags/why").text
    assert "How the diary decided:" in why and "Rule N1" in why


def test_watch_shows_the_follow_up_questions(alice, db):
    usual_history(db, alice_of(db), score=3)
    post_day(alice, 0, 7)
    page = alice.get("/").text
    assert "We are keeping an eye on this" in page
    assert 'name="saddle_numbness"' in page and 'name="obstetric_warning"' in page  # she is pregnant


def test_something_new_is_always_reachable_and_saves_answers_by_form(alice, db):
    page = alice.get("/").text
    assert 'href="/red-flags"' in page
    form = alice.get("/red-flags").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = alice.post("/red-flags", data={"csrf_token": token, "new_limp": "yes", "height_loss": "no"})
    assert response.status_code == 303
    assessment = alice.get("/api/v1/assessment").json()
    assert assessment["level"] == "see_clinician" and assessment["reasons"][0]["rule"] == "RF-L"


def test_flags_are_worded_in_her_language_and_never_name_a_diagnosis(alice, db):
    profile = {**alice.get("/api/v1/profile").json(), "locale": "de"}
    alice.put("/api/v1/profile", json=profile)
    usual_history(db, alice_of(db))
    post_day(alice, 1, 8)
    assessment = post_day(alice, 0, 9)["assessment"]
    text = " ".join(r["message"] for r in assessment["reasons"])
    assert "heute" in text  # German: get checked today
    for word in ("fracture", "osteoporosis", "Fraktur", "Osteoporose", "Bruch"):
        assert word.lower() not in text.lower()
