"""The trend statistics against slow, obvious reference implementations."""

from __future__ import annotations

import math
import random
from fractions import Fraction
from statistics import median

from app.domain.trend_stats import SlidingKendall, mann_kendall, slope_at_least, theil_sen_slope


def reference_mann_kendall(ys: list[int]) -> float:
    n = len(ys)
    s = sum((ys[j] > ys[i]) - (ys[j] < ys[i]) for i in range(n) for j in range(i + 1, n))
    ties = sum(t * (t - 1) * (2 * t + 5) for t in (ys.count(v) for v in set(ys)))
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18
    if s <= 0 or var <= 0:
        return 1.0
    return 0.5 * math.erfc((s - 1) / math.sqrt(var) / math.sqrt(2))


def test_mann_kendall_matches_the_pairwise_definition():
    rng = random.Random(1)
    for _ in range(300):
        ys = [rng.randint(0, 10) for _ in range(rng.randint(2, 21))]
        assert math.isclose(mann_kendall(ys)[0], reference_mann_kendall(ys))


def test_a_clear_rise_is_significant_and_a_flat_line_is_not():
    assert mann_kendall(list(range(12)))[0] < 0.001
    assert mann_kendall([5] * 12)[0] == 1.0


def test_sliding_kendall_equals_a_fresh_computation_for_every_window():
    rng = random.Random(2)
    values = [rng.randint(0, 10) for _ in range(200)]
    sliding = SlidingKendall(values)
    hi = 0
    for _ in range(300):
        hi = min(len(values), hi + rng.choice((0, 1, 1, 2, 5)))
        lo = max(0, hi - rng.randint(1, 21))
        assert sliding.at(lo, hi) == SlidingKendall(values).at(lo, hi)
        assert math.isclose(sliding.at(lo, hi)[0], reference_mann_kendall(values[lo:hi]) if hi > lo else 1.0)


def test_theil_sen_is_the_median_pairwise_slope():
    xs, ys = [0, 1, 3, 4, 7], [1, 2, 2, 5, 6]
    slopes = [(ys[j] - ys[i]) / (xs[j] - xs[i]) for i in range(5) for j in range(i + 1, 5)]
    assert theil_sen_slope(xs, ys) == median(slopes)


def test_slope_at_least_agrees_with_the_exact_median():
    rng = random.Random(3)
    for _ in range(500):
        xs = sorted(rng.sample(range(21), rng.randint(2, 15)))
        ys = [rng.randint(0, 10) for _ in xs]
        answer = slope_at_least(xs, ys, Fraction(1, 10))
        exact = theil_sen_slope(xs, ys) >= 0.1
        assert answer is None or answer == exact
