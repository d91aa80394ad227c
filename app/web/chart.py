"""Geometry for the server-rendered SVG history chart (no chart library, no JavaScript).

Lines are broken where more than two calendar days are missing: missing days are never drawn
as if they had been logged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain.stage import gestational_days_on
from app.models import Patient
from app.services.entries import DaySummary

# Sized for a 360 px phone: the SVG is drawn at about its natural size, so text stays legible.
WIDTH, HEIGHT = 360, 240
LEFT, RIGHT, TOP, BOTTOM = 26, 8, 14, 62
MAX_GAP_DAYS = 2


@dataclass
class Series:
    name: str
    css_class: str
    segments: list[list[tuple[float, float]]] = field(default_factory=list)
    points: list[tuple[float, float, int, date]] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, date]]
    series: list[Series]
    week_ticks: list[tuple[float, str]]
    events: list[tuple[float, str]]
    bands: list[tuple[float, float, str]]
    description: str
    dot_radius: float = 3.0
    usual_band: tuple[float, float] | None = None  # summary: y of her usual level's quartiles (high, low)
    markers: list[tuple[float, str]] = field(default_factory=list)  # summary: numbered flag openings


def _scale(
    start: date, end: date, width: int = WIDTH, height: int = HEIGHT
) -> tuple[Callable[[date], float], Callable[[float], float]]:
    span = max((end - start).days, 1)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    return (
        lambda day: round(LEFT + (day - start).days / span * plot_w, 1),
        lambda score: round(TOP + (10 - score) / 10 * plot_h, 1),
    )


def _series(summaries: Sequence[DaySummary], site: str, name: str, x, y) -> Series:  # type: ignore[no-untyped-def]
    series = Series(name=name, css_class=f"line-{site}")
    previous: date | None = None
    for summary in sorted(summaries, key=lambda s: s.day):
        score = getattr(summary, site)
        if score is None:
            continue
        point = (x(summary.day), y(score))
        if previous is None or (summary.day - previous).days > MAX_GAP_DAYS:
            series.segments.append([])
        series.segments[-1].append(point)
        series.points.append((*point, score, summary.day))
        previous = summary.day
    return series


def _date_ticks(start: date, end: date, x: Callable[[date], float], every: int) -> list[tuple[float, date]]:
    """A date label every `every` days, counted back from `end` so today always has one."""
    return [(x(end - timedelta(days=n)), end - timedelta(days=n)) for n in range(0, (end - start).days + 1, every)]


def _week_ticks(patient: Patient, start: date, end: date, x, gettext) -> list[tuple[float, str]]:  # type: ignore[no-untyped-def]
    if patient.due_date is None:
        return []
    last = min(end, patient.delivery_date - timedelta(days=1)) if patient.delivery_date else end
    step = 2 if (end - start).days <= 31 else 6
    ticks, day = [], start
    while day <= last:
        days = gestational_days_on(day, patient.due_date)
        if days >= 0 and days % (7 * step) == 0:
            ticks.append((x(day), gettext("wk %(week)s") % {"week": days // 7}))
        day += timedelta(days=1)
    return ticks


def _events_and_bands(patient: Patient, start: date, end: date, x, gettext):  # type: ignore[no-untyped-def]
    events, bands = [], []
    birth = patient.delivery_date
    if birth and start <= birth <= end:
        events.append((x(birth), gettext("Birth")))
    if birth and patient.breastfeeding and birth <= end:
        until = min(patient.weaning_date or end, end)
        if until >= start:
            bands.append((x(max(birth, start)), x(until), gettext("Breastfeeding")))
    if patient.weaning_date and start <= patient.weaning_date <= end:
        events.append((x(patient.weaning_date), gettext("Weaned")))
    return events, bands


def history_chart(
    summaries: Sequence[DaySummary], *, start: date, end: date, patient: Patient, gettext: Callable[[str], str]
) -> Chart:
    x, y = _scale(start, end)
    back = _series(summaries, "back", gettext("Back pain"), x, y)
    hip = _series(summaries, "hip", gettext("Hip pain"), x, y)
    events, bands = _events_and_bands(patient, start, end, x, gettext)
    x_ticks = _date_ticks(start, end, x, every=7 if (end - start).days <= 31 else 21)
    description = gettext(
        "Worst daily pain from %(start)s to %(end)s: back pain on %(back)s days, hip pain on %(hip)s days. "
        "The list below gives every value."
    ) % {"start": start.isoformat(), "end": end.isoformat(), "back": len(back.points), "hip": len(hip.points)}
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot=(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM),
        y_ticks=[(y(score), score) for score in (0, 4, 7, 10)],
        x_ticks=x_ticks,
        series=[back, hip],
        week_ticks=_week_ticks(patient, start, end, x, gettext),
        events=events,
        bands=bands,
        description=description,
        dot_radius=3.0 if (end - start).days <= 31 else 2.0,
    )


# The clinician summary draws one wider chart per site (an A4 page is about 640 px wide).
SUMMARY_WIDTH, SUMMARY_HEIGHT = 640, 230


def site_chart(
    summaries: Sequence[DaySummary],
    *,
    site: str,
    start: date,
    end: date,
    patient: Patient,
    usual: tuple[float, float] | None,
    flags: Sequence[tuple[date, str]],
    description: str,
    gettext: Callable[[str], str],
) -> Chart:
    """One site over start..end with her usual-level band (low, high), the pregnancy, birth and
    breastfeeding timeline, and a numbered marker where each flag opened."""
    x, y = _scale(start, end, SUMMARY_WIDTH, SUMMARY_HEIGHT)
    name = gettext("Back pain") if site == "back" else gettext("Hip pain")
    events, bands = _events_and_bands(patient, start, end, x, gettext)
    x_ticks = _date_ticks(start, end, x, every=max(7, ((end - start).days // 6 // 7) * 7))
    return Chart(
        width=SUMMARY_WIDTH,
        height=SUMMARY_HEIGHT,
        plot=(LEFT, TOP, SUMMARY_WIDTH - RIGHT, SUMMARY_HEIGHT - BOTTOM),
        y_ticks=[(y(score), score) for score in (0, 4, 7, 10)],
        x_ticks=x_ticks,
        series=[_series(summaries, site, name, x, y)],
        week_ticks=_week_ticks(patient, start, end, x, gettext),
        events=events,
        bands=bands,
        description=description,
        dot_radius=2.5 if (end - start).days <= 92 else 1.6,
        usual_band=(y(usual[1]), y(usual[0])) if usual else None,
        markers=[(x(day), label) for day, label in flags if start <= day <= end],
    )
