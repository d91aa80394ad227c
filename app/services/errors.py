"""Errors the services raise; the web layer maps each to a status and a translated message."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class. `code` is stable and is what the web layer translates."""

    code = "error"

    def __init__(self, code: str | None = None) -> None:
        super().__init__(code or self.code)
        if code:
            self.code = code


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    code = "conflict"


class InvalidInput(ServiceError):
    code = "invalid"


class BadCredentials(ServiceError):
    code = "bad_credentials"


class TooManyAttempts(ServiceError):
    code = "too_many_attempts"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__()
        self.retry_after_seconds = retry_after_seconds
