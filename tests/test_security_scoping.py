"""Every SQL statement a signed-in patient causes is scoped to her (docs/security.md, V4).

How: alice and bob each get a full diary (entries with notes, a flag episode, red-flag answers,
an acknowledgement, share links with a view, a push subscription, reminder choices, a planned
reminder). Then bob calls every route of the app while `tests/sql_capture.py` records each
statement the engine sends, and each one that names a patient table is judged (see
`sql_capture.judge`): it must bind bob's patient id, one of his parent rows, a secret only he
holds (listed in SECRETS with the reason), or the primary key of one of his own rows.

What is proved, on SQLite and on PostgreSQL:
- Every route is exercised or excused: the routes are read from the app, so a new route fails
  `test_every_route_is_exercised_or_excused` until it joins a scenario (or NO_PATIENT_ROUTES).
- Bob's own use: every statement is scoped to him, none sends a value of alice's (her id,
  email, notes, entry ids), and no answer contains her notes.
- Bob with alice's ids (entries, share links, her push endpoint): 404/409, none of her rows
  changes, her patient id is never sent, none of her notes comes back.
- A clinician opening bob's link reads only bob's rows.

What is not proved: statements outside these scenarios (the reminder worker and the CLI work
across patients by design); only top-level WHERE terms and an inner join of a child table to
its parent are credited (an OR, a subquery or an outer join fails, it does not pass); a bug
that binds the right id to the wrong rows by some other column is only caught where alice's
rows would change or come back.

This test found three reads by primary key alone (an entry or a share link loaded by its id,
the owner checked in Python afterwards); they are now scoped in SQL.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from app.models import Acknowledgement, Entry, FlagChange, FlagEpisode, Reminder, ShareLink, utcnow
from app.push.keys import generate_private_pem
from app.services.share import token_hash
from tests.conftest import PASSWORD, entry_body, make_entry, make_patient, make_settings, new_client, sign_in
from tests.sql_capture import Captured, Owner, Ownership, Recorder, Verdict, judge, keys_of, ownership, rows_of

ALICE_ID, BOB_ID = 424_242, 515_151  # distinctive, so a stray bound value cannot be a coincidence
NEW_PASSWORD = "violet staple orbit 93"
PUSH_HOST = "https://fcm.googleapis.com/fcm/send/"

PARENTS = {"flag_change": ("episode_id", "flag_episode"), "share_view": ("link_id", "share_link")}
SECRETS = {
    ("auth_session", "token_hash"): "SHA-256 of the session cookie, which only her browser holds",
    ("share_link", "token_hash"): "SHA-256 of the link token, which only she and her clinician hold",
    ("push_subscription", "endpoint"): "the push service's capability URL, known only to the subscribed "
    "browser (a known endpoint moves to whoever subscribes it: one browser, one owner)",
}
UNOWNED = {
    "login_throttle": "failure counts keyed by an HMAC of (email, client address); nothing of hers",
    "share_rate_limit": "/s/ request counts keyed by an HMAC of the client address; nothing of hers",
}
NO_PATIENT_ROUTES = {
    ("POST", "/api/v1/accounts"): "creates a new patient: nobody to scope to yet (test_api_accounts.py)",
    ("POST", "/signup"): "creates a new patient: nobody to scope to yet (test_pages.py)",
    ("POST", "/api/v1/sessions"): "finds a patient by email and password, before anyone is signed in",
    ("POST", "/signin"): "finds a patient by email and password, before anyone is signed in",
    ("MOUNT", "/static"): "files from disk; no database",
}
CLINICIAN_ROUTES = {("GET", "/s/{token}")}  # test_a_clinician_opening_bobs_link_reads_only_bobs_rows
WORKER_ONLY_TABLES = {"reminder"}  # written and read by the reminder worker only
UNSCOPED = "UNSCOPED"


# --- The ownership model and the routes -------------------------------------------------------


def ownership_model() -> Ownership:
    return ownership(SQLModel.metadata, parents=PARENTS, secrets=SECRETS, unowned=UNOWNED)


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path template) of every route; HEAD is implied by GET, a mount is ("MOUNT", path)."""
    found: set[tuple[str, str]] = set()
    for route in _walk(app.routes):
        methods = getattr(route, "methods", None)
        found |= {(m, route.path) for m in methods - {"HEAD"}} if methods else {("MOUNT", route.path)}
    return found


