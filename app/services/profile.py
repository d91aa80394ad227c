"""Her profile: stage dates, breastfeeding, timezone, language, reminders and risk context."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from app.domain.diary_day import local_today
from app.domain.stage import Stage, stage_on
from app.models import Patient, utcnow
from app.schemas import Profile
from app.services.errors import InvalidInput

PROFILE_FIELDS = tuple(Profile.model_fields)


def get_profile(patient: Patient) -> Profile:
    return Profile.model_validate({name: getattr(patient, name) for name in PROFILE_FIELDS})


def update_profile(*, session: Session, patient: Patient, profile: Profile, now: datetime | None = None) -> Patient:
    """Replace her profile. A delivery date may not lie in the future."""
    today = local_today(now or utcnow(), profile.timezone)
    if profile.delivery_date and profile.delivery_date > today:
        raise InvalidInput("delivery_in_future")
    for name in PROFILE_FIELDS:
        setattr(patient, name, getattr(profile, name))
    session.add(patient)
    session.commit()
    return patient


def record_birth(
    *, session: Session, patient: Patient, delivery_date: date, breastfeeding: bool, now: datetime | None = None
) -> Patient:
    """ "My baby is born": pregnancy becomes postpartum; nothing else has to be re-entered."""
    profile = get_profile(patient).model_copy(update={"delivery_date": delivery_date, "breastfeeding": breastfeeding})
    return update_profile(session=session, patient=patient, profile=profile, now=now)


def set_locale(*, session: Session, patient: Patient, locale: str | None) -> None:
    patient.locale = locale
    session.add(patient)
    session.commit()


def current_stage(patient: Patient, now: datetime | None = None) -> Stage:
    return stage_on(
        local_today(now or utcnow(), patient.timezone),
        due_date=patient.due_date,
        delivery_date=patient.delivery_date,
        breastfeeding=patient.breastfeeding,
        weaning_date=patient.weaning_date,
    )
