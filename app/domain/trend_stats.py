"""Small robust trend statistics for the detector (standard library only).

Both functions take parallel sequences `xs` (calendar-day numbers, strictly increasing) and
`ys` (scores), so missing days are simply absent and never imputed.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from fractions import Fraction
from itertools import accumulate


def theil_sen_slope(xs: Sequence[int], ys: Sequence[float]) -> float:
    """Theil-Sen slope: the median of the slopes over all pairs of points (points per day).

    1. For every pair i < j, take (ys[j] - ys[i]) / (xs[j] - xs[i]).
    2. Return the median of those slopes (0.0 when there are fewer than two points).
    """
    n = len(xs)
    slopes = [(ys[j] - ys[i]) / (xs[j] - xs[i]) for i in range(n - 1) for j in range(i + 1, n)]
    return fast_median(slopes) if slopes else 0.0


def mann_kendall(ys: Sequence[float]) -> tuple[float, int]:
    """One-sided Mann-Kendall test for an upward trend (values in time order).

    Returns (p, concordant): the p-value, and how many pairs i < j have ys[j] > ys[i]
    (a Theil-Sen slope above zero needs at least half of all pairs to be concordant).
    See `SlidingKendall` for the steps; this is the same test on one fixed window.
    """
    return SlidingKendall(ys).at(0, len(ys))


def _tie_term(t: int) -> int:
    return t * (t - 1) * (2 * t + 5)


class SlidingKendall:
    """Mann-Kendall over a window of `values` that slides forward, updated in O(log n) a step.

    1. S = concordant - discordant pairs; adding a value y at the end adds (earlier values
       below y) - (earlier values above y); dropping the first value a removes (later values
       above a) - (later values below a). A sorted copy of the window counts both by bisection.
    2. Var(S) = [n(n-1)(2n+5) - sum over tie groups of t(t-1)(2t+5)] / 18 (tie term kept up to date).
    3. Z = (S - 1) / sqrt(Var(S)) for S > 0 (continuity correction); otherwise p = 1.
    4. p = P(N(0, 1) >= Z), by the complementary error function.
    """

    def __init__(self, values: Sequence[float]) -> None:
        self.values = values
        self._reset(0)

    def _reset(self, lo: int) -> None:
        self.lo = self.hi = lo
        self.window: list[float] = []
        self.s = self.up = self.ties = 0
        self.counts: dict[float, int] = {}

    def at(self, lo: int, hi: int) -> tuple[float, int]:
        """(p, concordant pairs) for `values[lo:hi]`; cheap when the window moved forward."""
        if lo < self.lo or hi < self.hi or lo >= self.hi:
            self._reset(lo)
        while self.hi < hi:
            self._push(self.values[self.hi])
            self.hi += 1
        while self.lo < lo:
            self._pop(self.values[self.lo])
            self.lo += 1
        return self._p(hi - lo), self.up

    def _push(self, y: float) -> None:
        w = self.window
        less, greater = bisect_left(w, y), len(w) - bisect_right(w, y)
        self.s += less - greater
        self.up += less
        insort(w, y)
        t = self.counts.get(y, 0)
        self.ties += _tie_term(t + 1) - _tie_term(t)
        self.counts[y] = t + 1

    def _pop(self, a: float) -> None:
        w = self.window
        del w[bisect_left(w, a)]
        less, greater = bisect_left(w, a), len(w) - bisect_right(w, a)
        self.s -= greater - less
        self.up -= greater
        t = self.counts[a]
        self.ties += _tie_term(t - 1) - _tie_term(t)
        self.counts[a] = t - 1

    def _p(self, n: int) -> float:
        if self.s <= 0:
            return 1.0
        var = (n * (n - 1) * (2 * n + 5) - self.ties) / 18
        if var <= 0:
            return 1.0
        return 0.5 * math.erfc((self.s - 1) / math.sqrt(var) / math.sqrt(2))


def mann_kendall_p(ys: Sequence[float]) -> float:
    """The one-sided Mann-Kendall p-value alone (see `mann_kendall`)."""
    return mann_kendall(ys)[0]


def slope_at_least(xs: Sequence[int], ys: Sequence[int], slope: Fraction) -> bool | None:
    """Is the Theil-Sen slope of integer points at least `slope`? None when it is a tie.

    A pair's slope is >= p/q exactly when q*y - p*x does not fall from i to j, so counting
    such pairs is counting non-inversions of z = q*y - p*x: O(n log n) instead of sorting all
    n(n-1)/2 slopes. With N pairs, the median is >= p/q when more than half of them are; it
    is below when fewer than half are; with exactly N/2 (N even) the two middle slopes
    straddle p/q and only the exact median can tell (None).
    """
    p, q = slope.numerator, slope.denominator
    at_least = 0
    earlier: list[int] = []
    for x, y in zip(xs, ys, strict=True):
        z = q * y - p * x
        at_least += bisect_right(earlier, z)
        insort(earlier, z)
    pairs = len(xs) * (len(xs) - 1) // 2
    if 2 * at_least == pairs:
        return None
    return 2 * at_least > pairs


def fast_median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence (statistics.median without its overhead)."""
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


