"""Whatever she writes in a note is only ever shown as text: markup, htmx attributes, quotes
and any Unicode are escaped on every page that shows the note: her history, the edit form and
the clinician summary behind a share link that includes notes."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlmodel import col, delete

from app.models import Entry
from app.services.share import create_link
from tests.conftest import PASSWORD, make_entry, make_patient, new_client, sign_in

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


def _pages_showing(client, entry_id, summary_url):  # type: ignore[no-untyped-def]
    pages = [client.get("/history"), client.get(f"/entries/{entry_id}/edit"), client.get(summary_url)]
    assert all(page.status_code == 200 for page in pages)
    return [page.text for page in pages]


def _note_writer(app, db):  # type: ignore[no-untyped-def]
    """Her signed-in client and a share link with notes, made once for all examples (argon2 is slow)."""
    if not hasattr(app.state, "note_writer"):
        patient = make_patient(db, "note-writer@example.org")
        client = new_client(app)
        sign_in(client, patient.email)
        link = create_link(session=db, patient=patient, password=PASSWORD, label="GP", include_notes=True)
        app.state.note_writer = (patient, client, f"/s/{link.token}")
    return app.state.note_writer


def _her_only_entry(db, patient, note: str):  # type: ignore[no-untyped-def]
    """One entry at a time, so the summary (which shows the newest notes) always shows this one."""
    db.exec(delete(Entry).where(col(Entry.patient_id) == patient.id))
    return make_entry(db, patient, note=note)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=NOTES)
def test_a_note_is_rendered_as_text_only(app, db, note):
    patient, client, summary_url = _note_writer(app, db)
    entry = _her_only_entry(db, patient, note.replace("\r", ""))
    escaped = str(escape(note.replace("\r", "")))
    for page in _pages_showing(client, entry.id, summary_url):
        assert escaped in page
        for raw in ("<script>alert", "<img src=x", "<div hx-get"):
            if raw in note:
                assert raw not in page
        assert not re.search(r"<[^>]+\shx-get='/api/v1/account'", page)
