"""Her whole record, to take away: JSON (docs/export.md), CSV (one row per entry) and FHIR R4.

Every query is scoped to her. Share-link tokens are never exported (only their hashes exist,
and those are left out too).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import (
    Acknowledgement,
    Entry,
    FlagChange,
    FlagEpisode,
    Patient,
    RedFlagAnswer,
    utcnow,
)
from app.services.entries import list_entries, to_public
from app.services.profile import get_profile
from app.services.share import list_links

FORMAT_NAME = "back-hip-diary-export"
FORMAT_VERSION = 1
CSV_COLUMNS = (
    "id",
    "day",
    "recorded_at",
    "back_pain",
    "hip_pain",
    "hip_side",
    "back_region",
    "woke_at_night",
    "could_not_lift_baby",
    "walking_limited",
    "painkiller_taken",
    "painkiller_helped",
    "red_flags",
    "note",
    "created_at",
    "updated_at",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
PAIN_CODE = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
# SNOMED CT body structures for the sites she scores.
BODY_SITES = {
    "back": ("77568009", "Structure of back of trunk"),
    "upper_mid": ("1141986006", "Structure of thoracic vertebral column region"),
    "lower": ("1141985005", "Structure of lumbar vertebral column region"),
    "hip": ("29836001", "Hip region structure"),
}
ID_NAMESPACE = uuid.UUID("6f1d3c52-5b8e-4f47-9a43-2f7c1b0e9d11")  # stable ids across exports


# --- JSON ----------------------------------------------------------------------------------


def export_json(*, session: Session, patient: Patient, now: datetime | None = None) -> dict[str, Any]:
    """Everything about her, as documented in docs/export.md."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": (now or utcnow()).isoformat(),
        "account": {
            "email": patient.email,
            "created_at": patient.created_at.isoformat(),
            "consent_version": patient.consent_version,
            "consent_at": patient.consent_at.isoformat(),
        },
        "profile": get_profile(patient).model_dump(mode="json"),
        "entries": [to_public(e).model_dump(mode="json") for e in list_entries(session=session, patient=patient)],
        "red_flag_answers": _red_flag_answers(session, patient),
        "acknowledgements": _acknowledgements(session, patient),
        "flag_episodes": _flag_episodes(session, patient),
        "share_links": _share_links(session, patient),
    }


def _red_flag_answers(session: Session, patient: Patient) -> list[dict[str, Any]]:
    rows = session.exec(
        select(RedFlagAnswer)
        .where(RedFlagAnswer.patient_id == patient.id)
        .order_by(col(RedFlagAnswer.day), col(RedFlagAnswer.code))
    )
    return [
        {"day": r.day.isoformat(), "code": r.code, "answer": r.answer, "answered_at": r.answered_at.isoformat()}
        for r in rows
    ]


def _acknowledgements(session: Session, patient: Patient) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Acknowledgement).where(Acknowledgement.patient_id == patient.id).order_by(col(Acknowledgement.seen_on))
    )
    return [{"seen_on": r.seen_on.isoformat(), "created_at": r.created_at.isoformat()} for r in rows]


def _flag_episodes(session: Session, patient: Patient) -> list[dict[str, Any]]:
    episodes = session.exec(
        select(FlagEpisode).where(FlagEpisode.patient_id == patient.id).order_by(col(FlagEpisode.started_on))
    ).all()
    changes: dict[int, list[dict[str, Any]]] = {e.id: [] for e in episodes}  # type: ignore[misc]
    if episodes:
        query = select(FlagChange).where(col(FlagChange.episode_id).in_(list(changes)))
        for c in session.exec(query.order_by(col(FlagChange.day), col(FlagChange.id))):
            changes[c.episode_id].append({"day": c.day.isoformat(), "level": c.level, "reasons": _reasons(c)})
    return [_episode(e, changes[e.id]) for e in episodes]  # type: ignore[index]


def _reasons(change: FlagChange) -> list[Any]:
    try:
        reasons = json.loads(change.reasons_json)
    except ValueError:
        return []
    return reasons if isinstance(reasons, list) else []


def _episode(episode: FlagEpisode, changes: list[dict[str, Any]]) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "started_on": iso(episode.started_on),
        "level": episode.level,
        "closed_on": iso(episode.closed_on),
        "acknowledged_on": iso(episode.acknowledged_on),
        "retracted_on": iso(episode.retracted_on),
        "baseline_back": episode.baseline_back,
        "baseline_hip": episode.baseline_hip,
        "changes": changes,
    }


def _share_links(session: Session, patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "label": h.link.label,
            "include_notes": h.link.include_notes,
            "created_at": h.link.created_at.isoformat(),
            "expires_at": h.link.expires_at.isoformat(),
            "revoked_at": h.link.revoked_at.isoformat() if h.link.revoked_at else None,
            "views": [
                {"viewed_at": v.viewed_at.isoformat(), "browser": v.browser, "device": v.device} for v in h.views
            ],
        }
        for h in list_links(session=session, patient=patient)
    ]


# --- CSV -----------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: formula-like starts get a leading single quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_csv(*, session: Session, patient: Patient) -> str:
    """One row per entry, oldest first, with a header row (columns: CSV_COLUMNS)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in reversed(list_entries(session=session, patient=patient)):
        writer.writerow([csv_cell(getattr(entry, column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


# --- FHIR R4 -------------------------------------------------------------------------------


def _urn(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, ':'.join(str(p) for p in parts))}"


def export_fhir(*, session: Session, patient: Patient, now: datetime | None = None) -> dict[str, Any]:
    """A FHIR R4 Bundle (type collection): a Patient (no email, no name) and one Observation per
    score (LOINC 72514-3, valueInteger 0-10, effectiveDateTime, SNOMED CT body site)."""
    subject = _urn("patient", patient.id)
    resources = [{"fullUrl": subject, "resource": {"resourceType": "Patient", "id": subject[9:], "active": True}}]
    for entry in reversed(list_entries(session=session, patient=patient)):
        for site, score in (("back", entry.back_pain), ("hip", entry.hip_pain)):
            if score is not None:
                url = _urn("observation", entry.id, site)
                resources.append({"fullUrl": url, "resource": _observation(entry, site, score, url, subject)})
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": (now or utcnow()).isoformat(),
        "entry": resources,
    }


def _body_site(entry: Entry, site: str) -> dict[str, Any]:
    key = entry.back_region if site == "back" and entry.back_region in BODY_SITES else site
    code, display = BODY_SITES[key]
    concept: dict[str, Any] = {"coding": [{"system": SNOMED, "code": code, "display": display}]}
    if site == "hip" and entry.hip_side:
        concept["text"] = f"{display}, {entry.hip_side}"
    return concept


def _observation(entry: Entry, site: str, score: int, url: str, subject: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": url[9:],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": {"coding": [PAIN_CODE], "text": "Back pain" if site == "back" else "Hip or groin pain"},
        "subject": {"reference": subject},
        "effectiveDateTime": entry.recorded_at.isoformat(),
        "valueInteger": score,
        "bodySite": _body_site(entry, site),
    }