def _walk(routes: Iterable[Any]) -> Iterable[Any]:
    for route in routes:
        nested = getattr(route, "effective_route_contexts", None)  # routers included lazily (FastAPI 0.16x)
        yield from _walk(nested()) if nested else (route,)


# --- Personas with a full diary ------------------------------------------------------------------


@dataclass
class Diary:
    """What a seeded patient owns, by the values a request would carry."""

    patient_id: int
    email: str
    timezone: str
    entry_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    link_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    endpoint: str = ""

    @property
    def today(self) -> date:
        return utcnow().astimezone(ZoneInfo(self.timezone)).date()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def push_subscription(name: str) -> dict[str, Any]:
    keys = {"p256dh": b64url(b"\x04" + secrets.token_bytes(64)), "auth": b64url(secrets.token_bytes(16))}
    return {"endpoint": f"{PUSH_HOST}{name}-{secrets.token_hex(8)}", "keys": keys}


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def seed(db: Session, client: TestClient, diary: Diary, name: str) -> Diary:
    """A rich diary: quiet weeks, two severe days (an urgent flag), notes, answers, links, push."""
    due = diary.today + timedelta(days=60)
    patient = make_patient(db, diary.email, id=diary.patient_id, timezone=diary.timezone, due_date=due)
    for days_ago in range(8, 22):
        make_entry(db, patient, day=diary.today - timedelta(days=days_ago), back_pain=2)
    sign_in(client, diary.email)
    for days_ago in (1, 0, 0, 0):
        note = f"{name} private note {len(diary.notes)}: {secrets.token_hex(6)}"
        day = (diary.today - timedelta(days=days_ago)).isoformat()
        saved = ok(client.post("/api/v1/entries", json=entry_body(back_pain=8, note=note, day=day)), 201)
        diary.entry_ids.append(saved["id"])
        diary.notes.append(note)
    ok(client.post("/api/v1/red-flag-answers", json={"answers": {"new_limp": True, "height_loss": False}}), 201)
    ok(client.post("/api/v1/assessment/acknowledgements", json={"seen_on": diary.today.isoformat()}), 201)
    for label in ("midwife", "physio"):
        body = {"label": f"{name} {label}", "password": PASSWORD, "include_notes": True}
        created = ok(client.post("/api/v1/share-links", json=body), 201)
        diary.link_ids.append(created["id"])
        diary.tokens.append(created["url"].rsplit("/", 1)[-1])
    subscription = push_subscription(name)
    ok(client.post("/api/v1/push/subscriptions", json=subscription), 201)
    diary.endpoint = subscription["endpoint"]
    ok(client.put("/api/v1/reminders", json={"reminder_time": "20:00", "outside_windows": True}))
    db.add(Reminder(patient_id=diary.patient_id, day=diary.today, kind="daily", due_at=utcnow() + timedelta(days=1)))
    db.commit()
    return diary


# --- Scenarios: every route bob can call, as data ------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One request: the route it exercises (method, path template) and the status expected."""

    method: str
    route: str
    expect: int
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, str] | None = None
    json: Any = None
    form: dict[str, str] | None = None
    then_sign_in: str | None = None  # the session ended or rotated: sign in again (unrecorded)

    @property
    def url(self) -> str:
        return self.route.format(**self.path)

    @property
    def label(self) -> str:
        return f"{self.method} {self.url}"


