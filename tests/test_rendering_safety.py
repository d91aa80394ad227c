"""Whatever she writes in a note is only ever shown as text: markup, htmx attributes, quotes
and any Unicode are escaped on every page of hers that shows the note."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from tests.conftest import make_entry, make_patient, new_client, sign_in

ATTACKS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "<div hx-get='/api/v1/account' hx-trigger='load'>x</div>",
        "' onmouseover='alert(1)",
        "{{ 7*7 }} {% raw %}",
        "</textarea><script>alert(2)</script>",
        "javascript:alert(1)",
    ]
)
# Printable text of any script (no control characters: the API refuses those).
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200)
NOTES = st.builds(lambda a, b: a + b, ATTACKS, TEXT) | TEXT


def _pages_showing(client, entry_id):  # type: ignore[no-untyped-def]
    return [client.get("/history").text, client.get(f"/entries/{entry_id}/edit").text]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=NOTES)
def test_a_note_is_rendered_as_text_only(app, db, note):
    email = "note-writer@example.org"
    from sqlmodel import select

    from app.models import Patient

    patient = db.exec(select(Patient).where(Patient.email == email)).first() or make_patient(db, email)
    entry = make_entry(db, patient, note=note.replace("\r", ""))
    if not hasattr(app.state, "note_client"):  # one sign-in for all examples (argon2 is slow)
        app.state.note_client = new_client(app)
        sign_in(app.state.note_client, email)
    escaped = str(escape(note.replace("\r", "")))
    for page in _pages_showing(app.state.note_client, entry.id):
        assert escaped in page
        for raw in ("<script>alert", "<img src=x", "<div hx-get"):
            if raw in note:
                assert raw not in page
        assert not re.search(r"<[^>]+\shx-get='/api/v1/account'", page)
