"""The entries API: creation (idempotent), reading, editing, deleting, scoping and validation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from app.models import Entry, RedFlagAnswer
from tests.conftest import entry_body, reload


def count_entries(db: Session) -> int:
    reload(db)
    return db.exec(select(func.count()).select_from(Entry)).one()


def test_it_creates_an_entry_and_returns_201(alice, db):
    body = entry_body(back_pain=6, hip_pain=1, note="lifted the car seat")
    response = alice.post("/api/v1/entries", json=body)
    assert response.status_code == 201
    saved = response.json()
    assert saved["id"] == body["id"]
    assert (saved["back_pain"], saved["hip_pain"], saved["note"]) == (6, 1, "lifted the car seat")
    assert count_entries(db) == 1


def test_the_same_id_and_body_again_returns_200_and_saves_nothing_new(alice, db):
    body = entry_body()
    assert alice.post("/api/v1/entries", json=body).status_code == 201
    again = alice.post("/api/v1/entries", json=body)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert count_entries(db) == 1


def test_the_same_instant_in_another_offset_is_the_same_body(alice, db):
    moment = datetime.now(UTC).replace(microsecond=0)
    body = entry_body(recorded_at=moment.isoformat())
    assert alice.post("/api/v1/entries", json=body).status_code == 201
    shifted = {**body, "recorded_at": moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "+00:00"}
    assert alice.post("/api/v1/entries", json=shifted).status_code == 200


def test_the_same_id_with_a_different_body_is_a_conflict_and_changes_nothing(alice, db):
    body = entry_body(back_pain=3)
    alice.post("/api/v1/entries", json=body)
    response = alice.post("/api/v1/entries", json={**body, "back_pain": 9})
    assert response.status_code == 409
    assert "9" not in response.text
    assert alice.get(f"/api/v1/entries/{body['id']}").json()["back_pain"] == 3


def test_a_replay_after_an_edit_is_still_recognised(alice, db):
    body = entry_body(back_pain=3)
    alice.post("/api/v1/entries", json=body)
    alice.patch(f"/api/v1/entries/{body['id']}", json={"back_pain": 4})
    assert alice.post("/api/v1/entries", json=body).status_code == 200
    assert count_entries(db) == 1


def test_the_day_defaults_to_her_local_date(alice):
    # 23:30 UTC on a winter day is already the next day in Berlin (UTC+1).
    now = datetime.now(UTC)
    late = (now - timedelta(days=1)).replace(hour=23, minute=30, second=0, microsecond=0)
    response = alice.post("/api/v1/entries", json=entry_body(recorded_at=late.isoformat()))
    assert response.status_code == 201
    berlin_day = late.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")).date()
    assert response.json()["day"] == berlin_day.isoformat()


def test_she_can_backfill_seven_days_but_not_eight(alice):
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    ok = alice.post("/api/v1/entries", json=entry_body(day=(today - timedelta(days=7)).isoformat()))
    assert ok.status_code == 201
    too_old = alice.post("/api/v1/entries", json=entry_body(day=(today - timedelta(days=8)).isoformat()))
    assert too_old.status_code == 422
    assert too_old.json()["detail"]["code"] == "day_too_old"


def test_a_future_day_or_time_is_refused(alice):
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert alice.post("/api/v1/entries", json=entry_body(day=tomorrow.date().isoformat())).status_code == 422
    assert alice.post("/api/v1/entries", json=entry_body(recorded_at=tomorrow.isoformat())).status_code == 422


def test_red_flags_sent_with_an_entry_are_stored_for_that_day(alice, db):
    body = entry_body(red_flags=["night_rest_pain", "height_loss"])
    saved = alice.post("/api/v1/entries", json=body).json()
    assert saved["red_flags"] == ["height_loss", "night_rest_pain"]
    answers = db.exec(select(RedFlagAnswer)).all()
    assert {(a.code, a.answer, a.day.isoformat()) for a in answers} == {
        ("height_loss", True, saved["day"]),
        ("night_rest_pain", True, saved["day"]),
    }


def test_list_is_newest_first_and_filters_by_day(alice):
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    for back in range(3):
        alice.post("/api/v1/entries", json=entry_body(back_pain=back, day=(today - timedelta(days=back)).isoformat()))
    listed = alice.get("/api/v1/entries").json()
    assert [e["back_pain"] for e in listed] == [0, 1, 2]
    since_yesterday = alice.get(f"/api/v1/entries?from={(today - timedelta(days=1)).isoformat()}").json()
    assert [e["back_pain"] for e in since_yesterday] == [0, 1]


def test_patch_changes_only_what_was_sent(alice):
    body = entry_body(back_pain=3, hip_pain=2, note="keep me")
    alice.post("/api/v1/entries", json=body)
    patched = alice.patch(f"/api/v1/entries/{body['id']}", json={"hip_pain": 5})
    assert patched.status_code == 200
    assert (patched.json()["back_pain"], patched.json()["hip_pain"], patched.json()["note"]) == (3, 5, "keep me")


def test_patch_cannot_remove_both_scores(alice):
    body = entry_body(back_pain=3, hip_pain=None)
    alice.post("/api/v1/entries", json=body)
    response = alice.patch(f"/api/v1/entries/{body['id']}", json={"back_pain": None})
    assert response.status_code == 422
    assert alice.get(f"/api/v1/entries/{body['id']}").json()["back_pain"] == 3


def test_delete_removes_the_entry(alice, db):
    body = entry_body()
    alice.post("/api/v1/entries", json=body)
    assert alice.delete(f"/api/v1/entries/{body['id']}").status_code == 204
    assert alice.get(f"/api/v1/entries/{body['id']}").status_code == 404
    assert count_entries(db) == 0


# --- another patient's entry is a 404 for every method (the IDOR matrix) ---------------------


@pytest.mark.parametrize(
    ("method", "payload"),
    [("get", None), ("patch", {"back_pain": 0}), ("delete", None)],
)
def test_another_patients_entry_is_not_found(alice, bob, method, payload):
    body = entry_body(back_pain=7)
    alice.post("/api/v1/entries", json=body)
    kwargs = {"json": payload} if payload is not None else {}
    response = getattr(bob, method)(f"/api/v1/entries/{body['id']}", **kwargs)
    assert response.status_code == 404
    assert alice.get(f"/api/v1/entries/{body['id']}").json()["back_pain"] == 7


def test_another_patients_entries_are_not_listed(alice, bob):
    alice.post("/api/v1/entries", json=entry_body())
    assert bob.get("/api/v1/entries").json() == []


def test_reusing_another_patients_id_is_a_conflict_that_reveals_nothing(alice, bob, db):
    body = entry_body(back_pain=7)
    alice.post("/api/v1/entries", json=body)
    response = bob.post("/api/v1/entries", json=body)
    assert response.status_code == 409
    assert "back_pain" not in response.text
    assert count_entries(db) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/entries"),
        ("post", "/api/v1/entries"),
        ("get", f"/api/v1/entries/{uuid.uuid4()}"),
        ("get", "/api/v1/profile"),
        ("put", "/api/v1/profile"),
        ("delete", "/api/v1/sessions/current"),
    ],
)
def test_a_stranger_is_refused_everywhere(stranger, method, path):
    kwargs = {"json": {}} if method in ("post", "put") else {}
    response = getattr(stranger, method)(path, **kwargs)
    assert response.status_code in (401, 403, 422)
    if response.status_code == 422:  # body validated before auth: still no data
        assert method in ("post", "put")
    assert "alice" not in response.text


def test_a_stranger_gets_401_for_a_valid_entry(stranger, db):
    response = stranger.post("/api/v1/entries", json=entry_body())
    assert response.status_code == 401
    assert count_entries(db) == 0


# --- the validation table: each bad input gets a clear message and changes nothing -----------

BAD_BODIES = [
    ("score above 10", {"back_pain": 11}, "score_range"),
    ("negative score", {"back_pain": -1}, "score_range"),
    ("float score", {"back_pain": 5.0}, "score_range"),
    ("boolean score", {"back_pain": True}, "score_range"),
    ("string score", {"back_pain": "5"}, "score_range"),
    ("no score at all", {"back_pain": None, "hip_pain": None}, "no_score"),
    ("unknown field", {"mood": "fine"}, "unknown_field"),
    ("unknown hip side", {"hip_side": "middle"}, "choice_invalid"),
    ("naive datetime", {"recorded_at": "2026-11-25T10:00:00"}, "datetime_invalid"),
    ("note too long", {"note": "x" * 2001}, "too_long"),
    ("control character", {"note": "fine\x00then"}, "control_characters"),
    ("unknown red flag", {"red_flags": ["headache"]}, "red_flag_unknown"),
    ("bad uuid", {"id": "not-a-uuid"}, "uuid_invalid"),
    ("helped without painkiller", {"painkiller_helped": True}, "painkiller_helped_without_taken"),
]


@pytest.mark.parametrize(("label", "change", "code"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(alice, db, label, change, code):
    body = {**entry_body(), **change}
    body = {k: v for k, v in body.items() if not (k in ("back_pain", "hip_pain") and v is None and code == "no_score")}
    response = alice.post("/api/v1/entries", json=body)
    assert response.status_code == 422
    codes = [e["code"] for e in response.json()["detail"]]
    assert code in codes
    assert all(e["msg"] for e in response.json()["detail"])
    assert "input" not in response.text and "xxxxxxxx" not in response.text
    assert count_entries(db) == 0


@pytest.mark.parametrize("raw", ['{"back_pain": 1_0}', '{"back_pain": +5}', "{not json", '{"back_pain": 05}'])
def test_malformed_json_is_refused_and_not_echoed(alice, db, raw):
    response = alice.post("/api/v1/entries", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert raw not in response.text
    assert count_entries(db) == 0


def test_repeated_query_parameters_are_refused(alice):
    response = alice.get("/api/v1/entries?from=2026-01-01&from=2026-02-01")
    assert response.status_code == 422


def test_messages_follow_her_language(alice):
    alice.put("/api/v1/profile", json={**alice.get("/api/v1/profile").json(), "locale": "de"})
    response = alice.post("/api/v1/entries", json={**entry_body(), "back_pain": 11})
    assert response.json()["detail"][0]["msg"] != "A pain score is a whole number from 0 to 10."