def own_use(me: Diary) -> list[Step]:
    """Bob on his own diary: every route a signed-in patient has, the destructive ones last."""
    entry, today, yesterday = {"entry_id": me.entry_ids[0]}, me.today.isoformat(), me.today - timedelta(days=1)
    quiet = {"reminder_time": "21:00", "quiet_start": "22:00", "quiet_end": "07:00"}
    new_entry = entry_body(back_pain=3, note="bob's second thoughts")
    profile = {"timezone": me.timezone, "due_date": (me.today + timedelta(days=60)).isoformat(), "risk_heparin": True}
    form_profile = {"timezone": me.timezone, "due_date": profile["due_date"], "risk_steroids": "yes"}
    return [
        *[Step("GET", route, 200) for route in ("/healthz", "/api/openapi.json", "/api/docs", "/docs/oauth2-redirect")],
        *[Step("GET", route, 200) for route in ("/api/v1/push/public-key", "/sw.js", "/manifest.webmanifest")],
        *[Step("GET", route, 200) for route in ("/offline", "/consent", "/about")],
        Step("GET", "/signup", 303),
        Step("GET", "/signin", 303),
        Step("GET", "/api/v1/profile", 200),
        Step("PUT", "/api/v1/profile", 200, json=profile),
        Step("GET", "/api/v1/assessment", 200),
        Step("POST", "/api/v1/assessment/acknowledgements", 201, json={"seen_on": yesterday.isoformat()}),
        Step("POST", "/api/v1/red-flag-answers", 201, json={"answers": {"night_rest_pain": True}}),
        Step("POST", "/api/v1/entries", 201, json=new_entry),
        Step("POST", "/api/v1/entries", 200, json=new_entry),  # the same request again: a replay
        Step("GET", "/api/v1/entries", 200, query={"from": (me.today - timedelta(days=30)).isoformat(), "to": today}),
        Step("GET", "/api/v1/entries/{entry_id}", 200, path=entry),
        Step("PATCH", "/api/v1/entries/{entry_id}", 200, path=entry, json={"back_pain": 3, "note": "milder"}),
        Step("GET", "/api/v1/reminders", 200),
        Step("PUT", "/api/v1/reminders", 200, json=quiet),
        Step("POST", "/api/v1/push/subscriptions", 201, json=push_subscription("bob-tablet")),
        Step("GET", "/api/v1/share-links", 200),
        Step("POST", "/api/v1/share-links", 201, json={"label": "GP", "password": PASSWORD}),
        *[Step("GET", "/api/v1/export", 200, query={"format": kind}) for kind in ("json", "csv", "fhir")],
        Step("GET", "/", 200),
        Step("GET", "/", 200, query={"saved": me.entry_ids[0]}),
        Step("POST", "/entries", 303, form={"entry_id": str(uuid.uuid4()), "back_pain": "4", "note": "by form"}),
        Step("GET", "/entries/{entry_id}/edit", 200, path=entry),
        Step("POST", "/entries/{entry_id}", 303, path=entry, form={"back_pain": "5", "hip_pain": "1"}),
        Step("GET", "/entries/{entry_id}/delete", 200, path=entry),
        Step("GET", "/history", 200, query={"days": "90"}),
        Step("GET", "/profile", 200),
        Step("POST", "/profile", 303, form=form_profile),
        Step("GET", "/red-flags", 200),
        Step("POST", "/red-flags", 303, form={"new_limp": "no", "sudden_onset": "yes"}),
        Step("GET", "/flags/why", 200),
        Step("POST", "/flags/acknowledge", 303),
        Step("GET", "/reminders", 200),
        Step("POST", "/reminders", 303, form={"reminder_time": "19:30", "outside_windows": "yes"}),
        Step("GET", "/share", 200),
        Step("POST", "/share", 200, form={"label": "Physio", "expires_in_days": "7", "password": PASSWORD}),
        Step("GET", "/account", 200),
        Step("POST", "/language", 303, form={"lang": "de", "next": "/history"}),
        Step("GET", "/birth", 200),
        Step("POST", "/birth", 303, form={"delivery_date": today, "breastfeeding": "yes"}),
        *destructive(me),
    ]


def destructive(me: Diary) -> list[Step]:
    """Deleting, revoking, signing out, changing the password and, last, deleting the account."""
    password_form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    return [
        Step("DELETE", "/api/v1/entries/{entry_id}", 204, path={"entry_id": me.entry_ids[1]}),
        Step("POST", "/entries/{entry_id}/delete", 303, path={"entry_id": me.entry_ids[2]}),
        Step("DELETE", "/api/v1/push/subscriptions", 204, json={"endpoint": me.endpoint}),
        Step("DELETE", "/api/v1/share-links/{link_id}", 204, path={"link_id": me.link_ids[0]}),
        Step("POST", "/share/{link_id}/revoke", 303, path={"link_id": me.link_ids[1]}),
        Step("POST", "/account/delete", 401, form={"password": "not my password at all"}),
        Step("POST", "/account/password", 303, form=password_form, then_sign_in=NEW_PASSWORD),
        Step(
            "PUT",
            "/api/v1/account/password",
            200,
            json={"current_password": NEW_PASSWORD, "new_password": PASSWORD},
            then_sign_in=PASSWORD,
        ),
        Step("POST", "/signout", 303, then_sign_in=PASSWORD),
        Step("DELETE", "/api/v1/sessions/current", 204, then_sign_in=PASSWORD),
        Step("DELETE", "/api/v1/account", 204, json={"password": PASSWORD}),
    ]


