"""The trend detector: explainable escalation flags from a back/hip pain diary (pure).

`assess(days, today=...)` replays her whole history day by day (CLINICAL.md section 4):
rules fire on the days she logged, an episode opens when a rule fires, rises at once when a
higher rule fires, holds while lower rules fire and closes only after 7 quiet days with M7
back near her usual level B. The level she sees is the open episode's level on `today`.
Nothing here reads the clock or keeps state between calls: the same input gives the same
output, and `episodes()`/`notifications()` expose the replayed history for the app's flag
history and push de-duplication. Thresholds live in `trend_config`, words in `trend_text`.

Input conventions (documented in docs/detector.md):
- several records for the same day are merged: the worst score per site and every red flag;
- a record with neither score nor red flag is the same as no record (missing day).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from typing import Any

from app.domain.stage import Stage
from app.domain.trend_config import DEFAULT_CONFIG, TrendConfig
from app.domain.trend_stats import (
    SiteSeries,
    fast_median,
    slope_at_least,
    theil_sen_slope,
)
from app.domain.trend_text import Gettext, render_explanation, render_message

SITES = ("back", "hip")


class Level(StrEnum):
    """What she should do, from nothing to call now (CLINICAL.md section 3)."""

    NONE = "none"
    WATCH = "watch"
    SEE_CLINICIAN = "see_clinician"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        """0 (none) to 4 (emergency): compare severities with this, not with `<` on strings."""
        return _RANK[self]


LEVELS = tuple(Level)  # in order of severity
_RANK = {level: i for i, level in enumerate(LEVELS)}


def max_level(*levels: Level) -> Level:
    """The most severe of `levels` (NONE when there are none)."""
    return LEVELS[max((_RANK[lv] for lv in levels), default=0)]


# --- Red flags (CLINICAL.md section 2; the codes are part of the contract) ------------------


@dataclass(frozen=True)
class RedFlag:
    """One red-flag question: its code, tier (as CLINICAL.md words it) and the sites it concerns."""

    code: str
    tier: str
    sites: tuple[str, ...]
    pregnant_only: bool = False


RED_FLAGS: dict[str, RedFlag] = {
    flag.code: flag
    for flag in (
        RedFlag("saddle_numbness", "emergency", ("back",)),
        RedFlag("bladder_bowel", "emergency", ("back",)),
        RedFlag("leg_weakness", "emergency", ("back",)),
        RedFlag("obstetric_warning", "emergency", (), pregnant_only=True),
        RedFlag("fever_with_back_pain", "emergency", ("back",)),
        RedFlag("cannot_bear_weight", "urgent", ("hip",)),
        RedFlag("sudden_onset", "urgent with severe pain", ("back", "hip")),
        RedFlag("height_loss", "urgent with severe back pain, else soon", ("back",)),
        RedFlag("night_rest_pain", "soon with severe pain", ("back", "hip")),
        RedFlag("new_limp", "soon", ("hip",)),
    )
}
RED_FLAG_CODES = frozenset(RED_FLAGS)
EMERGENCY_FLAGS = frozenset(c for c, f in RED_FLAGS.items() if f.tier == "emergency")

# Rule code -> the level it raises (RF-H is see_clinician unless back today >= 7).
RULE_LEVELS: dict[str, Level] = {
    "RF-E": Level.EMERGENCY,
    "RF-W": Level.URGENT,
    "RF-S": Level.URGENT,
    "RF-H": Level.URGENT,
    "N1": Level.URGENT,
    "N2": Level.SEE_CLINICIAN,
    "RF-N": Level.SEE_CLINICIAN,
    "RF-L": Level.SEE_CLINICIAN,
    "N4": Level.SEE_CLINICIAN,
    "N5": Level.SEE_CLINICIAN,
    "N7": Level.SEE_CLINICIAN,
    "N3": Level.WATCH,
    "N6": Level.WATCH,
    "N8": Level.WATCH,
}
RULES = tuple(RULE_LEVELS)


# --- The contract ------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRecord:
    """One day of her diary: worst scores that day (0-10, None = not logged) and red flags."""

    day: date
    back: int | None = None
    hip: int | None = None
    red_flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reason:
    """Why a level was raised: stable rule code, site (or None), level, words, figures used."""

    rule: str
    site: str | None
    level: Level
    message: str
    evidence: dict[str, Any] = field(hash=False, compare=True)


@dataclass(frozen=True)
class Assessment:
    """The open episode's level on `today` and its reasons, most severe (then latest) first."""

    level: Level
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class LevelChange:
    """The episode reached `level` on `day` because of `reasons` (the rules firing that day)."""

    day: date
    level: Level
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Episode:
    """One flag from opening to closing: what the app stores as flag history.

    `changes[0]` is the opening; later changes are escalations (levels never fall inside an
    episode). `reasons` holds the latest firing of every (rule, site) in the episode,
    `baseline` the usual level frozen at the opening (None = not enough data yet),
    `acknowledged_on` the first acknowledgement inside it, `closed_on` the closing day
    (None while open).
    """

    start: date
    changes: tuple[LevelChange, ...]
    reasons: tuple[Reason, ...]
    baseline: dict[str, float | None] = field(hash=False)
    last_fired: date
    closed_on: date | None = None
    acknowledged_on: date | None = None
    emergency_days: tuple[date, ...] = ()
    watch_days: tuple[date, ...] = ()  # days a watch opened or N3 fired: check in the day after

    @property
    def level(self) -> Level:
        return self.changes[-1].level

    def level_on(self, day: date) -> Level:
        """The episode's level on `day` (NONE outside it)."""
        if day < self.start or (self.closed_on is not None and day >= self.closed_on):
            return Level.NONE
        return max_level(*(c.level for c in self.changes if c.day <= day))


