"""Her data is hers: JSON (everything), CSV (one row per entry, formula-safe), FHIR R4 (validated)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlmodel import Session, select

from app.models import Acknowledgement, FlagChange, FlagEpisode, Patient, RedFlagAnswer, utcnow
from app.services import share
from app.services.export import CSV_COLUMNS, csv_cell
from tests.conftest import PASSWORD, make_entry


def alice_row(db: Session) -> Patient:
    return db.exec(select(Patient).where(Patient.email == "alice@example.org")).one()


@pytest.fixture
def record(alice, db: Session) -> Patient:
    """Alice with entries, an answer, an acknowledgement, a flag and a viewed share link."""
    me = alice_row(db)
    today = utcnow().date()
    make_entry(db, me, day=today, back_pain=7, hip_pain=None, back_region="lower", note='=HYPERLINK("x")')
    make_entry(db, me, day=today - timedelta(days=1), back_pain=None, hip_pain=5, hip_side="left", note="@home")
    make_entry(db, me, day=today - timedelta(days=2), back_pain=3, hip_pain=2, note="-2 better\ttoday")
    db.add(RedFlagAnswer(patient_id=me.id, day=today, code="sudden_onset", answer=True))
    db.add(Acknowledgement(patient_id=me.id, seen_on=today))
    episode = FlagEpisode(patient_id=me.id, started_on=today, level="watch")
    db.add(episode)
    db.commit()
    reasons = [{"rule": "N3", "site": "back", "level": "watch", "evidence": {"day": today.isoformat(), "value": 7}}]
    db.add(FlagChange(episode_id=episode.id, day=today, level="watch", reasons_json=json.dumps(reasons)))
    db.commit()
    share.create_link(session=db, patient=me, password=PASSWORD, label="Dr Weber")
    return me


def download(client, kind: str):  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/export?format={kind}")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store"
    return response


def test_json_holds_everything_about_her_and_no_token(record, alice, db):
    data = download(alice, "json").json()
    assert data["format"] == "back-hip-diary-export" and data["version"] == 1
    assert data["account"]["email"] == "alice@example.org"
    assert data["profile"]["timezone"] == "Europe/Berlin"
    assert len(data["entries"]) == 3
    assert data["red_flag_answers"][0]["code"] == "sudden_onset"
    assert len(data["acknowledgements"]) == 1
    assert data["flag_episodes"][0]["changes"][0]["reasons"][0]["rule"] == "N3"
    assert data["share_links"][0]["label"] == "Dr Weber"
    link = share.list_links(session=db, patient=record)[0].link
    text = json.dumps(data)
    assert link.token_hash not in text and "password" not in text


def test_json_sections_match_the_documented_schema(record, alice):
    data = download(alice, "json").json()
    documented = (Path(__file__).resolve().parent.parent / "docs" / "export.md").read_text()
    for key in data:
        assert f"`{key}`" in documented, key


def test_csv_has_one_row_per_entry_and_escapes_formulas(record, alice):
    response = download(alice, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 4
    notes = [row[CSV_COLUMNS.index("note")] for row in rows[1:]]
    assert notes == ["'-2 better\ttoday", "'@home", '\'=HYPERLINK("x")']


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30", "'+49 30"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("fine", "fine"),
        (5, "5"),
        (True, "yes"),
        (None, ""),
    ],
)
def test_csv_cells_that_could_run_as_formulas_are_quoted(value, cell):
    assert csv_cell(value) == cell


def test_fhir_is_a_valid_r4_bundle_with_an_observation_per_score(record, alice):
    response = download(alice, "fhir")
    assert response.headers["content-type"].startswith("application/fhir+json")
    data = response.json()
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    resources = [entry.resource for entry in bundle.entry]
    patients = [r for r in resources if r.get_resource_type() == "Patient"]
    observations = [r for r in resources if r.get_resource_type() == "Observation"]
    assert len(patients) == 1 and len(observations) == 4  # 1 + 1 + 2 scores
    assert "alice@example.org" not in response.text
    for obs in observations:
        assert obs.code.coding[0].system == "http://loinc.org" and obs.code.coding[0].code == "72514-3"
        assert 0 <= obs.valueInteger <= 10 and obs.effectiveDateTime is not None
        assert obs.bodySite.coding[0].system == "http://snomed.info/sct"
        assert obs.subject.reference == bundle.entry[0].fullUrl
    sites = {(o.valueInteger, o.bodySite.coding[0].code) for o in observations}
    assert (7, "1141985005") in sites  # lower back
    assert (5, "29836001") in sites  # hip region


def test_export_is_hers_only(record, alice, bob):
    assert bob.get("/api/v1/export?format=json").json()["entries"] == []
    assert "Dr Weber" not in bob.get("/api/v1/export?format=json").text


def test_export_needs_a_session_and_a_known_format(alice, stranger):
    assert stranger.get("/api/v1/export?format=json").status_code == 401
    response = alice.get("/api/v1/export?format=xml")
    assert response.status_code == 422 and response.json()["detail"]["code"] == "export_format"


def test_the_account_page_offers_the_downloads(alice):
    html = alice.get("/account").text
    for kind in ("json", "csv", "fhir"):
        assert f'href="/api/v1/export?format={kind}"' in html
