"""Tables of the clinician link (share links and their view log). See app/models.py."""

from __future__ import annotations

__all__: list[str] = []
