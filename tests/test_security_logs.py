"""A whole patient's life in the app leaves no note text, email, share token, session id or
password in any log record (root logger at DEBUG, plus uvicorn's loggers), the reminder worker's
sends (one refused, one delivered) included."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from app.push.worker import Worker
from tests.conftest import PASSWORD as FAULT_PASSWORD
from tests.conftest import entry_body, new_client
from tests.test_faults import EMAIL as FAULT_EMAIL
from tests.test_faults import Server, patient_id  # noqa: F401  (fixture)
from tests.test_faults import sign_in as fault_sign_in
from tests.test_pages import csrf_from

EMAIL = "log-scenario@example.org"
PASSWORD = "a-long-unusual-passphrase-7431"
NEW_PASSWORD = "another-long-passphrase-9902"
LOGGERS = (
    "",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
)  # not "sqlalchemy": turned up on purpose it echoes SQL parameters


def _all_text(records: list[logging.LogRecord]) -> str:
    parts = []
    for record in records:
        parts += [record.getMessage(), str(record.args), str(getattr(record, "fields", "")), record.name]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
    return "\n".join(parts)


def test_a_full_scenario_leaves_no_secret_or_health_data_in_any_log(push_app, fake_push, caplog):
    note = f"private-note-{uuid.uuid4().hex}"
    secrets: list[str] = [note, EMAIL, PASSWORD, NEW_PASSWORD]
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    client = new_client(push_app)

    # Sign up through the form, then the profile, entries, red flags and an acknowledgement.
    token = csrf_from(client.get("/signup").text)
    form = {"email": EMAIL, "password": PASSWORD, "consent": "yes", "timezone": "Europe/Berlin", "csrf_token": token}
    assert client.post("/signup", data=form).status_code == 303
    secrets.append(client.cookies.get("bhd_session"))
    csrf = csrf_from(client.get("/").text)
    client.headers["X-CSRF-Token"] = csrf
    due = (datetime.now(UTC).date() + timedelta(weeks=6)).isoformat()
    assert client.put("/api/v1/profile", json={"due_date": due, "timezone": "Europe/Berlin"}).status_code == 200
    for back in (3, 6, 9):
        body = entry_body(back_pain=back, note=note)
        assert client.post("/api/v1/entries", json=body).status_code == 201
    answers = {"answers": {"night_pain": True, "fall_or_injury": False}}
    assert client.post("/api/v1/red-flag-answers", json=answers).status_code in (201, 422)
    client.post("/api/v1/assessment/acknowledgements", json={"seen_on": datetime.now(UTC).date().isoformat()})

    # A share link with notes, opened by the clinician; then the export and a push subscription.
    link = {"label": "Dr Example", "include_notes": True, "password": PASSWORD}
    created = client.post("/api/v1/share-links", json=link)
    assert created.status_code == 201
    url = created.json()["url"]
    share_token = url.rsplit("/", 1)[1]
    secrets.append(share_token)
    clinician = new_client(push_app)
    summary = clinician.get(f"/s/{share_token}")
    assert summary.status_code == 200 and note in summary.text
    for kind in ("json", "csv", "fhir"):
        assert client.get(f"/api/v1/export?format={kind}").status_code == 200
    subscription = fake_push.subscription()
    secrets += [subscription["endpoint"], subscription["keys"]["auth"]]
    assert client.post("/api/v1/push/subscriptions", json=subscription).status_code == 201
    # A red flag queues the detector's push; the worker sends it (refused once, then delivered).
    emergency = entry_body(back_pain=9, red_flags=["saddle_numbness"], note=note)
    assert client.post("/api/v1/entries", json=emergency).status_code == 201
    fake_push.answer(503, endpoint=subscription["endpoint"])
    worker = Worker(engine=push_app.state.engine, settings=push_app.state.settings)
    worker.run_once()
    worker.clock = lambda: datetime.now(UTC) + timedelta(hours=1)  # past the retry
    worker.run_once()
    assert fake_push.messages_for(subscription["endpoint"]), "the worker's push arrived"
    # Mistakes are logged too: a wrong password and bad input must not be echoed either.
    wrong = {"current_password": note, "new_password": NEW_PASSWORD}
    assert client.put("/api/v1/account/password", json=wrong).status_code == 401
    assert client.post("/api/v1/entries", json=entry_body(back_pain=11, note=note)).status_code == 422

    # Password change, then sign out through the page.
    changed = client.put("/api/v1/account/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200
    secrets.append(client.cookies.get("bhd_session"))
    client.headers["X-CSRF-Token"] = changed.json()["csrf_token"]
    assert client.post("/signout", data={"csrf_token": changed.json()["csrf_token"]}).status_code == 303

    logged = _all_text(caplog.records)
    assert re.search(r"/s/\{token\}|/api/v1/share-links", logged), "the scenario's requests were logged"
    assert any(r.name == "app.push" for r in caplog.records), "the worker's refused send was logged"
    leaked = [secret for secret in secrets if secret and secret in logged]
    assert not leaked, f"{len(leaked)} secret value(s) reached the logs"


def test_a_real_server_process_at_debug_logs_secrets_nowhere(database_url, engine, patient_id, tmp_path):  # noqa: F811
    """What an operator's log file holds: `python -m app serve` with LOG_LEVEL=DEBUG (uvicorn's
    own loggers and its access log included), through sign-in, a save with a note, a share link
    and the clinician's view, then a shutdown."""
    log = tmp_path / "server.log"
    server = Server(database_url, log)
    server.env["LOG_LEVEL"] = "DEBUG"
    server.start()
    note = f"private-note-{uuid.uuid4().hex}"
    try:
        cookies, csrf = fault_sign_in(server.base)
        with httpx.Client(base_url=server.base, cookies=cookies, headers={"X-CSRF-Token": csrf}, timeout=10) as phone:
            assert phone.post("/api/v1/entries", json=entry_body(back_pain=8, note=note)).status_code == 201
            link = {"label": "Dr Example", "include_notes": True, "password": FAULT_PASSWORD}
            share_token = phone.post("/api/v1/share-links", json=link).json()["url"].rsplit("/", 1)[1]
        clinician = httpx.get(f"{server.base}/s/{share_token}", timeout=10)
        assert clinician.status_code == 200 and note in clinician.text
    finally:
        server.stop()
    logged = log.read_text()
    assert '"route": "/api/v1/entries"' in logged and '"route": "/s/{token}"' in logged  # the requests were logged
    secrets = [note, FAULT_EMAIL, FAULT_PASSWORD, share_token, *cookies.values(), csrf]
    assert [secret for secret in secrets if secret in logged] == []