def with_her_ids(her: Diary) -> list[Step]:
    """Bob sends alice's entry id, share-link id and push endpoint wherever a request takes one."""
    entry, link = {"entry_id": her.entry_ids[0]}, {"link_id": her.link_ids[0]}
    return [
        Step("GET", "/api/v1/entries/{entry_id}", 404, path=entry),
        Step("PATCH", "/api/v1/entries/{entry_id}", 404, path=entry, json={"back_pain": 0, "note": "mine now"}),
        Step("DELETE", "/api/v1/entries/{entry_id}", 404, path=entry),
        Step("POST", "/api/v1/entries", 409, json=entry_body(id=her.entry_ids[0], back_pain=0)),
        Step("GET", "/", 200, query={"saved": her.entry_ids[0]}),
        Step("GET", "/entries/{entry_id}/edit", 404, path=entry),
        Step("POST", "/entries/{entry_id}", 404, path=entry, form={"back_pain": "0"}),
        Step("GET", "/entries/{entry_id}/delete", 404, path=entry),
        Step("POST", "/entries/{entry_id}/delete", 404, path=entry),
        Step("POST", "/entries", 409, form={"entry_id": her.entry_ids[0], "back_pain": "0"}),
        Step("DELETE", "/api/v1/share-links/{link_id}", 404, path=link),
        Step("POST", "/share/{link_id}/revoke", 404, path=link),
        Step("DELETE", "/api/v1/push/subscriptions", 404, json={"endpoint": her.endpoint}),
    ]


def placeholder_diary() -> Diary:
    """Enough values to build the scenarios without a database (for the route check)."""
    ids = [str(uuid.uuid4()) for _ in range(4)]
    return Diary(1, "x@example.org", "UTC", entry_ids=ids, link_ids=[1, 2], endpoint=PUSH_HOST + "x")


def routes_of(steps: Iterable[Step]) -> set[tuple[str, str]]:
    return {(step.method, step.route) for step in steps}


# --- Playing a scenario under the recorder ----------------------------------------------------------


@dataclass
class Scene:
    """Alice and bob, seeded; bob's client; alice's rows as they were before bob's requests."""

    engine: Engine
    alice: Diary
    bob: Diary
    bob_client: TestClient
    model: Ownership = field(default_factory=ownership_model)
    alice_keys: dict[str, set[Any]] = field(default_factory=dict)

    def keys(self, patient_id: int) -> dict[str, set[Any]]:
        with self.engine.connect() as connection:
            return keys_of(connection, SQLModel.metadata, self.model, patient_id)

    def rows(self, patient_id: int) -> dict[str, list[tuple]]:
        with self.engine.connect() as connection:
            return rows_of(connection, SQLModel.metadata, self.model, patient_id)


@dataclass
class Played:
    statements: list[Captured]
    answers: list[tuple[Step, Response]]
    bob: Owner  # bob's id and every key his rows had during the run (never one of alice's)


def send(client: TestClient, step: Step) -> Response:
    response = client.request(step.method, step.url, params=step.query, json=step.json, data=step.form)
    assert response.status_code == step.expect, f"{step.label}: {response.status_code} {response.text[:300]}"
    return response


def play(scene: Scene, steps: list[Step], client: TestClient | None = None) -> Played:
    """Send each step as bob (or `client`), recording every statement; the ledger of his rows is
    refreshed after each step so rows created and deleted along the way still count as his."""
    played = Played([], [], remember(scene, Owner(BOB_ID)))
    with Recorder(scene.engine, SQLModel.metadata.tables) as recorder:
        for step in steps:
            recorder.step = step.label
            played.answers.append((step, send(client or scene.bob_client, step)))
            with recorder.paused():
                if step.then_sign_in:
                    sign_in_afresh(scene.bob_client, scene.bob.email, step.then_sign_in)
                remember(scene, played.bob)
    played.statements = recorder.statements
    return played