class SiteSeries:
    """One site's logged scores, indexed so that any window costs O(1) (plus a small sort).

    Offsets count calendar days from the first day of her history. `pos[k]` is the offset of
    the k-th logged value `val[k]`; `cnt[i]` is how many values were logged before offset i,
    so the values logged on offsets a..b are `val[cnt[a] : cnt[b + 1]]`. `tot` and `sev` are
    prefix sums of the values and of "value >= severe" over the logged values.
    """

    def __init__(self, values: Sequence[int | None], severe: int) -> None:
        self.pos = [i for i, v in enumerate(values) if v is not None]
        self.val: list[int] = [v for v in values if v is not None]
        self.cnt = [0, *accumulate(v is not None for v in values)]
        self.tot = [0, *accumulate(self.val)]
        self.sev = [0, *accumulate(map(severe.__le__, self.val))]  # v >= severe
        self._at_least: dict[int, list[int]] = {}
        self._kendall: dict[int, SlidingKendall] = {}

    def kendall(self, lo: int, hi: int, key: int) -> tuple[float, int]:
        """Mann-Kendall (p, concordant) of `val[lo:hi]`, kept incrementally per `key` (window)."""
        if key not in self._kendall:
            self._kendall[key] = SlidingKendall(self.val)
        return self._kendall[key].at(lo, hi)

    def at_least(self, t: int) -> list[int]:
        """Prefix counts of logged values >= t (built once per threshold)."""
        if t not in self._at_least:
            self._at_least[t] = [0, *accumulate(map(t.__le__, self.val))]  # v >= t
        return self._at_least[t]

    def index(self, i: int) -> int | None:
        """k such that `pos[k] == i`, or None when nothing was logged on offset i."""
        k = self.cnt[i]
        return k if self.cnt[i + 1] > k else None

    def span(self, i: int, days: int) -> tuple[int, int]:
        """(lo, hi): the logged values on offsets i-days+1..i are `val[lo:hi]`."""
        lo = i - days + 1
        return self.cnt[lo] if lo > 0 else 0, self.cnt[i + 1]

    def mean(self, lo: int, hi: int) -> float | None:
        """Mean of `val[lo:hi]` (None when empty)."""
        return (self.tot[hi] - self.tot[lo]) / (hi - lo) if hi > lo else None

    def median_between(self, first: int, last: int, min_count: int) -> float | None:
        """Median of values logged on offsets first..last if there are at least `min_count`."""
        lo, hi = self.cnt[max(0, first)], self.cnt[max(0, last + 1)]
        return fast_median(self.val[lo:hi]) if hi - lo >= min_count and hi > lo else None
