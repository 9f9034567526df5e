"""indicators.stats: reference values with their source, and invariants."""

from __future__ import annotations

import itertools

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


# --------------------------------------------------------------------------- comparisons

# R 4.x, the example of ?poisson.test (eba1977, Fredericia against the three other cities, ages
# 55-59): poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) prints
# rate ratio 1.971488, 95 percent confidence interval 0.8584264 4.2772659.
def test_rate_ratio_matches_r_poisson_test_example():
    ratio, lo, hi = stats.rate_ratio_ci(11, 800, 6 + 8 + 7, 1083 + 1050 + 878)
    assert ratio == pytest.approx(1.971488, rel=1e-6)
    assert lo == pytest.approx(0.8584264, rel=1e-6)
    assert hi == pytest.approx(4.2772659, rel=1e-6)


def test_rate_ratio_worked_by_hand():
    # 0 events against 4 with equal denominators: pi_U = 1 - 0.025 ** (1/4) solves
    # P(X = 0 | n = 4, pi) = 0.025, so R_U = pi_U / (1 - pi_U) = 0.025 ** (-1/4) - 1.
    ratio, lo, hi = stats.rate_ratio_ci(0, 500, 4, 500)
    assert (ratio, lo) == (0.0, 0.0)
    assert hi == pytest.approx(0.025 ** -0.25 - 1)
    # Unequal denominators scale the interval by d_b / d_a: 0 of 1,000 against 4 of 500.
    _, _, hi2 = stats.rate_ratio_ci(0, 1000, 4, 500)
    assert hi2 == pytest.approx((0.025 ** -0.25 - 1) * 500 / 1000)
    # At 90 % the tail is 0.05.
    _, _, hi90 = stats.rate_ratio_ci(0, 500, 4, 500, confidence_level=0.90)
    assert hi90 == pytest.approx(0.05 ** -0.25 - 1)


def test_rate_ratio_undefined_cases():
    ratio, lo, hi = stats.rate_ratio_ci([3, 3, 3, 0, np.nan], [100, 0, 100, 100, 100],
                                        [0, 2, 2, 0, 2], [100, 100, np.nan, 100, 100])
    assert np.isnan(ratio).all() and np.isnan(lo).all() and np.isnan(hi).all()


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300), st.floats(1, 1e7), st.floats(1, 1e7),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_rate_ratio_is_clopper_pearson_of_the_conditional_binomial(na, nb, da, db, level):
    from scipy.stats import binomtest

    ratio, lo, hi = stats.rate_ratio_ci(na, da, nb, db, level)
    if nb == 0:
        assert np.isnan(ratio) and np.isnan(lo) and np.isnan(hi)
        return
    ci = binomtest(na, na + nb).proportion_ci(confidence_level=level, method="exact")
    assert ratio == pytest.approx((na / da) / (nb / db), rel=1e-12)
    assert lo == pytest.approx(ci.low / (1 - ci.low) * db / da, rel=1e-9, abs=1e-300)
    assert hi == pytest.approx(ci.high / (1 - ci.high) * db / da, rel=1e-9)
    assert lo <= ratio <= hi


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200), st.integers(1, 200), st.floats(10, 1e6), st.floats(10, 1e6))
def test_rate_ratio_limits_are_where_the_exact_conditional_test_gives_alpha_over_2(
    na, nb, da, db
):
    from statsmodels.stats.rates import test_poisson_2indep

    _, lo, hi = stats.rate_ratio_ci(na, da, nb, db, 0.95)
    p_low = test_poisson_2indep(na, da, nb, db, value=float(lo), method="exact-cond",
                                alternative="larger").pvalue
    p_high = test_poisson_2indep(na, da, nb, db, value=float(hi), method="exact-cond",
                                 alternative="smaller").pvalue
    assert p_low == pytest.approx(0.025, rel=1e-6)
    assert p_high == pytest.approx(0.025, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 100), st.integers(1, 100), st.floats(1, 1e5), st.floats(1, 1e5))
def test_rate_ratio_swapping_the_cells_inverts_the_interval(na, nb, da, db):
    ratio, lo, hi = stats.rate_ratio_ci(na, da, nb, db)
    if na == 0:
        return
    r2, lo2, hi2 = stats.rate_ratio_ci(nb, db, na, da)
    assert r2 == pytest.approx(1 / ratio)
    assert lo2 == pytest.approx(1 / hi, rel=1e-9)
    assert hi2 == pytest.approx(1 / lo, rel=1e-9)


# Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score,
# no continuity correction), rounded to 4 decimals as printed.
NEWCOMBE_TABLE_II = {
    (56, 70, 48, 80): (0.0524, 0.3339),
    (9, 10, 3, 10): (0.1705, 0.8090),
    (5, 56, 0, 29): (-0.0381, 0.1926),
    (0, 10, 0, 20): (-0.1611, 0.2775),
    (0, 10, 0, 10): (-0.2775, 0.2775),
    (10, 10, 0, 20): (0.6791, 1.0000),
    (10, 10, 0, 10): (0.6075, 1.0000),
}