def remember(scene: Scene, bob: Owner) -> Owner:
    """Add the keys of bob's rows as they are now to his ledger (never a key of alice's)."""
    for table, keys in scene.keys(bob.patient_id).items():
        bob.keys.setdefault(table, set()).update(keys - scene.alice_keys.get(table, set()))
    return bob


def sign_in_afresh(client: TestClient, email: str, password: str) -> None:
    """As a browser that lost its session: no cookie, no CSRF token, then the sign-in API."""
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    sign_in(client, email, password)


def unscoped(played: Played, rules: Ownership) -> list[tuple[Captured, Verdict]]:
    return [(s, v) for s in played.statements for v in judge(s, rules, played.bob) if v.basis is None]


def explain(problems: list[tuple[Captured, Verdict]]) -> str:
    return "\n".join(f"{s.step} | {s.kind} {v.table}: {v.problem}\n    {s.text[:200]}" for s, v in problems)


def values_sent(played: Played, exact: set[str], contained: list[str]) -> list[str]:
    """Bound values equal to one of `exact` or containing one of `contained`, with their step."""
    hits = []
    for statement in played.statements:
        for value in map(str, statement.sent):
            if value in exact or any(marker in value for marker in contained):
                hits.append(f"{statement.step}: {value[:60]!r} in {statement.text[:100]}")
    return hits


def her_private_values(her: Diary) -> list[str]:
    uuids = [uuid.UUID(e) for e in her.entry_ids]
    return [her.email, *her.notes, *map(str, uuids), *(u.hex for u in uuids), *map(token_hash, her.tokens)]