@dataclass(frozen=True)
class Notification:
    """A push the app should send on `day` (CLINICAL.md section 3).

    `kind`: "new" (episode opened at see_clinician or higher), "escalation" (rose to see_clinician
    or higher), "emergency" (an emergency red flag answered again), "reminder" (unacknowledged
    urgent or see_clinician), "check_in" (the day after a watch opened or N3 fired: "check in
    tomorrow"; the reminder layer skips it when she has already logged that day).
    """

    day: date
    kind: str
    level: Level
    episode_start: date


# --- Public functions ----------------------------------------------------------------------


def assess(
    days: Sequence[DayRecord],
    *,
    today: date,
    stage: Stage | None = None,
    acknowledged_on: date | Collection[date] | None = None,
    config: TrendConfig = DEFAULT_CONFIG,
    gettext: Gettext | None = None,
) -> Assessment:
    """Her level on `today` with reasons (the contract in DESIGN.md).

    1. Validate and merge the records (ValueError on bad input; see `_prepare`).
    2. Replay every day up to `today` (see `_Replay.run`).
    3. If an episode is open on `today`, return its level and the latest firing of each
       (rule, site) in it, worded for her stage; else level NONE.
    """
    replay = _Replay(days, today, acknowledged_on, config)
    episode = replay.run()[-1:] if replay.first is not None else []
    if not episode or episode[0].closed is not None:
        return Assessment(Level.NONE)
    return Assessment(episode[0].level, episode[0].reasons(replay, stage, gettext))


def episodes(
    days: Sequence[DayRecord],
    *,
    today: date,
    stage: Stage | None = None,
    acknowledged_on: date | Collection[date] | None = None,
    config: TrendConfig = DEFAULT_CONFIG,
    gettext: Gettext | None = None,
) -> tuple[Episode, ...]:
    """Every episode in her history up to `today`, oldest first (the last one may be open)."""
    replay = _Replay(days, today, acknowledged_on, config)
    if replay.first is None:
        return ()
    return tuple(ep.freeze(replay, stage, gettext) for ep in replay.run())


def notifications(
    history: Sequence[Episode],
    *,
    today: date,
    config: TrendConfig = DEFAULT_CONFIG,
) -> tuple[Notification, ...]:
    """Every push due on or before `today` for this episode history, in day order.

    1. Opening or rising to see_clinician or higher notifies at once; a watch opening, and
       any day N3 fires (one severe day: "check in tomorrow"), asks for a check-in next day.
    2. Every day an emergency red flag is answered yes notifies (even after acknowledgement).
    3. Urgent: a reminder on each of the next `urgent_reminders` days; see_clinician: one
       reminder `see_clinician_reminder_after` days later; only while the episode is still
       open at that same level and not acknowledged by that day.
    """
    found: dict[tuple[date, Level], Notification] = {}
    for episode in history:
        for note in _episode_notifications(episode, today, config):
            found.setdefault((note.day, note.level), note)
    return tuple(sorted(found.values(), key=lambda n: (n.day, n.level.rank)))


