"""`GET /api/v1/export?format=json|csv|fhir`: her whole record as a download (never cached)."""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from app.models import utcnow
from app.services import export
from app.web.api import require_json
from app.web.deps import ApiPatient, DbSession, csrf_protect, reject_repeated_query_parameters
from app.web.errors import API_ERRORS

router = APIRouter(
    prefix="/api/v1",
    tags=["export"],
    dependencies=[Depends(require_json), Depends(csrf_protect), Depends(reject_repeated_query_parameters)],
    responses=API_ERRORS,
)
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "fhir": "application/fhir+json"}
EXTENSIONS = {"json": "json", "csv": "csv", "fhir": "fhir.json"}


@router.get("/export", responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}})
def export_record(db: DbSession, me: ApiPatient, format: str = Query(default="json")) -> Response:
    """Her record as JSON (docs/export.md), CSV (one row per entry) or a FHIR R4 Bundle."""
    if format not in MEDIA_TYPES:
        raise HTTPException(status_code=422, detail="export_format")
    body = _render(db, me, format)  # type: ignore[arg-type]
    filename = f"back-hip-diary-{utcnow().date().isoformat()}.{EXTENSIONS[format]}"
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _render(db: DbSession, me: ApiPatient, kind: Literal["json", "csv", "fhir"]) -> str:
    if kind == "csv":
        return export.export_csv(session=db, patient=me)
    data = export.export_json(session=db, patient=me) if kind == "json" else export.export_fhir(session=db, patient=me)
    return json.dumps(data, ensure_ascii=False, indent=1)