def her_notes_shown(played: Played, her: Diary) -> list[str]:
    return [f"{step.label}: {note}" for step, answer in played.answers for note in her.notes if note in answer.text]


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def settings(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The test settings with a VAPID key of their own (for /api/v1/push/public-key)."""
    key = tmp_path / "vapid.pem"
    key.write_bytes(generate_private_pem())
    return make_settings(database_url, vapid_private_key_file=key)


@pytest.fixture
def scene(app, db: Session, engine: Engine) -> Scene:  # type: ignore[no-untyped-def]
    alice = seed(db, new_client(app), Diary(ALICE_ID, "alice@example.org", "Europe/Berlin"), "alice")
    bob_client = new_client(app)
    bob = seed(db, bob_client, Diary(BOB_ID, "bob@example.org", "UTC"), "bob")
    clinician = new_client(app)
    for token in (alice.tokens[0], bob.tokens[0]):
        assert clinician.get(f"/s/{token}").status_code == 200  # a view in each link's log
    built = Scene(engine, alice, bob, bob_client)
    built.alice_keys = built.keys(ALICE_ID)
    return built


# --- Tests ---------------------------------------------------------------------------------------


def test_every_table_is_classified():
    """A new table must say whose it is: hers (a patient_id column), a child, or nobody's."""
    found = ownership_model()
    assert set(SQLModel.metadata.tables) == found.tables | set(UNOWNED)
    assert not found.tables & set(UNOWNED)
    assert all(parent in found.owner_column for _, parent in PARENTS.values())
    assert {table for table, _ in SECRETS} <= found.tables


def test_every_route_is_exercised_or_excused(app):
    """Read from the app, so a new route fails here until a scenario calls it."""
    diary = placeholder_diary()
    exercised = routes_of(own_use(diary)) | CLINICIAN_ROUTES
    assert app_routes(app) - exercised - set(NO_PATIENT_ROUTES) == set()
    assert exercised | set(NO_PATIENT_ROUTES) <= app_routes(app)  # no stale names in the lists
    with_ids = {route for route in app_routes(app) if "{" in route[1]} - CLINICIAN_ROUTES
    assert with_ids <= routes_of(with_her_ids(diary))  # every id a request carries is tried with hers


OWN_ENTRY, OWN_EPISODE = uuid.uuid4(), 7
CHANGES_OF = select(FlagChange).join(FlagEpisode)  # a child read through its parent
CHECKER_CASES = {
    "his patient id": (select(Entry).where(Entry.patient_id == BOB_ID), ["patient_id"]),
    "his own row by key": (select(Entry).where(Entry.id == OWN_ENTRY), ["own row by id"]),
    "his parent row": (select(FlagChange).where(col(FlagChange.episode_id).in_([OWN_EPISODE])), ["episode_id"]),
    "joined to his parent": (
        CHANGES_OF.where(FlagEpisode.patient_id == BOB_ID),
        ["episode_id joined to flag_episode", "patient_id"],
    ),
    "a secret": (select(ShareLink).where(ShareLink.token_hash == "0" * 64), ["secret token_hash"]),
    "by key alone": (select(Entry).where(Entry.id == uuid.uuid4()), [UNSCOPED]),
    "someone else's id": (select(Entry.note).where(Entry.patient_id == ALICE_ID), [UNSCOPED]),
    "someone else's parent": (select(FlagChange).where(FlagChange.episode_id == OWN_EPISODE + 1), [UNSCOPED]),
    "joined to her parent": (CHANGES_OF.where(FlagEpisode.patient_id == ALICE_ID), [UNSCOPED, UNSCOPED]),
    "an OR": (select(Entry).where(or_(Entry.patient_id == BOB_ID, Entry.id == uuid.uuid4())), [UNSCOPED]),
    "no WHERE": (select(Entry.note), [UNSCOPED]),
    "raw SQL": (text("SELECT note FROM entry"), [UNSCOPED]),
    "moving rows": (update(Entry).where(Entry.patient_id == BOB_ID).values(patient_id=ALICE_ID), [UNSCOPED]),
    "inserting for another": (insert(Acknowledgement).values(patient_id=ALICE_ID, seen_on=date.today()), [UNSCOPED]),
}


@pytest.mark.parametrize("statement, expected", CHECKER_CASES.values(), ids=CHECKER_CASES.keys())
def test_the_checker_tells_scoped_from_unscoped(engine: Engine, statement: Any, expected: list[str]):
    """The check can fail: statements sent through the same recorder are judged as expected
    (one verdict per table of hers the statement names, in table-name order)."""
    with Recorder(engine, SQLModel.metadata.tables) as recorder, engine.connect() as connection:
        sent_anyway = suppress(IntegrityError)  # the insert's patient does not exist: it is sent all the same
        with sent_anyway:
            connection.execute(statement)
    (sent,) = [s for s in recorder.statements if s.tables]
    owner = Owner(BOB_ID, {"entry": {OWN_ENTRY}, "flag_episode": {OWN_EPISODE}})
    assert [v.basis or UNSCOPED for v in judge(sent, ownership_model(), owner)] == expected


def test_every_statement_of_bobs_own_use_is_scoped_to_him(scene: Scene):
    played = play(scene, own_use(scene.bob))
    assert not unscoped(played, scene.model), explain(unscoped(played, scene.model))
    leaked = values_sent(played, {str(ALICE_ID)}, her_private_values(scene.alice))
    assert not leaked, "\n".join(leaked)
    assert not her_notes_shown(played, scene.alice)
    reached = {v.table for s in played.statements for v in judge(s, scene.model, played.bob)}
    assert reached == scene.model.tables - WORKER_ONLY_TABLES  # the scenario reaches every table of his


def test_bob_with_alices_ids_gets_nothing_and_changes_nothing(scene: Scene):
    before = scene.rows(ALICE_ID)
    played = play(scene, with_her_ids(scene.alice))
    assert scene.rows(ALICE_ID) == before
    leaked = values_sent(played, {str(ALICE_ID)}, [scene.alice.email, *scene.alice.notes])
    assert not leaked, "\n".join(leaked)
    assert not her_notes_shown(played, scene.alice)
    problems = unscoped(played, scene.model)  # reading her row by its id alone counts too
    assert not problems, explain(problems)


def test_a_clinician_opening_bobs_link_reads_only_bobs_rows(scene: Scene, app):  # type: ignore[no-untyped-def]
    step = Step("GET", "/s/{token}", 200, path={"token": scene.bob.tokens[1]})
    played = play(scene, [step], client=new_client(app))
    assert not unscoped(played, scene.model), explain(unscoped(played, scene.model))
    page = played.answers[0][1].text
    assert scene.bob.notes[0] in page  # notes are shown: so alice's would be seen if they leaked
    assert not her_notes_shown(played, scene.alice)
