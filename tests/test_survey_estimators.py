"""The design-based estimators against published survey references.

Each block of reference numbers names where it comes from: a textbook example (Lohr, *Sampling:
Design and Analysis*, 3rd ed., 2021; data in the R package SDAResources), the R ``survey``
package's vignette, or R ``survey`` 4.1-1 run on the data written here (the R call is above the
numbers, as statsmodels does).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.survey.estimators import (
    design_df,
    stratified_variance,
    survey_ratio,
    survey_total,
    t_interval,
)

# --------------------------------------------------------------------------- Lohr, Example 5.2
# One-stage cluster sample: 5 suites of 4 students drawn from 100 suites; the GPA of every
# student of a drawn suite (Lohr 2021, Example 5.2, Table 5.2; SDAResources::gpa).
GPA = [3.08, 2.60, 3.44, 3.04, 2.36, 3.04, 3.28, 2.68, 2.00, 2.56,
       2.52, 1.88, 3.00, 2.88, 3.44, 3.64, 2.68, 1.92, 3.28, 3.20]  # fmt: skip
SUITE = np.repeat(np.arange(1, 6), 4)
# Lohr (2021), Example 5.2: t = 1130.4, SE(t) = 65.47; ybar = 2.826, SE = 0.1637.
# R survey 4.1-1:
#   dgpa <- svydesign(id=~suite, weights=~wt, fpc=~rep(100,20), data=gpa)
#   svytotal(~gpa, dgpa, deff=TRUE); svymean(~gpa, dgpa, deff=TRUE)
#   confint(svymean(~gpa, dgpa), df=degf(dgpa))
GPA_TOTAL, GPA_TOTAL_SE = 1130.4, 65.46596062076841
GPA_MEAN, GPA_MEAN_SE, GPA_DEFF = 2.826, 0.163664901551921, 2.129573388879173
GPA_MEAN_CI = (2.371593, 3.280407)


def _gpa(**kw):
    n = len(GPA)
    return dict(weight=np.full(n, 20.0), cluster=SUITE, stratum=np.ones(n),
                stratum_size=np.full(n, 100.0), **kw)


def test_lohr_cluster_total():
    est = survey_total(GPA, **_gpa())
    assert est.estimate[0] == pytest.approx(GPA_TOTAL)
    assert est.se[0] == pytest.approx(GPA_TOTAL_SE, rel=1e-12)
    assert round(est.se[0], 2) == 65.47  # as printed by Lohr
    assert est.deff[0] == pytest.approx(GPA_DEFF, rel=1e-12)
    assert est.df == 4


def test_lohr_cluster_mean_as_ratio():
    est = survey_ratio(GPA, np.ones(len(GPA)), **_gpa())
    assert est.estimate[0] == pytest.approx(GPA_MEAN)
    assert est.se[0] == pytest.approx(GPA_MEAN_SE, rel=1e-12)
    assert round(est.se[0], 4) == 0.1637  # as printed by Lohr
    assert est.deff[0] == pytest.approx(GPA_DEFF, rel=1e-12)
    assert (est.ci_lower[0], est.ci_upper[0]) == pytest.approx(GPA_MEAN_CI, abs=1e-6)


# --------------------------------------------------------------------------- Lohr, Example 3.2
# Stratified random sample of 300 US counties, four regions (Lohr 2021, Example 3.2;
# SDAResources::agstrat): N_h, n_h and the sample mean and variance of acres92 in each
# stratum, as printed in the example. Stratified estimates depend on the sample only through
# these, so the test rebuilds a sample with exactly these statistics.
AGSTRAT = {  # region: (N_h, n_h, mean, variance)
    "NC": (1054, 103, 3.0050415533980582e05, 2.9618183543289360e10),
    "NE": (220, 21, 9.7629809523809527e04, 7.6474727081619043e09),
    "S": (1382, 135, 2.1131504444444444e05, 5.3587487856192039e10),
    "W": (422, 41, 6.6229551219512196e05, 3.9618595026625610e11),
}
# Lohr (2021), Example 3.2: t_str = 909,736,035, SE = 50,417,248.
# R survey 4.1-1: dstr <- svydesign(id=~1, strata=~region, fpc=~popsize, weights=~strwt,
#   data=agstrat); svytotal(~acres92, dstr, deff=TRUE); confint(., df=degf(dstr))
AG_TOTAL, AG_SE, AG_DEFF = 9.09736035391958e08, 5.04172482518514e07, 7.94509216630918e-01
AG_CI = (810514349.97875, 1008957720.80517)


def _agstrat():
    y, strat, size, w = [], [], [], []
    for h, (big_n, n, mean, var) in AGSTRAT.items():
        z = np.linspace(-1, 1, n)
        z = (z - z.mean()) / z.std(ddof=1)  # mean 0, variance 1 exactly
        y.append(mean + np.sqrt(var) * z)
        strat += [h] * n
        size += [big_n] * n
        w += [big_n / n] * n
    y = np.concatenate(y)
    return y, dict(weight=np.array(w), cluster=np.arange(y.size), stratum=np.array(strat),
                   stratum_size=np.array(size, dtype=float))


def test_lohr_stratified_total():
    y, design = _agstrat()
    est = survey_total(y, **design)
    assert est.estimate[0] == pytest.approx(AG_TOTAL, rel=1e-12)
    assert est.se[0] == pytest.approx(AG_SE, rel=1e-10)
    assert round(est.estimate[0]) == 909_736_035 and round(est.se[0]) == 50_417_248
    assert est.deff[0] == pytest.approx(AG_DEFF, rel=1e-10)
    assert est.df == 296
    assert (est.ci_lower[0], est.ci_upper[0]) == pytest.approx(AG_CI, rel=1e-10)


# --------------------------------------------------------------------------- R survey vignette
# The vignette "A survey analysis example" (R survey, survey.Rnw, chunk 3): a one-stage
# cluster sample of 15 of the 757 California school districts (apiclus1),
#   dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
#   svytotal(~enroll, dclus1)  ->  3404940  SE 932235
#   svymean(~api00, dclus1)    ->  644.17   SE 23.542
# Cluster estimates depend on the data only through the cluster totals: per district
# (dnum), its schools in the sample and their summed enroll and api00 (from apiclus1, every
# school weighted pw = 33.846996307373047, as stored), so one row per district stands for
# its schools.
APICLUS1 = [  # dnum, schools, sum of enroll, sum of api00
    (61, 13, 6777, 9372), (135, 34, 15038, 22508), (178, 4, 1668, 2077),
    (197, 13, 6958, 8593), (255, 16, 9025, 11369), (406, 2, 683, 1116),
    (413, 1, 274, 551), (437, 4, 1436, 1888), (448, 12, 7375, 9111),
    (510, 21, 14968, 13761), (568, 9, 2180, 6386), (637, 11, 6081, 7359),
    (716, 37, 25814, 20394), (778, 2, 680, 905), (815, 4, 1641, 2493),
]  # fmt: skip
API_ENROLL, API_ENROLL_SE = 3404940.134529114, 932235.027041215
API_MEAN, API_MEAN_SE = 644.169398907104, 23.542240693781


def test_r_survey_vignette_cluster_total_and_mean():
    d = np.array(APICLUS1, dtype=float)
    design = dict(weight=np.full(15, 33.846996307373047), cluster=d[:, 0], stratum=np.ones(15),
                  stratum_size=np.full(15, 757.0))
    total = survey_total(d[:, 2], **design)
    assert total.estimate[0] == pytest.approx(API_ENROLL, rel=1e-12)
    assert total.se[0] == pytest.approx(API_ENROLL_SE, rel=1e-12)
    mean = survey_ratio(d[:, 3], d[:, 1], **design)
    assert mean.estimate[0] == pytest.approx(API_MEAN, rel=1e-12)
    assert mean.se[0] == pytest.approx(API_MEAN_SE, rel=1e-11)


# --------------------------------------------------------------------------- a domain
# A stratified cluster sample written here: 2 strata (N = 10 and 4 places), 3 and 2 places
# drawn, children with a 0/1 outcome, one place holding nobody. R survey 4.1-1
# (tests/data/survey_reference.R, "domain" block):
#   d <- svydesign(id=~place, strata=~stratum, weights=~w, fpc=~N, data=kids)
#   svyratio(~y, ~girl, d); svymean(~y, subset(d, girl == 1), deff=TRUE)
#   svytotal(~girl, d, deff=TRUE) on one row per place: svytotal(~girls, places, deff=TRUE)
KIDS = [  # stratum, place, N, weight, girl, y
    ("a", 1, 10, 10 / 3, 1, 1), ("a", 1, 10, 10 / 3, 1, 0), ("a", 1, 10, 10 / 3, 0, 1),
    ("a", 2, 10, 10 / 3, 1, 1), ("a", 2, 10, 10 / 3, 0, 0), ("a", 3, 10, 10 / 3, 0, 0),
    ("b", 4, 4, 2.0, 1, 0), ("b", 4, 4, 2.0, 1, 0), ("b", 4, 4, 2.0, 1, 1),
    ("b", 4, 4, 2.0, 0, 1), ("b", 5, 4, 2.0, 0, 0),
]  # fmt: skip
DOMAIN_RATIO, DOMAIN_SE, DOMAIN_DEFF = 0.5416666666666667, 0.1039494262494632, 0.3481934731934732
GIRLS_TOTAL, GIRLS_SE, GIRLS_DEFF = 16.0, 6.429100507328636, 1.121447028423773


def _kids():
    k = np.array([r[1:] for r in KIDS], dtype=float)
    strat = np.array([r[0] for r in KIDS])
    return k, dict(weight=k[:, 2], cluster=k[:, 0], stratum=strat, stratum_size=k[:, 1])


def test_domain_ratio_against_r_survey():
    k, design = _kids()
    girl, y = k[:, 3], k[:, 4]
    est = survey_ratio(y * girl, girl, **design)
    assert est.estimate[0] == pytest.approx(DOMAIN_RATIO, rel=1e-12)
    assert est.se[0] == pytest.approx(DOMAIN_SE, rel=1e-10)
    assert est.deff[0] == pytest.approx(DOMAIN_DEFF, rel=1e-10)
    assert est.df == 5 - 2


def test_total_over_place_rows_against_r_survey():
    k, _ = _kids()
    places = np.unique(k[:, 0])
    girls = np.array([k[(k[:, 0] == p), 3].sum() for p in places])
    first = np.array([np.flatnonzero(k[:, 0] == p)[0] for p in places])
    strat = np.array([KIDS[i][0] for i in first])
    est = survey_total(girls, k[first, 2], places, strat, k[first, 1])
    assert est.estimate[0] == pytest.approx(GIRLS_TOTAL)
    assert est.se[0] == pytest.approx(GIRLS_SE, rel=1e-10)
    assert est.deff[0] == pytest.approx(GIRLS_DEFF, rel=1e-10)


# --------------------------------------------------------------------------- properties


def test_certainty_stratum_adds_no_variance_and_a_lone_place_makes_it_undefined():
    w, y = np.array([1.0, 5.0, 5.0]), np.array([7.0, 1.0, 3.0])
    kept = stratified_variance(w * y, [1, 2, 3], ["c", "s", "s"], [1, 10, 10])
    assert kept[0] == pytest.approx((1 - 2 / 10) * 2 * ((5 - 10) ** 2 + (15 - 10) ** 2))
    lone = stratified_variance(w * y, [1, 2, 3], ["c", "s", "s"], [3, 10, 10])
    assert np.isnan(lone[0])


def test_complete_enumeration_has_no_sampling_variance():
    y = np.array([3.0, 0.0, 5.0, 2.0])
    est = survey_total(y, np.ones(4), [1, 2, 3, 4], ["a", "a", "b", "b"], [2, 2, 2, 2])
    assert est.estimate[0] == 10 and est.se[0] == 0
    assert design_df([1, 2, 3, 4], ["a", "a", "b", "b"]) == 2


def test_t_interval_needs_a_degree_of_freedom():
    lo, hi = t_interval([1.0], [0.5], 0)
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    with pytest.raises(ValueError):
        t_interval([1.0], [0.5], 3, confidence_level=1.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=4, max_size=12), st.floats(0.5, 0.99))
def test_groups_add_up_and_intervals_nest(counts, level):
    """Totals of groups add up to the total; a higher confidence gives a wider interval."""
    n = len(counts)
    y = np.array(counts, dtype=float)
    girls = np.floor(y / 2)
    design = dict(weight=np.full(n, 3.0), cluster=np.arange(n),
                  stratum=np.arange(n) % 2, stratum_size=np.full(n, 3.0 * n))
    both = survey_total(np.column_stack([y, girls, y - girls]), confidence_level=level, **design)
    assert both.estimate[0] == pytest.approx(both.estimate[1] + both.estimate[2])
    wider = survey_total(y, confidence_level=min(level + 0.005, 0.999), **design)
    assert wider.ci_lower[0] <= both.ci_lower[0] + 1e-9
    assert wider.ci_upper[0] >= both.ci_upper[0] - 1e-9