def notifications_due(
    days: Sequence[DayRecord],
    *,
    today: date,
    acknowledged_on: date | Collection[date] | None = None,
    config: TrendConfig = DEFAULT_CONFIG,
) -> tuple[Notification, ...]:
    """The pushes due on `today` (the app de-duplicates by (patient, day, kind))."""
    history = episodes(days, today=today, acknowledged_on=acknowledged_on, config=config)
    return tuple(n for n in notifications(history, today=today, config=config) if n.day == today)


def reword(
    reason: Reason, *, stage: Stage | None = None, gettext: Gettext | None = None, still: bool = False
) -> Reason:
    """The same reason with its message written again for `stage` and language `gettext`.

    For reasons kept as (rule, site, level, evidence), e.g. in the stored flag history:
    `reword(Reason(rule, site, Level(level), "", evidence), gettext=...)`.
    """
    message = render_message(
        reason.rule, reason.site, reason.level, reason.evidence, stage=stage, still=still, gettext=gettext
    )
    return replace(reason, message=message)


def explain(reason: Reason, gettext: Gettext | None = None) -> str:
    """ "Why am I seeing this?" for a reason: the rule in words with the figures it used."""
    return render_explanation(reason.rule, reason.site, reason.evidence, gettext)


# --- Input validation ----------------------------------------------------------------------


def _check_score(value: object, site: str, day: date) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= 10:
        raise ValueError(f"{site} score on {day} must be a whole number 0-10, got {value!r}")
    return value


def _prepare(days: Iterable[DayRecord], today: date) -> dict[int, tuple[Any, Any, frozenset]]:
    """Validate and merge records into {ordinal: (back, hip, flags)}; empty days are dropped.

    Raises ValueError for a day after `today`, a score that is not an int 0-10 (bools
    included), or an unknown red-flag code. Duplicate days merge by taking the worst.
    """
    if type(today) is not date:
        raise ValueError("today must be a date")
    merged: dict[int, tuple[Any, Any, frozenset]] = {}
    limit = today.toordinal()
    for rec in days:
        if type(rec.day) is not date:
            raise ValueError(f"day must be a date, got {rec.day!r}")
        ordinal = rec.day.toordinal()
        if ordinal > limit:
            raise ValueError(f"{rec.day} is after today ({today})")
        back, hip, flags = rec.back, rec.hip, rec.red_flags
        if back.__class__ is not int or not 0 <= back <= 10:
            back = _check_score(back, "back", rec.day)
        if hip.__class__ is not int or not 0 <= hip <= 10:
            hip = _check_score(hip, "hip", rec.day)
        if flags.__class__ is not frozenset:
            flags = frozenset(flags)
        if flags and not flags <= RED_FLAG_CODES:
            raise ValueError(f"unknown red-flag codes on {rec.day}: {sorted(flags - RED_FLAG_CODES)}")
        if back is None and hip is None and not flags:
            continue
        if ordinal in merged:
            b0, h0, f0 = merged[ordinal]
            back, hip, flags = _worst(b0, back), _worst(h0, hip), f0 | flags
        merged[ordinal] = (back, hip, flags)
    return merged


