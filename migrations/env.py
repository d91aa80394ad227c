"""Alembic environment: the app's engine (with its SQLite pragmas) and the SQLModel metadata."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables on the metadata)
from app.config import Settings, get_settings
from app.db import build_engine, write_engine

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    settings: Settings = context.config.attributes.get("settings") or get_settings()
    engine = build_engine(settings)
    try:
        with write_engine(engine).connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        user_module_prefix="",  # our column types render as `UTCDateTime(...)`, imported by the template
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `python -m app migrate`")
run_migrations_online()