@pytest.mark.parametrize("case", sorted(NEWCOMBE_TABLE_II))
def test_proportion_difference_matches_newcombe_table_ii(case):
    d, lo, hi = stats.proportion_difference_ci(*case)
    assert d == pytest.approx(case[0] / case[1] - case[2] / case[3])
    assert (lo, hi) == (pytest.approx(NEWCOMBE_TABLE_II[case][0], abs=5e-5),
                        pytest.approx(NEWCOMBE_TABLE_II[case][1], abs=5e-5))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.data(),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_proportion_difference_agrees_with_statsmodels_newcomb(n_a, n_b, data, level):
    from statsmodels.stats.proportion import confint_proportions_2indep

    x_a = data.draw(st.integers(0, n_a))
    x_b = data.draw(st.integers(0, n_b))
    d, lo, hi = stats.proportion_difference_ci(x_a, n_a, x_b, n_b, level)
    ref_lo, ref_hi = confint_proportions_2indep(x_a, n_a, x_b, n_b, method="newcomb",
                                                compare="diff", alpha=1 - level)
    assert lo == pytest.approx(ref_lo, abs=1e-10)
    assert hi == pytest.approx(ref_hi, abs=1e-10)
    assert -1 <= lo <= d <= hi <= 1


def test_proportion_difference_undefined_without_trials():
    d, lo, hi = stats.proportion_difference_ci([1, 1], [0, 5], [1, 1], [5, np.nan])
    assert np.isnan(d).all() and np.isnan(lo).all() and np.isnan(hi).all()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 50), st.integers(1, 50), st.integers(0, 50), st.integers(1, 50))
def test_comparison_intervals_nest_as_confidence_grows(xa, extra_a, xb, extra_b):
    na, nb = xa + extra_a, xb + extra_b
    widths = []
    for level in (0.8, 0.9, 0.95, 0.99):
        _, lo, hi = stats.proportion_difference_ci(xa, na, xb, nb, level)
        _, rlo, rhi = stats.rate_ratio_ci(xa, 1000, xb + 1, 1000, level)
        widths.append((lo, hi, rlo, rhi))
    for (lo1, hi1, rlo1, rhi1), (lo2, hi2, rlo2, rhi2) in itertools.pairwise(widths):
        assert lo2 <= lo1 + 1e-12 and hi1 <= hi2 + 1e-12
        assert rlo2 <= rlo1 + 1e-12 and rhi1 <= rhi2 * (1 + 1e-12)


def test_binomial_exact_ci_matches_scipy_and_its_edges():
    from scipy.stats import binomtest

    lo, hi = stats.binomial_exact_ci([0, 3, 10], [10, 10, 10])
    for i, x in enumerate([0, 3, 10]):
        ci = binomtest(x, 10).proportion_ci(method="exact")
        assert (lo[i], hi[i]) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert (lo[0], hi[2]) == (0.0, 1.0)
    assert np.isnan(stats.binomial_exact_ci(1, 0)).all()


# --------------------------------------------------------------------------- rank intervals


def test_rank_intervals_are_seeded_and_contain_the_rank():
    x, d = [40, 41, 5, 0, 200], [10_000, 10_000, 10_000, 10_000, 10_000]
    first = stats.rank_intervals(x, d, seed=7)
    again = stats.rank_intervals(x, d, seed=7)
    assert all((a == b).all() for a, b in zip(first, again, strict=True))
    rank, lo, hi = first
    assert rank.tolist() == [3, 2, 4, 5, 1]
    assert (lo <= rank).all() and (rank <= hi).all()
    # 200 per 10,000 is far above the rest: always first; 40 and 41 cannot be told apart.
    assert (lo[4], hi[4]) == (1, 1)
    assert (lo[0], hi[0]) == (2, 3) and (lo[1], hi[1]) == (2, 3)
    # A count of 0 is not stuck at the bottom by construction, but 0 against 5 is close.
    assert hi[3] == 5 and lo[3] >= 4


def test_rank_intervals_of_equal_units_span_every_rank():
    rank, lo, hi = stats.rank_intervals([50] * 4, [1000] * 4, n_draws=4000, seed=1)
    assert rank.tolist() == [1, 1, 1, 1]
    assert lo.tolist() == [1, 1, 1, 1] and hi.tolist() == [4, 4, 4, 4]


def test_rank_intervals_for_proportions_and_ascending_order():
    rank, lo, hi = stats.rank_intervals([90, 10], [100, 100], kind="proportion",
                                        descending=False, seed=3)
    assert rank.tolist() == [2, 1] and lo.tolist() == [2, 1] and hi.tolist() == [2, 1]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(50, 5000)), min_size=1, max_size=8))
def test_rank_intervals_are_within_1_and_k(units):
    x, d = zip(*units, strict=True)
    rank, lo, hi = stats.rank_intervals(x, d, n_draws=500, seed=0)
    k = len(units)
    assert ((lo >= 1) & (lo <= hi) & (hi <= k)).all()
    assert ((rank >= 1) & (rank <= k)).all()


def test_rank_intervals_reject_bad_input():
    with pytest.raises(ValueError, match="denominator > 0"):
        stats.rank_intervals([1, 2], [10, 0])
    with pytest.raises(ValueError, match="kind"):
        stats.rank_intervals([1], [10], kind="median")
    with pytest.raises(ValueError, match="exceed"):
        stats.rank_intervals([11], [10], kind="proportion")
