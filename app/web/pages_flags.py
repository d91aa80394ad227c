"""Pages of the trend detector: the red-flag questions, "why am I seeing this?", and
"I have contacted my care team"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from app.domain import trend
from app.domain.diary_day import local_today
from app.domain.stage import Phase
from app.domain.trend_text import RED_FLAG_QUESTIONS
from app.models import Patient, utcnow
from app.services import flags
from app.services.errors import InvalidInput
from app.services.profile import current_stage
from app.web.deps import DbSession, PagePatient, csrf_protect
from app.web.pages_common import FormFields, Page, redirect

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
YES_NO = {"yes": True, "no": False}


def red_flag_questions(me: Patient, page: Page) -> list[tuple[str, str]]:
    """(code, question in her language), most serious first; the pregnancy question only in pregnancy."""
    pregnant = current_stage(me).phase is Phase.PREGNANT
    return [
        (code, page.gettext(RED_FLAG_QUESTIONS[code]))
        for code, flag in trend.RED_FLAGS.items()
        if pregnant or not flag.pregnant_only
    ]


def assessment_context(page: Page, db: DbSession, me: Patient) -> dict[str, Any]:
    """What the assessment card needs: the assessment, today's answers and the questions."""
    today = local_today(utcnow(), me.timezone)
    result = flags.assessment(session=db, patient=me, gettext=page.gettext)
    acknowledged = flags.acknowledgement_days(session=db, patient=me)
    return {
        "assessment": result,
        "questions": red_flag_questions(me, page),
        "answers": flags.answers_on(session=db, patient=me, day=today),
        "acknowledged_today": today in acknowledged,
        "emergency_number": page.request.app.state.settings.emergency_number,
    }


@router.get("/red-flags")
def red_flag_form(page: Page, me: PagePatient, db: DbSession) -> Response:
    return page.render("red_flags.html", {**assessment_context(page, db, me), "hide_questions": True})


@router.post("/red-flags")
def answer_red_flags(page: Page, me: PagePatient, form: FormFields, db: DbSession) -> Response:
    codes = {code for code, _ in red_flag_questions(me, page)}
    answers = {code: YES_NO[form[code]] for code in codes if form.get(code) in YES_NO}
    try:
        flags.record_answers(session=db, patient=me, answers=answers)
    except InvalidInput:
        return redirect("/red-flags")
    return redirect("/?answered=1")


@router.get("/flags/why")
def why(page: Page, me: PagePatient, db: DbSession) -> Response:
    result = flags.assessment(session=db, patient=me, gettext=page.gettext)
    explained = [(reason, trend.explain(reason, gettext=page.gettext)) for reason in result.reasons]
    return page.render("flags_why.html", {"assessment": result, "explained": explained})


@router.post("/flags/acknowledge")
def acknowledge(page: Page, me: PagePatient, db: DbSession) -> Response:
    flags.acknowledge(session=db, patient=me)
    return redirect("/?acknowledged=1")
