"""The ASGI application: `app.main:app`, built by `create_app()`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text

from app import __version__
from app.config import Environment, Settings, get_settings
from app.db import build_engine
from app.services.auth import Policy
from app.web import api, errors, export, pages_account, pages_diary, pages_flags, share, summary
from app.web import push as push_web
from app.web.middleware import SecurityHeadersMiddleware, configure_logging
from app.web.templating import STATIC


def _policy(settings: Settings) -> Policy:
    return Policy(
        secret_key=settings.resolved_secret_key(),
        session_idle=timedelta(minutes=settings.session_idle_minutes),
        session_max=timedelta(days=settings.session_max_days),
        max_failures=settings.login_max_failures,
        window=timedelta(minutes=settings.login_window_minutes),
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs the reminder worker inside the web process when RUN_WORKER_IN_PROCESS (never in tests)."""
    settings: Settings = app.state.settings
    if not settings.run_worker_in_process or settings.app_env is Environment.TEST:
        yield
        return
    from app.push.worker import start_in_process

    thread, stop = start_in_process(app.state.engine, settings)
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    docs = settings.openapi_enabled
    app = FastAPI(
        title="Back & Hip Diary",
        version=__version__,
        openapi_url="/api/openapi.json" if docs else None,
        docs_url="/api/docs" if docs else None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine or build_engine(settings)
    app.state.policy = _policy(settings)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(push_web.api)
    app.include_router(push_web.pages)
    app.include_router(share.api_router)
    app.include_router(export.router)
    app.include_router(pages_account.router)
    app.include_router(pages_diary.router)
    app.include_router(pages_flags.router)
    app.include_router(share.router)
    app.include_router(summary.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        with app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    return app


def __getattr__(name: str) -> FastAPI:
    """`app.main:app` is built on first access, so importing this module reads no settings."""
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
