"""The clinician's summary at /s/{token}: contents, headers, identical 404s, rate limit, logs."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from app.domain.diary_day import local_today
from app.domain.summary_stats import UsualLevel, first_rise, gap_lengths, site_stats, usual_level
from app.main import create_app
from app.models import Acknowledgement, Entry, FlagChange, FlagEpisode, Patient, RedFlagAnswer, utcnow
from app.services import share
from tests.conftest import PASSWORD, make_settings, new_client

CLIENT_SIDE_LOGGERS = ("httpx", "httpcore")  # the test's own browser, not the app


def entry_row(patient: Patient, **fields: object) -> Entry:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "recorded_at": utcnow(),
        "create_fingerprint": uuid.uuid4().hex,
        **fields,
    }
    return Entry(**values)  # type: ignore[arg-type]


def alice_row(db: Session) -> Patient:
    return db.exec(select(Patient).where(Patient.email == "alice@example.org")).one()


def make_link(db: Session, patient: Patient, **kw: object) -> str:
    values: dict[str, object] = {"label": "Dr Weber", "password": PASSWORD, **kw}
    return share.create_link(session=db, patient=patient, **values).token  # type: ignore[arg-type]


def log_history(db: Session, patient: Patient, days: int = 40) -> None:
    """A usual level of 3, then a week at 8 (back); hip steady at 2."""
    today = local_today(utcnow(), patient.timezone)
    for n in range(days):
        back = 8 if n < 7 else 3
        db.add(entry_row(patient, day=today - timedelta(days=n), back_pain=back, hip_pain=2, note=f"day {n}"))
    db.commit()  # one commit: each one costs a sync to disk


def add_flag(db: Session, patient: Patient, started_on, acknowledged: bool = True) -> None:  # type: ignore[no-untyped-def]
    episode = FlagEpisode(patient_id=patient.id, started_on=started_on, level="see_clinician")
    db.add(episode)
    db.commit()
    reasons = [
        {
            "rule": "N2",
            "site": "back",
            "level": "see_clinician",
            "evidence": {"day": started_on.isoformat(), "value": 8},
        }
    ]
    reasons[0]["evidence"]["usual"] = 3  # type: ignore[index]
    db.add(FlagChange(episode_id=episode.id, day=started_on, level="see_clinician", reasons_json=json.dumps(reasons)))
    if acknowledged:
        db.add(Acknowledgement(patient_id=patient.id, seen_on=started_on + timedelta(days=1)))
    db.commit()


@pytest.fixture
def shared(alice, db: Session) -> tuple[Patient, str]:
    """Alice with six weeks of history, a flag, red-flag answers, a risk factor, and a link."""
    me = alice_row(db)
    me.risk_heparin = True
    me.first_pregnancy = True
    db.add(me)
    db.commit()
    log_history(db, me)
    today = local_today(utcnow(), me.timezone)
    add_flag(db, me, today - timedelta(days=6))
    db.add(RedFlagAnswer(patient_id=me.id, day=today - timedelta(days=6), code="sudden_onset", answer=True))
    db.add(RedFlagAnswer(patient_id=me.id, day=today - timedelta(days=6), code="bladder_bowel", answer=False))
    db.commit()
    return me, make_link(db, me)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Content -------------------------------------------------------------------------------


def test_the_summary_shows_what_a_clinician_needs_in_a_minute(shared, stranger):
    _, token = shared
    response = stranger.get(f"/s/{token}")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Patient-reported data; not a diagnosis." in text
    assert "Pregnant: week" in text and "First pregnancy Yes" in text
    assert "Heparin or LMWH in this pregnancy" in text
    assert "Did this pain start suddenly" in text and "Sudden onset reported" in text
    assert "Peak" in text and "8 on" in text and "Days logged" in text and "40 of 40" in text
    assert "Mean of the last 7 days" in text
    assert "see a clinician within days" in text
    assert "She recorded contacting her care team" in text
    assert "usual level of 3" in text  # the rule in words, with her figures
    assert "She chose not to share her notes." in text and "day 3" not in text
    assert response.text.count("<svg") == 2 and 'role="img"' in response.text
    assert '<th scope="row">' in response.text and '<th scope="col">' in response.text


def test_the_summary_has_no_inline_style_or_script_and_no_forms(shared, stranger):
    html = stranger.get(f"/s/{shared[1]}").text
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert "<form" not in html and "csrf" not in html
    assert "fracture" not in html.lower().split("risk context")[0]  # flags never name a diagnosis


def test_notes_appear_only_when_the_link_includes_them(shared, db, stranger):
    me, _ = shared
    token = make_link(db, me, include_notes=True)
    text = text_of(stranger.get(f"/s/{token}").text)
    assert "Her notes" in text and "day 3" in text


def test_a_marker_numbers_each_flag_on_the_chart(shared, stranger):
    html = stranger.get(f"/s/{shared[1]}").text
    assert 'class="flag-label"' in html and 'class="usual"' in html


def test_the_summary_follows_her_language_with_a_switch(shared, db, stranger):
    me, token = shared
    me.locale = "de"
    db.add(me)
    db.commit()
    german = stranger.get(f"/s/{token}")
    assert '<html lang="de">' in german.text and "Patientenangaben; keine Diagnose." in german.text
    assert 'href="?lang=en"' in german.text
    english = stranger.get(f"/s/{token}?lang=en")
    assert "Patient-reported data; not a diagnosis." in english.text


def test_an_empty_diary_still_gives_a_readable_summary(alice, db, stranger):
    token = make_link(db, alice_row(db))
    response = stranger.get(f"/s/{token}")
    assert response.status_code == 200 and "No flags in this period." in response.text


# --- Headers, 404s, methods -----------------------------------------------------------------


def test_the_summary_is_not_cached_indexed_or_referred(shared, stranger):
    headers = stranger.get(f"/s/{shared[1]}").headers
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-robots-tag"].startswith("noindex")
    assert headers["cache-control"] == "no-store"
    assert "set-cookie" not in headers


def test_unknown_expired_and_revoked_tokens_get_the_same_404(shared, db, stranger):
    me, _ = shared
    expired = make_link(db, me, expires_in_days=1, now=utcnow() - timedelta(days=2))
    revoked_new = share.create_link(session=db, patient=me, password=PASSWORD, label="x")
    share.revoke_link(session=db, patient=me, link_id=revoked_new.link.id)
    unknown = share.token_hash("x")[:43]
    answers = [stranger.get(f"/s/{token}") for token in (unknown, expired, revoked_new.token, "short")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert all(a.headers["cache-control"] == "no-store" and a.headers["x-robots-tag"] for a in answers)
    assert unknown not in answers[0].text


def test_the_summary_is_get_only(shared, stranger):
    assert stranger.post(f"/s/{shared[1]}").status_code == 405
    assert stranger.delete(f"/s/{shared[1]}").status_code == 405


# --- Rate limit ------------------------------------------------------------------------------


def test_the_summary_space_is_rate_limited_per_client(alice, db, database_url, engine):
    app = create_app(make_settings(database_url, share_views_per_minute=3), engine)
    token = make_link(db, alice_row(db))
    client = new_client(app)
    statuses = [client.get(path).status_code for path in (f"/s/{token}", "/s/" + "a" * 43, f"/s/{token}")]
    assert statuses == [200, 404, 200]
    limited = client.get(f"/s/{token}")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert limited.headers["cache-control"] == "no-store"


def test_the_counter_window_resets_after_a_minute(db):
    key = share.rate_key("secret", "203.0.113.9")
    start = utcnow()
    assert [share.count_request(session=db, key=key, limit=2, now=start) for _ in range(2)] == [None, None]
    assert share.count_request(session=db, key=key, limit=2, now=start + timedelta(seconds=30)) == 31
    assert share.count_request(session=db, key=key, limit=2, now=start + timedelta(seconds=61)) is None
    assert "203.0.113.9" not in key


# --- Logs --------------------------------------------------------------------------------------


def test_tokens_never_reach_the_logs(shared, db, stranger, caplog):
    me, token = shared
    revoked = share.create_link(session=db, patient=me, password=PASSWORD, label="y")
    share.revoke_link(session=db, patient=me, link_id=revoked.link.id)
    with caplog.at_level(logging.DEBUG):
        stranger.get(f"/s/{token}")
        stranger.get(f"/s/{revoked.token}")
        stranger.get(f"/s/{token}/extra")
        stranger.post(f"/s/{token}")
    app_records = [r for r in caplog.records if not r.name.startswith(CLIENT_SIDE_LOGGERS)]
    assert any(getattr(r, "fields", {}).get("route") == "/s/{token}" for r in app_records)
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in app_records)
    assert token not in logged and revoked.token not in logged


def test_the_log_filter_redacts_paths_that_carry_a_token():
    from app.web.middleware import RedactShareTokens

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" 200', ("/s/abcDEF_-1",), None
    )
    RedactShareTokens().filter(record)
    assert record.getMessage() == '"GET /s/[redacted] HTTP/1.1" 200'


# --- The figures (pure) ------------------------------------------------------------------------

D0 = date(2026, 3, 1)


def series(*scores: int | None) -> dict[date, int]:
    """Day values from D0 on; None = not logged."""
    return {D0 + timedelta(days=n): s for n, s in enumerate(scores) if s is not None}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (series(3, 3, 3, 3, 3, 3, 3, 3), UsualLevel(3, 3, 3)),
        (series(2, 3, 4, 5, 6), UsualLevel(3, 4, 5)),
        (series(3, 3, 3, 3), None),  # fewer than 5 values: undefined
        (series(), None),
    ],
)
def test_the_usual_level_is_the_middle_half_of_the_first_four_weeks(values, expected):
    assert usual_level(values) == expected


def test_the_usual_level_comes_from_the_four_weeks_before_the_first_flag():
    values = {**series(*[6] * 10), **{D0 + timedelta(days=40 + n): 2 for n in range(28)}}
    assert usual_level(values, reference_end=D0 + timedelta(days=68)) == UsualLevel(2, 2, 2)


def test_a_rise_counts_only_when_it_lasts_a_week():
    spike = series(*([3] * 28), 8, 3, 3, 3, 3, 3, 3)
    assert first_rise(spike, usual_level(spike)) is None
    sustained = series(*([3] * 28), 3, 6, 6, 7, 5, 6, 6, 6)
    assert first_rise(sustained, usual_level(sustained)) == D0 + timedelta(days=29)


@pytest.mark.parametrize(
    ("values", "end_offset", "gaps"),
    [
        (series(1, 1, 1), 2, []),
        (series(1, None, None, 1), 3, []),  # 2 missing days are not a gap
        (series(1, None, None, None, 1), 4, [3]),
        (series(1, 1), 9, [8]),  # not logged since: a gap up to the end
    ],
)
def test_gaps_are_runs_of_three_or_more_missing_days(values, end_offset, gaps):
    assert gap_lengths(values, D0 + timedelta(days=end_offset)) == gaps


def test_site_stats_report_peak_mean_and_coverage():
    values = series(3, 3, 3, 3, 3, 9, None, 4, 5)
    stats = site_stats(values, start=D0, end=D0 + timedelta(days=9))
    assert (stats.peak, stats.peak_day) == (9, D0 + timedelta(days=5))
    assert stats.mean7 == round((3 + 3 + 9 + 4 + 5) / 5, 1)
    assert (stats.days_logged, stats.period_days, stats.gaps) == (8, 10, 0)