def _worst(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _ack_days(acknowledged_on: date | Collection[date] | None) -> tuple[int, ...]:
    if acknowledged_on is None:
        return ()
    if isinstance(acknowledged_on, date):
        acknowledged_on = (acknowledged_on,)
    return tuple(sorted({d.toordinal() for d in acknowledged_on}))


# --- Replay ----------------------------------------------------------------------------------

# A rule firing: (rule, site, level, evidence); evidence always holds "day" (ISO date).
Firing = tuple[str, str | None, Level, dict[str, Any]]


@dataclass
class _OpenEpisode:
    """Mutable episode state during a replay (frozen into `Episode` afterwards)."""

    start: int
    baseline: dict[str, float | None]  # raw B per site on the opening day (for the record)
    frozen: dict[str, float | None]  # B used inside the episode: may fall, never rises
    level: Level = Level.NONE
    changes: list[tuple[int, Level, list[Firing]]] = field(default_factory=list)
    latest: dict[tuple[str, str | None], tuple[int, Firing]] = field(default_factory=dict)
    emergencies: list[int] = field(default_factory=list)
    watches: list[int] = field(default_factory=list)
    sites: set[str] = field(default_factory=set)
    last_fired: int = 0
    closed: int | None = None

    def add(self, i: int, firings: list[Firing]) -> None:
        """Record the day's firings; rise at once if one is above the current level."""
        top = max_level(*(f[2] for f in firings))
        if top.rank > self.level.rank:
            self.level = top
            self.changes.append((i, top, firings))
        for f in firings:
            self.latest[(f[0], f[1])] = (i, f)
            if f[1] is not None:
                self.sites.add(f[1])
        if any(f[0] == "RF-E" for f in firings):
            self.emergencies.append(i)
        if any(f[0] == "N3" for f in firings) or (i == self.start and self.level is Level.WATCH):
            self.watches.append(i)
        self.last_fired = i

    def reasons(self, replay: _Replay, stage: Stage | None, gt: Gettext | None) -> tuple:
        """Latest firing of every (rule, site), most severe first, then most recent first."""
        items = sorted(self.latest.values(), key=lambda x: (-x[1][2].rank, -x[0], x[1][0]))
        return tuple(replay.reason(f, stage, gt, still=i < replay.last) for i, f in items)

    def freeze(self, replay: _Replay, stage: Stage | None, gt: Gettext | None) -> Episode:
        """The public, immutable record of this episode."""
        day = replay.day
        changes = tuple(
            LevelChange(day(i), lv, tuple(replay.reason(f, stage, gt, still=False) for f in fs))
            for i, lv, fs in self.changes
        )
        end = replay.last + 1 if self.closed is None else self.closed
        ack = next((a for a in replay.acks if self.start <= a < end), None)
        return Episode(
            start=day(self.start),
            changes=changes,
            reasons=self.reasons(replay, stage, gt),
            baseline=dict(self.baseline),
            last_fired=day(self.last_fired),
            closed_on=None if self.closed is None else day(self.closed),
            acknowledged_on=None if ack is None else day(ack),
            emergency_days=tuple(day(i) for i in self.emergencies),
            watch_days=tuple(day(i) for i in self.watches),
        )


class _Replay:
    """Replays her days in calendar order; see `run`."""

    def __init__(
        self,
        days: Sequence[DayRecord],
        today: date,
        acknowledged_on: date | Collection[date] | None,
        cfg: TrendConfig,
    ) -> None:
        merged = _prepare(days, today)
        self.cfg = cfg
        self.first = min(merged) if merged else None
        if self.first is None:
            return
        self.last = today.toordinal() - self.first
        rows = [merged.get(self.first + i) for i in range(self.last + 1)]
        self.series = {
            site: SiteSeries([r[n] if r else None for r in rows], cfg.severe) for n, site in enumerate(SITES)
        }
        self.flags = {o - self.first: r[2] for o, r in merged.items() if r[2]}
        self.acks = tuple(a - self.first for a in _ack_days(acknowledged_on))
        self.ack_refs = {site: self._ack_refs(s) for site, s in self.series.items()}
        gates = {site: _candidates(s, site, cfg, bool(self.acks)) for site, s in self.series.items()}
        self.may_fire = {site: gate[0] for site, gate in gates.items()}
        self.may_open = {site: gate[1] for site, gate in gates.items()}
        self.candidates = sorted(set(self.flags).union(*self.may_open.values()))

    def _ack_refs(self, s: SiteSeries) -> list[tuple[int, float]]:
        """(ack offset, median of the last 7 values logged up to it) for each acknowledgement."""
        refs = []
        for a in self.acks:
            hi = s.cnt[min(a, self.last) + 1] if a >= 0 else 0
            if hi:
                refs.append((a, fast_median(s.val[max(0, hi - self.cfg.ack_reference_values) : hi])))
        return refs

    def day(self, i: int) -> date:
        return date.fromordinal(self.first + i)

    def reason(self, f: Firing, stage: Stage | None, gt: Gettext | None, *, still: bool) -> Reason:
        rule, site, level, evidence = f[0], f[1], f[2], _evidence(f[3])
        msg = render_message(rule, site, level, evidence, stage=stage, still=still, gettext=gt)
        return Reason(rule, site, level, msg, dict(evidence))

    def run(self) -> list[_OpenEpisode]:
        """Replay the days from her first record to `today`.

        1. With no episode open, jump to the next day on which a rule could fire (a red-flag
           day, or a logged day passing the cheap necessary tests of `_candidates`); with one
           open, step day by day. Nothing fires on a day she did not log.
        2. A firing with no episode open opens one, freezing B per site (`hold_baseline`);
           a higher firing raises the open episode's level at once; lower ones just hold it.
        3. A day with no firing closes the open episode when the last firing was at least
           `quiet_days_to_close` days ago and M7 <= B+1 for every site that triggered.
        """
        history: list[_OpenEpisode] = []
        current: _OpenEpisode | None = None
        candidates = self.candidates
        may_fire = set(self.flags).union(*self.may_fire.values())
        i = -1
        while True:
            if current is None:
                j = bisect_right(candidates, i)
                if j == len(candidates):
                    break
                i = candidates[j]
            elif (i := i + 1) > self.last:
                break
            else:
                self.hold_baseline(current, i)
            firings = self.evaluate(i, current) if i in may_fire else []
            if firings:
                if current is None:
                    raw = {site: _raw_baseline(s, i, self.cfg) for site, s in self.series.items()}
                    current = _OpenEpisode(i, raw, dict(raw))
                    history.append(current)
                current.add(i, firings)
            elif current is not None and self.settled(current, i):
                current.closed, current = i, None
        return history

    def hold_baseline(self, episode: _OpenEpisode, i: int) -> None:
        """Freeze B inside an episode: it may fall to a lower raw B, but never rises.

        Freezing exists so that B cannot chase a rise; letting it fall keeps the detector
        monotone (an earlier episode, e.g. opened by a red flag, can only make rules fire
        more, never less) and keeps a flag open while pain stays above a falling B.
        """
        frozen = episode.frozen
        for site, s in self.series.items():
            span = _baseline_span(s, i, self.cfg)
            if span is None or _median_at_least(s, span, frozen[site]):
                continue
            raw = fast_median(s.val[span[0] : span[1]])
            if frozen[site] is None or raw < frozen[site]:
                frozen[site] = raw

    def usual(self, site: str, i: int, episode: _OpenEpisode | None) -> float | None:
        """Effective B for `site` on offset i: frozen in an episode, raised after an ack."""
        b = episode.frozen[site] if episode else _raw_baseline(self.series[site], i, self.cfg)
        for a, ref in self.ack_refs[site]:
            if a <= i <= a + self.cfg.ack_reference_days:
                b = ref if b is None else max(b, ref)
        return b

    def settled(self, episode: _OpenEpisode, i: int) -> bool:
        """True when the episode may close on offset i (see `run`, step 3).

        A site with no value in the last 7 days keeps the flag open (no news is not good news);
        a site whose frozen B is undefined (cold start) is judged against today's B, if any.
        """
        cfg = self.cfg
        if i - episode.last_fired < cfg.quiet_days_to_close:
            return False
        for site in episode.sites:
            s = self.series[site]
            m7 = s.mean(*s.span(i, cfg.window_days))
            if m7 is None:
                return False
            b = self.usual(site, i, episode)
            if b is None:
                b = _raw_baseline(s, i, cfg)
            if b is not None and m7 > b + cfg.close_margin:
                return False
        return True

    def evaluate(self, i: int, episode: _OpenEpisode | None) -> list[Firing]:
        """All rules firing on offset i; each evidence dict gets the day at the end."""
        firings: list[Firing] = []
        scores: dict[str, int | None] = {}
        for site, s in self.series.items():
            k = s.index(i)
            scores[site] = None if k is None else s.val[k]
            if k is not None and i in self.may_fire[site]:
                b = self.usual(site, i, episode)
                firings.extend(_score_rules(s, site, i, k, b, self.cfg))
        flags = self.flags.get(i)
        if flags:
            firings.extend(_flag_rules(flags, scores, self.cfg))
        if firings:
            iso = self.day(i).isoformat()
            for f in firings:
                f[3]["day"] = iso
        return firings


# --- Rules ------------------------------------------------------------------------------------


def _evidence(raw: dict[str, Any]) -> dict[str, Any]:
    """A firing's figures for people: a deferred Theil-Sen slope is worked out here."""
    points = raw.get("slope")
    if isinstance(points, tuple):
        return raw | {"slope": round(theil_sen_slope(*points), 3)}
    return dict(raw)


def _candidates(s: SiteSeries, site: str, cfg: TrendConfig, acks: bool) -> tuple[set[int], set[int]]:
    """Offsets where a score rule could fire for this site: (inside episodes, outside).

    Cheap necessary conditions: N1-N3 need a severe value that day, N5 three severe values
    in W7, N4/N6/N7 an M7 of at least 4 and, outside an episode (where B is the raw B or
    higher), at least B+1; N8 (hip) enough high values among the last five. A logged day
    meeting none of them cannot fire and is skipped.
    """
    cnt, tot, sev, width = s.cnt, s.tot, s.sev, cfg.window_days
    min_mean = min(cfg.n4_min_mean, cfg.n6_min_mean, cfg.n7_min_mean)
    min_rise = min(cfg.n4_rise, cfg.n6_rise, cfg.n7_rise)
    lows = [cnt[i - width + 1] if i >= width else 0 for i in s.pos]
    rows = list(zip(s.pos, s.val, range(1, len(s.pos) + 1), lows, strict=True))
    severe, n5 = cfg.severe, cfg.n5_min_severe
    always = {i for i, v, k1, lo in rows if v >= severe or sev[k1] - sev[lo] >= n5}
    weekly = {i for i, _, k1, lo in rows if tot[k1] - tot[lo] >= min_mean * (k1 - lo)} - always
    if site == "hip":
        n = cfg.n8_last_values
        high = s.at_least(cfg.n8_high)
        always.update(i for k, i in enumerate(s.pos, 1) if high[k] - high[max(0, k - n)] >= cfg.n8_min_high)
    if acks:  # an acknowledgement can give B a value where the raw B has none
        return always | weekly, always | weekly
    return always | weekly, always | _may_rise(s, sorted(weekly), min_rise, cfg)


def _baseline_span(s: SiteSeries, i: int, cfg: TrendConfig) -> tuple[int, int] | None:
    """(lo, hi) such that raw B on offset i is the median of `s.val[lo:hi]`; None if undefined.

    1. The values logged on i-21..i-8 if there are at least 7;
    2. else those on i-21..i-1 if there are at least 5;
    3. else None (cold start).
    """
    cnt = s.cnt
    far, lag = i - cfg.baseline_far, i - cfg.baseline_lag + 1
    lo = cnt[far] if far > 0 else 0
    hi = cnt[lag] if lag > 0 else 0
    if hi - lo >= cfg.baseline_min_lagged:
        return lo, hi
    hi = cnt[i]
    return (lo, hi) if hi - lo >= cfg.baseline_min_recent else None


def _raw_baseline(s: SiteSeries, i: int, cfg: TrendConfig) -> float | None:
    """Usual level B on offset i before freezing or acknowledgement (see `_baseline_span`)."""
    span = _baseline_span(s, i, cfg)
    return None if span is None else fast_median(s.val[span[0] : span[1]])


def _median_at_least(s: SiteSeries, span: tuple[int, int], x: float | None) -> bool:
    """True when the median of `s.val[lo:hi]` is surely >= x, in O(1) (see `_may_rise`)."""
    if x is None:
        return False
    t = math.ceil(x)
    if t <= 0:
        return True
    if t > 10:
        return False
    lo, hi = span
    ge = s.at_least(t)
    return ge[hi] - ge[lo] >= (hi - lo) - (hi - lo - 1) // 2


def _may_rise(s: SiteSeries, offsets: list[int], rise: float, cfg: TrendConfig) -> set[int]:
    """The offsets whose M7 might be >= raw B + `rise` (N4/N6/N7 need it outside episodes).

    The median is at least the lower middle value of the window, and that value is >= t
    (the least integer above M7 - rise) exactly when at least n - (n-1)//2 of the n window
    values are >= t; such a day surely has B > M7 - rise and is dropped. O(1) per day.
    """
    cnt, tot, keep = s.cnt, s.tot, set()
    far_gap, lag_gap, width = cfg.baseline_far, cfg.baseline_lag - 1, cfg.window_days
    for i in offsets:
        far, lag, w = i - far_gap, i - lag_gap, i - width + 1
        lo, hi = (cnt[far] if far > 0 else 0), (cnt[lag] if lag > 0 else 0)
        if hi - lo < cfg.baseline_min_lagged:
            hi = cnt[i]
            if hi - lo < cfg.baseline_min_recent:
                continue  # no B: nothing that needs one can fire
        lo7 = cnt[w] if w > 0 else 0
        t = math.floor((tot[cnt[i + 1]] - tot[lo7]) / (cnt[i + 1] - lo7) - rise) + 1
        if t <= 0 or t > 10:
            keep.add(i)
            continue
        ge = s.at_least(t)
        if ge[hi] - ge[lo] < (hi - lo) - (hi - lo - 1) // 2:
            keep.add(i)
    return keep


def _flag_rules(flags: frozenset[str], scores: dict[str, int | None], cfg: TrendConfig) -> list[Firing]:
    """RF-E, RF-W, RF-S, RF-H, RF-N, RF-L for the red flags answered yes on one day."""
    out: list[Firing] = []
    emergency = sorted(flags & EMERGENCY_FLAGS)
    if emergency:
        out.append(("RF-E", None, Level.EMERGENCY, {"flags": emergency}))
    if "cannot_bear_weight" in flags:
        out.append(("RF-W", None, Level.URGENT, {"flags": ["cannot_bear_weight"]}))
    for flag, rule, level in (
        ("sudden_onset", "RF-S", Level.URGENT),
        ("night_rest_pain", "RF-N", Level.SEE_CLINICIAN),
    ):
        for site in SITES if flag in flags else ():
            v = scores[site]
            if v is not None and v >= cfg.severe:
                out.append((rule, site, level, {"value": v}))
    if "height_loss" in flags:
        v = scores["back"]
        severe = v is not None and v >= cfg.rf_h_urgent_back
        out.append(("RF-H", "back", Level.URGENT if severe else Level.SEE_CLINICIAN, {"value": v}))
    if "new_limp" in flags:
        out.append(("RF-L", "hip", Level.SEE_CLINICIAN, {}))
    return out


def _score_rules(s: SiteSeries, site: str, i: int, k: int, b: float | None, cfg: TrendConfig) -> list[Firing]:
    """N1-N8 for one site on offset i, where `s.val[k]` is the value logged that day."""
    lo, hi = s.span(i, cfg.window_days)
    w7 = s.val[lo:hi]
    out: list[Firing] = []
    severe = s.sev[hi] - s.sev[lo]
    if severe >= cfg.n5_min_severe and severe >= cfg.n5_min_share * len(w7):
        out.append(("N5", site, Level.SEE_CLINICIAN, {"count": severe, "logged": len(w7)}))
    if b is None:
        return out
    if s.val[k] >= cfg.severe:
        out.extend(_single_day_rules(s, site, i, k, b, cfg))
    if s.tot[hi] - s.tot[lo] >= (b + min(cfg.n4_rise, cfg.n6_rise, cfg.n7_rise)) * (hi - lo):
        out.extend(_weekly_rules(s, site, i, k, b, w7, cfg))
    if site == "hip" and b <= cfg.n8_max_baseline:
        last = s.val[max(0, k - cfg.n8_last_values + 1) : k + 1]
        high = sum(1 for x in last if x >= cfg.n8_high)
        if high >= cfg.n8_min_high:
            out.append(("N8", site, Level.WATCH, {"usual": b, "count": high, "logged": len(last)}))
    for f in out:
        if "usual" in f[3]:
            f[3]["usual"] = round(b, 1)
    return out


def _single_day_rules(s: SiteSeries, site: str, i: int, k: int, b: float, cfg: TrendConfig) -> list[Firing]:
    """N1 (two consecutive severe days), N2 (one very high day), N3 (one severe day)."""
    v = s.val[k]
    out: list[Firing] = []
    if k > 0 and i - s.pos[k - 1] <= cfg.consecutive_max_gap:
        a = s.val[k - 1]
        both_high = min(a, v) >= cfg.severe and min(a, v) >= b + cfg.n1_rise
        strong = max(a, v) >= cfg.very_severe or min(a, v) >= b + cfg.n1_strong_rise
        if both_high and strong:
            out.append(("N1", site, Level.URGENT, {"usual": b, "first": a, "second": v}))
    if (v >= cfg.n2_extreme and v >= b + cfg.n2_extreme_rise) or v >= b + cfg.n2_big_rise:
        out.append(("N2", site, Level.SEE_CLINICIAN, {"usual": b, "value": v}))
    if v >= b + cfg.n3_rise:
        out.append(("N3", site, Level.WATCH, {"usual": b, "value": v}))
    return out


@dataclass(frozen=True)
class _TrendRule:
    """The parameters of N7 (see_clinician) or N6 (watch), read from the config."""

    rule: str
    level: Level
    window: int
    min_values: int
    min_slope: float
    max_p: float
    min_mean: float
    rise: float

    @property
    def slope(self) -> Fraction:
        """The minimum slope as an exact fraction (0.1 -> 1/10) for `slope_at_least`."""
        return _fraction(self.min_slope)

    @classmethod
    def both(cls, c: TrendConfig) -> tuple[_TrendRule, _TrendRule]:
        return (
            cls("N7", Level.SEE_CLINICIAN, c.n7_window, c.n7_min_values, c.n7_min_slope,
                c.n7_max_p, c.n7_min_mean, c.n7_rise),
            cls("N6", Level.WATCH, c.n6_window, c.n6_min_values, c.n6_min_slope,
                c.n6_max_p, c.n6_min_mean, c.n6_rise),
        )  # fmt: skip


@lru_cache(maxsize=64)
def _fraction(x: float) -> Fraction:
    return Fraction(repr(x))


_DEFAULT_TREND_RULES = _TrendRule.both(DEFAULT_CONFIG)


def _weekly_rules(s: SiteSeries, site: str, i: int, k: int, b: float, w7: list[int], cfg: TrendConfig) -> list[Firing]:
    """N4 (a sustained week above B), then N7 and N6 (a slow, steady rise).

    For N7/N6 the cheap mean tests run first, then Mann-Kendall, and Theil-Sen last.
    """
    out: list[Firing] = []
    m7 = sum(w7) / len(w7)
    mean = {"usual": b, "mean": round(m7, 1)}
    if len(w7) >= cfg.n4_min_values and m7 >= b + cfg.n4_rise and m7 >= cfg.n4_min_mean:
        high = sum(1 for x in w7 if x >= b + cfg.n4_rise)
        if high >= cfg.n4_min_high_values:
            out.append(("N4", site, Level.SEE_CLINICIAN, mean | {"logged": len(w7), "high": high}))
    for r in _TrendRule.both(cfg) if cfg is not DEFAULT_CONFIG else _DEFAULT_TREND_RULES:
        if m7 < r.min_mean or m7 < b + r.rise:
            continue
        lo, hi = s.span(i, r.window)
        if hi - lo < r.min_values:
            continue
        ys = s.val[lo:hi]
        p, concordant = s.kendall(lo, hi, key=r.window)
        if p > r.max_p or (r.min_slope > 0 and 2 * concordant < len(ys) * (len(ys) - 1) // 2):
            continue  # a median slope above 0 needs at least half the pairs to rise
        xs = s.pos[lo:hi]
        steep = slope_at_least(xs, ys, r.slope)
        if steep is None:
            steep = theil_sen_slope(xs, ys) >= r.min_slope
        if steep:  # the slope itself is worked out only if this firing is shown (`_evidence`)
            fig = {"logged": hi - lo, "slope": (xs, ys), "p": round(p, 4)}
            out.append((r.rule, site, r.level, mean | fig))
    return out


# --- Notifications -------------------------------------------------------------------------


def _episode_notifications(episode: Episode, today: date, cfg: TrendConfig) -> Iterable[Notification]:
    """The pushes one episode causes up to `today` (see `notifications`)."""
    start = episode.start
    for change in episode.changes:
        if change.level.rank >= Level.SEE_CLINICIAN.rank:
            kind = "new" if change.day == start else "escalation"
            yield Notification(change.day, kind, change.level, start)
    watch_days = episode.watch_days
    if not cfg.check_in_after_every_n3:
        watch_days = (start,) if episode.changes[0].level is Level.WATCH else ()
    for day in watch_days:
        note = _maybe(episode, day + timedelta(days=1), "check_in", Level.WATCH, today)
        if note is not None:
            yield note
    for change in episode.changes:
        yield from _reminders(episode, change, today, cfg)
    yield from _emergencies(episode)


def _emergencies(episode: Episode) -> Iterable[Notification]:
    for day in episode.emergency_days:
        yield Notification(day, "emergency", Level.EMERGENCY, episode.start)


def _reminders(episode: Episode, change: LevelChange, today: date, cfg: TrendConfig) -> Iterable[Notification]:
    if change.level is Level.URGENT:
        offsets = range(1, cfg.urgent_reminders + 1)
    elif change.level is Level.SEE_CLINICIAN:
        offsets = range(cfg.see_clinician_reminder_after, cfg.see_clinician_reminder_after + 1)
    else:
        return
    for offset in offsets:
        day = change.day + timedelta(days=offset)
        if episode.level_on(day) is not change.level:
            continue
        ack = episode.acknowledged_on
        if ack is not None and ack <= day:
            continue
        note = _maybe(episode, day, "reminder", change.level, today)
        if note is not None:
            yield note


def _maybe(episode: Episode, day: date, kind: str, level: Level, today: date) -> Notification | None:
    """A notification on `day` if that day has come and the episode is still open then."""
    if day > today or (episode.closed_on is not None and day >= episode.closed_on):
        return None
    return Notification(day, kind, level, episode.start)


__all__ = [
    "EMERGENCY_FLAGS",
    "LEVELS",
    "RED_FLAGS",
    "RED_FLAG_CODES",
    "RULES",
    "RULE_LEVELS",
    "Assessment",
    "DayRecord",
    "Episode",
    "Level",
    "LevelChange",
    "Notification",
    "Reason",
    "RedFlag",
    "assess",
    "episodes",
    "explain",
    "max_level",
    "notifications",
    "notifications_due",
    "reword",
]
