"""Pages for signing up, signing in and out, the password, the language and deleting the account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.i18n import LOCALES
from app.schemas import TIMEZONES, AccountCreate, Credentials, PasswordChange, PasswordConfirmation
from app.services import auth, profile
from app.services.errors import BadCredentials, ServiceError, TooManyAttempts
from app.web.deps import DbSession, PagePatient, client_address, cookie_names, csrf_protect, policy_of, settings_of
from app.web.errors import status_for
from app.web.messages import field_errors, message
from app.web.pages_common import FormFields, Page, redirect
from app.web.session_cookie import clear_session_cookie, set_session_cookie

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _errors_by_field(exc: ValidationError, locale: str) -> dict[str, str]:
    return {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in field_errors(list(exc.errors()), locale)}


def _service_error(page: Page, exc: ServiceError, template: str, context: dict[str, Any]) -> Response:
    errors = {"form": message(exc.code, page.locale)}
    response = page.render(template, {**context, "errors": errors}, status_for(exc))
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


@router.get("/signup")
def signup_form(page: Page) -> Response:
    if page.auth.patient:
        return redirect("/")
    return page.render("signup.html", {"errors": {}, "values": {}})


@router.post("/signup")
def signup(page: Page, form: FormFields, db: DbSession, request: Request) -> Response:
    values = {"email": form.get("email", ""), "timezone": form.get("timezone") or "UTC"}
    try:
        body = AccountCreate(
            email=form.get("email", ""),
            password=form.get("password", ""),
            consent=form.get("consent") == "yes" or None,  # type: ignore[arg-type]
            timezone=values["timezone"] if values["timezone"] in TIMEZONES else "UTC",
            locale=page.locale,
        )
        patient = auth.create_account(
            session=db,
            policy=policy_of(request),
            email=body.email,
            password=body.password,
            client=client_address(request),
            timezone=body.timezone,
            locale=body.locale,
        )
    except ValidationError as exc:
        return page.render("signup.html", {"errors": _errors_by_field(exc, page.locale), "values": values}, 422)
    except ServiceError as exc:
        return _service_error(page, exc, "signup.html", {"values": values})
    new = auth.start_session(session=db, patient_id=patient.id, replaces=page.auth.token)
    response = redirect("/profile?welcome=1")
    set_session_cookie(request, response, new.token)
    return response


@router.get("/signin")
def signin_form(page: Page) -> Response:
    if page.auth.patient:
        return redirect("/")
    return page.render("signin.html", {"errors": {}, "values": {}})


@router.post("/signin")
def signin(page: Page, form: FormFields, db: DbSession, request: Request) -> Response:
    values = {"email": form.get("email", "")}
    try:
        body = Credentials(email=form.get("email", ""), password=form.get("password", ""))
        patient = auth.authenticate(
            session=db,
            policy=policy_of(request),
            email=body.email,
            password=body.password,
            client=client_address(request),
        )
    except ValidationError:
        return _service_error(page, BadCredentials(), "signin.html", {"values": values})
    except ServiceError as exc:
        return _service_error(page, exc, "signin.html", {"values": values})
    new = auth.start_session(session=db, patient_id=patient.id, replaces=page.auth.token)
    response = redirect("/")
    set_session_cookie(request, response, new.token)
    return response


@router.post("/signout")
def signout(page: Page, db: DbSession, request: Request) -> Response:
    if page.auth.token:
        auth.end_session(session=db, token=page.auth.token)
    response = redirect("/signin")
    clear_session_cookie(request, response)
    return response


@router.get("/account")
def account_page(page: Page, me: PagePatient) -> Response:
    return page.render("account.html", {"errors": {}, "changed": page.request.query_params.get("changed")})


@router.post("/account/password")
def change_password(page: Page, me: PagePatient, form: FormFields, db: DbSession, request: Request) -> Response:
    try:
        body = PasswordChange(
            current_password=form.get("current_password", ""), new_password=form.get("new_password", "")
        )
        if form.get("new_password") != form.get("new_password_again"):
            return page.render(
                "account.html", {"errors": {"new_password_again": message("passwords_differ", page.locale)}}, 422
            )
        new = auth.change_password(
            session=db,
            patient=me,
            current_password=body.current_password,
            new_password=body.new_password,
            current_token=page.auth.token or "",
        )
    except ValidationError as exc:
        return page.render("account.html", {"errors": _errors_by_field(exc, page.locale)}, 422)
    except ServiceError as exc:
        errors = {"current_password": message(exc.code, page.locale)}
        return page.render("account.html", {"errors": errors}, 401)
    response = redirect("/account?changed=1")
    set_session_cookie(request, response, new.token)
    return response


@router.post("/account/delete")
def delete_account(page: Page, me: PagePatient, form: FormFields, db: DbSession, request: Request) -> Response:
    try:
        body = PasswordConfirmation(password=form.get("password", ""))
        auth.delete_account(session=db, patient=me, password=body.password)
    except (ValidationError, ServiceError):
        errors = {"delete_password": message("wrong_password", page.locale)}
        return page.render("account.html", {"errors": errors}, 401)
    response = redirect("/?deleted=1")
    clear_session_cookie(request, response)
    return response


@router.post("/language")
def choose_language(page: Page, form: FormFields, db: DbSession, request: Request) -> Response:
    """Switch language: saved in her profile when signed in, else in a cookie."""
    locale = form.get("lang")
    if locale not in LOCALES:
        locale = page.locale
    if page.auth.patient is not None:
        profile.set_locale(session=db, patient=page.auth.patient, locale=locale)
    target = form.get("next", "/")
    response = redirect(
        target if isinstance(target, str) and target.startswith("/") and not target.startswith("//") else "/"
    )
    settings = settings_of(request)
    response.set_cookie(
        cookie_names(settings)[2], locale, max_age=365 * 86400, samesite="lax", secure=settings.secure_cookies
    )
    return response


@router.get("/consent")
def consent_page(page: Page) -> Response:
    return page.render("consent.html", {"version": auth.CONSENT_VERSION})


@router.get("/about")
def about_page(page: Page) -> Response:
    return page.render("about.html")
