"""Test fixtures: a real database per test, the real app, and personas.

- SQLite (default): each test gets its own copy of a freshly migrated database file.
- PostgreSQL: set TEST_DATABASE_URL (CI does); migrated once, every table emptied between tests.
  With REQUIRE_POSTGRES=1 (CI) an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from app.config import Environment, Settings
from app.db import build_engine
from app.main import create_app
from app.migrate import upgrade
from app.models import Entry, Patient
from app.services.auth import CONSENT_VERSION
from app.services.passwords import hash_password

pytest_plugins = ["tests.fake_push"]  # the fake push service and the push settings (fixtures)

PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return f"database leg: PostgreSQL ({url.split('@')[-1]})"
    return "database leg: SQLite (set TEST_DATABASE_URL for the PostgreSQL leg)"


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "app_env": Environment.TEST,
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "base_url": "http://testserver",
        "log_level": "WARNING",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    engine = build_engine(make_settings(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # the CI leg must not silently fall back to SQLite
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {type(exc).__name__}", returncode=3)
    finally:
        engine.dispose()
    with build_engine(make_settings(url)).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(make_settings(url))
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(make_settings(f"sqlite:///{path}"))
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if os.environ.get("REQUIRE_POSTGRES") == "1" and not os.environ.get("TEST_DATABASE_URL"):
        pytest.exit("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set", returncode=3)
    pg = request.getfixturevalue("postgres_url")
    if pg:
        return pg
    path = tmp_path / "diary.sqlite3"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = build_engine(settings)
    yield engine
    if not settings.is_sqlite:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """The test's own view of the database. Call `db.rollback()` before reading what the app
    wrote: it ends the read snapshot (SQLite WAL and PostgreSQL both keep one per transaction)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    return create_app(settings, engine)


def new_client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def make_patient(session: Session, email: str, **fields: object) -> Patient:
    patient = Patient(
        email=email,
        password_hash=hash_password(PASSWORD),
        consent_version=CONSENT_VERSION,
        consent_at=datetime.now(UTC),
        **fields,  # type: ignore[arg-type]
    )
    session.add(patient)
    session.commit()
    return patient


def make_entry(session: Session, patient: Patient, **fields: object) -> Entry:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "patient_id": patient.id,
        "recorded_at": now,
        "day": now.date(),
        "back_pain": 4,
        "create_fingerprint": uuid.uuid4().hex,
        **fields,
    }
    entry = Entry(**values)  # type: ignore[arg-type]
    session.add(entry)
    session.commit()
    return entry


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the API; returns the CSRF token and sets it as a default header."""
    response = client.post("/api/v1/sessions", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


@pytest.fixture
def alice(app, db: Session) -> TestClient:  # type: ignore[no-untyped-def]
    """A signed-in patient (pregnant, Berlin)."""
    make_patient(
        db, "alice@example.org", timezone="Europe/Berlin", due_date=datetime.now(UTC).date() + timedelta(weeks=8)
    )
    client = new_client(app)
    sign_in(client, "alice@example.org")
    return client


@pytest.fixture
def bob(app, db: Session) -> TestClient:  # type: ignore[no-untyped-def]
    """Another signed-in patient."""
    make_patient(db, "bob@example.org", timezone="UTC")
    client = new_client(app)
    sign_in(client, "bob@example.org")
    return client


@pytest.fixture
def stranger(app) -> TestClient:  # type: ignore[no-untyped-def]
    """Someone with no account and no session."""
    return new_client(app)


def entry_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).isoformat(),
        "back_pain": 5,
        "hip_pain": 2,
    }
    body.update(overrides)
    return body


def reload(session: Session) -> None:
    """Forget what the test's session holds, so the next read sees what the app wrote."""
    session.rollback()
    session.expire_all()
