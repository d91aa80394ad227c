"""Tables of web-push reminders (subscriptions and claimed reminders). See app/models.py."""

from __future__ import annotations

__all__: list[str] = []
