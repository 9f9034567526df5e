"""indicators.stats: reference values with their source, and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import stats

# R 4.3: poisson.test(k)$conf.int (exact Garwood interval)
POISSON_R = {
    0: (0.0, 3.688879),
    1: (0.02531781, 5.57164339),
    5: (1.623486, 11.668332),
    20: (12.21652, 30.88838),
}


@pytest.mark.parametrize("k", sorted(POISSON_R))
def test_poisson_ci_matches_r(k):
    lo, hi = stats.poisson_ci(k)
    assert lo == pytest.approx(POISSON_R[k][0], rel=1e-5, abs=1e-9)
    assert hi == pytest.approx(POISSON_R[k][1], rel=1e-5)


def test_rate_ci_scales_count_interval_by_multiplier_over_denominator():
    value, lo, hi = stats.rate_ci(5, 37800, multiplier=100_000)
    assert value == pytest.approx(5 / 37800 * 100_000)
    assert lo == pytest.approx(1.623486 / 37800 * 100_000, rel=1e-5)
    assert hi == pytest.approx(11.668332 / 37800 * 100_000, rel=1e-5)


def test_rate_with_zero_or_missing_denominator_is_undefined():
    value, lo, hi = stats.rate_ci([3, 3], [0, np.nan], multiplier=1000)
    assert np.isnan(value).all() and np.isnan(lo).all() and np.isnan(hi).all()


# R: binom::binom.confint(x, n, methods = "wilson"); statsmodels proportion_confint(method="wilson")
WILSON = {
    (4, 9): (0.1887, 0.7333),
    (0, 10): (0.0, 0.2775),
    (10, 10): (0.7225, 1.0),
    (2, 3): (0.2077, 0.9385),
}


@pytest.mark.parametrize("x,n", sorted(WILSON))
def test_wilson_matches_published_values(x, n):
    p, lo, hi = stats.proportion_ci(x, n)
    assert p == pytest.approx(x / n)
    assert lo == pytest.approx(WILSON[(x, n)][0], abs=1e-4)
    assert hi == pytest.approx(WILSON[(x, n)][1], abs=1e-4)


def test_proportion_with_no_trials_is_undefined():
    p, lo, hi = stats.proportion_ci(0, 0)
    assert np.isnan(p) and np.isnan(lo) and np.isnan(hi)


def test_confidence_level_must_be_a_probability():
    with pytest.raises(ValueError, match="between 0 and 1"):
        stats.proportion_ci(1, 2, confidence_level=95)


def test_median_ci_uses_order_statistics():
    # n = 9: P(B <= 1) = 0.0195 <= 0.025 < P(B <= 2), so ranks 2 and 8 (Conover, table A3).
    x = [0, 0, 6, 27, 31, 51, 64, 70, 126]
    assert stats.median_ci(x) == (0.0, 70.0)
    # n = 5 cannot reach 95 % coverage: no interval rather than a misleading one.
    lo, hi = stats.median_ci([1, 2, 3, 4, 5])
    assert np.isnan(lo) and np.isnan(hi)
    # n = 6: ranks 1 and 6 give 1 - 2/64 = 0.969.
    assert stats.median_ci([5, 1, 4, 2, 6, 3]) == (1.0, 6.0)


def test_km_median_without_censoring_is_the_lower_median():
    assert stats.km_median([1, 2, 3, 4, 5], [True] * 5) == 3.0


def test_km_median_with_censoring_by_hand():
    # S(1) = 4/5, S(2) = 4/5 * 3/4 = 0.6; one censored at 2; S(3) = 0.6 * 1/2 = 0.3 <= 0.5.
    t = [1, 2, 2, 3, 4]
    observed = [True, True, False, True, True]
    assert stats.km_median(t, observed) == 3.0


def test_km_median_not_reached_is_nan():
    assert np.isnan(stats.km_median([5, 10, 20], [True, False, False]))
    assert np.isnan(stats.km_median([], []))


def _km_by_product_limit(t, e):
    t, e = np.asarray(t, float), np.asarray(e, bool)
    s = 1.0
    for u in np.unique(t[e]):
        at_risk = (t >= u).sum()
        s *= 1 - ((t == u) & e).sum() / at_risk
        if s <= 0.5 + 1e-12:
            return u
    return np.nan


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=1, max_size=40))
def test_km_median_agrees_with_a_plain_product_limit(rows):
    t = [r[0] for r in rows]
    e = [r[1] for r in rows]
    expected = _km_by_product_limit(t, e)
    got = stats.km_median(t, e)
    assert (np.isnan(expected) and np.isnan(got)) or got == expected


def test_summarise_durations_quartiles_and_bands():
    days = [0, 0, 6, 27, 31, 51, 64, 70, 126]
    bands = [(0, 7), (8, 30), (31, 90), (91, 180), (181, 365), (366, None)]
    out = stats.summarise_durations(days, bands)
    assert out["n"] == 9 and out["median"] == 31 and out["mean"] == pytest.approx(375 / 9)
    assert out["p25"] == 6 and out["p75"] == 64 and out["min"] == 0 and out["max"] == 126
    assert [out[k] for k in ("band_0_7", "band_8_30", "band_31_90", "band_91_180",
                             "band_181_365", "band_366_plus")] == [3, 1, 4, 1, 0, 0]


def test_summarise_empty_cohort():
    out = stats.summarise_durations([], [(0, 89), (90, None)])
    assert out["n"] == 0 and np.isnan(out["median"]) and out["band_90_plus"] == 0


def test_weighted_median():
    assert stats.weighted_median([10, 20, 30], [1, 1, 10]) == 30
    assert stats.weighted_median([10, 20, 30], [5, 1, 1]) == 10
    assert stats.weighted_median([10, np.nan, 30], [1, 100, 3]) == 30
    assert np.isnan(stats.weighted_median([], []))


@settings(max_examples=80, deadline=None)
@given(
    x=st.integers(0, 500),
    extra=st.integers(0, 500),
    levels=st.tuples(st.floats(0.5, 0.99), st.floats(0.5, 0.99)),
)
def test_intervals_contain_the_value_and_nest(x, extra, levels):
    narrow, wide = sorted(levels)
    n = x + extra
    for fn, args in ((stats.proportion_ci, (x, n)), (stats.rate_ci, (x, n + 1, 1000.0))):
        if fn is stats.proportion_ci and n == 0:
            continue
        v, lo_n, hi_n = fn(*args, confidence_level=narrow)
        _, lo_w, hi_w = fn(*args, confidence_level=wide)
        assert lo_w <= lo_n + 1e-12 <= v + 2e-12 and v <= hi_n + 1e-12 <= hi_w + 2e-12
