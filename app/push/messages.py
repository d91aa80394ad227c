"""What each push says, per language. No health data: these may show on a lock screen."""

from __future__ import annotations

from app.i18n import N_, translations
from app.push.sender import PushMessage

APP_NAME = N_("Back & Hip Diary")
OPEN_DIARY = N_("Please open your diary")

# kind -> (title, body, topic, urgency). Flag kinds come from the detector (flag_notification).
WORDING: dict[str, tuple[str, str, str, str]] = {
    "daily": (APP_NAME, N_("Time for today's diary entry"), "daily", "normal"),
    "nudge": (APP_NAME, N_("Your diary is here whenever you are ready for a quick entry."), "daily", "low"),
    "check_in": (OPEN_DIARY, N_("A short check-in is waiting for you."), "check-in", "normal"),
    "new": (OPEN_DIARY, N_("There is something new for you in your diary."), "flag", "high"),
    "escalation": (OPEN_DIARY, N_("There is something new for you in your diary."), "flag", "high"),
    "reminder": (OPEN_DIARY, N_("A reminder is waiting for you in your diary."), "flag", "high"),
    "emergency": (OPEN_DIARY, N_("Please open your diary now."), "flag", "high"),
}


def push_message(kind: str, locale: str) -> PushMessage:
    """The notification for a reminder or flag kind, in her language; a click opens the diary."""
    title, body, topic, urgency = WORDING.get(kind, WORDING["new"])
    gettext = translations(locale).gettext
    return PushMessage(title=gettext(title), body=gettext(body), url="/", topic=topic, urgency=urgency)
