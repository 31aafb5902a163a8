"""Sentences generated from hand-made indicator profiles."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from lsr.core.indicators import (
    AE_ATTENDANCES,
    DELAYED_TRANSFERS,
    LONG_STAYS,
    READMISSIONS,
    Polarity,
)
from lsr.core.profile_types import AreaProfile
from lsr.report.sentences import (
    comparators_sentence,
    describe_periods,
    england_sentence,
    format_value,
    format_value_with_unit,
    indicator_sentences,
    latest_change_sentence,
    overview_sentence,
    possessive,
    spc_sentences,
)

OUTCOMES = ["better", "similar", "worse", "higher", "lower", "not compared"]


def test_consistently_better_and_stable_matches_report_voice(oxfordshire_profile):
    ae = oxfordshire_profile.indicators[0]
    assert england_sentence(ae, "Oxfordshire") == (
        "Oxfordshire's performance for A&E attendances (65+) has remained consistently "
        "significantly better than the England average and has not fluctuated much from its "
        "own average."
    )


def test_delayed_transfers_latest_sentence_exact(make_indicator, make_months):
    periods = make_months(date(2018, 6, 1), 2)
    ind = make_indicator(
        DELAYED_TRANSFERS,
        periods,
        [16.7, 20.6],
        [10.4, 10.3],
        vs_england=["worse", "worse"],
        ci_halfwidth=None,
    )
    assert latest_change_sentence(ind) == (
        "Recent activity (July 2018) shows performance deteriorated from 16.7 to 20.6 delayed "
        "beds per day per 100,000 population aged 18+, which is significantly worse than the "
        "England average, 10.3."
    )


def test_not_compared_uses_value_without_significance(oxfordshire_profile):
    dtoc = oxfordshire_profile.indicators[4]
    sentence = england_sentence(dtoc, "Oxfordshire")
    assert sentence == (
        "Oxfordshire's performance for delayed transfers of care (18+) has remained "
        "consistently higher than the England average."
    )
    latest = latest_change_sentence(dtoc)
    assert latest is not None
    assert "significantly" not in latest
    assert latest.endswith("which is higher than the England average, 10.3.")


def test_mostly_and_sometimes(make_indicator, make_quarters):
    q = make_quarters(2016, 9)
    mostly = make_indicator(
        AE_ATTENDANCES, q, [60.0] * 9, [70.0] * 9, vs_england=["better"] * 7 + ["similar"] * 2
    )
    assert "has mostly been significantly better than the England average (7 of 9 periods)" in (
        england_sentence(mostly, "Kent")
    )
    sometimes = make_indicator(
        AE_ATTENDANCES,
        q,
        [60.0] * 9,
        [70.0] * 9,
        vs_england=["worse"] * 4 + ["similar"] * 3 + ["better"] * 2,
    )
    assert england_sentence(sometimes, "Kent") == (
        "Kent's performance for A&E attendances (65+) has sometimes been significantly worse "
        "than the England average (4 of 9 periods); in the other periods it was similar (3) or "
        "significantly better (2); it has not fluctuated much from its own average."
    )


def test_consistently_similar(make_indicator, make_quarters):
    q = make_quarters(2016, 4)
    ind = make_indicator(AE_ATTENDANCES, q, [70.0] * 4, [70.5] * 4, vs_england=["similar"] * 4)
    assert "has remained consistently similar to the England average" in england_sentence(
        ind, "Kent"
    )


def test_change_direction_follows_polarity(make_indicator, make_quarters):
    q = make_quarters(2017, 2)
    # low is good: a fall is an improvement
    down = make_indicator(LONG_STAYS, q, [31.4, 29.8], [35.0, 35.0], vs_england=["better"] * 2)
    text = latest_change_sentence(down)
    assert text is not None
    assert "improved from 31.4% to 29.8%" in text
    up = make_indicator(LONG_STAYS, q, [29.8, 31.4], [35.0, 35.0], vs_england=["better"] * 2)
    assert "deteriorated from 29.8% to 31.4%" in (latest_change_sentence(up) or "")
    # high is good: a rise is an improvement
    high_good = AE_ATTENDANCES.__class__(
        **{**AE_ATTENDANCES.__dict__, "polarity": Polarity.HIGH_IS_GOOD}
    )
    rise = make_indicator(high_good, q, [60.0, 62.0], [70.0, 70.0], vs_england=["worse"] * 2)
    assert "improved from 60.0 to 62.0" in (latest_change_sentence(rise) or "")
    neutral = AE_ATTENDANCES.__class__(**{**AE_ATTENDANCES.__dict__, "polarity": Polarity.NEUTRAL})
    inc = make_indicator(neutral, q, [60.0, 62.0], [70.0, 70.0], vs_england=["lower"] * 2)
    text = latest_change_sentence(inc) or ""
    assert "increased from 60.0 to 62.0" in text
    assert "significantly lower than the England average, 70.0" in text


def test_unchanged_when_rounded_values_equal(make_indicator, make_quarters):
    q = make_quarters(2017, 2)
    ind = make_indicator(AE_ATTENDANCES, q, [60.02, 60.04], [70.0, 70.0], vs_england=["better"] * 2)
    assert "performance was unchanged at 60.0" in (latest_change_sentence(ind) or "")


def test_number_formatting():
    assert format_value(6850.34, AE_ATTENDANCES) == "6,850.3"
    assert format_value(19.04, READMISSIONS) == "19.0%"
    assert format_value(None, READMISSIONS) == "not available"
    assert format_value_with_unit(20.6, DELAYED_TRANSFERS).endswith("population aged 18+")
    assert format_value_with_unit(20.6, READMISSIONS) == "20.6%"
    assert possessive("St Helens") == "St Helens'"
    assert possessive("Oxfordshire") == "Oxfordshire's"


def test_trial_limits_caveat_only_with_few_points(oxfordshire_profile):
    short = oxfordshire_profile.indicators[3]
    caveats = [s for s in spc_sentences(short, "Oxfordshire") if "trial limits" in s]
    assert caveats == [
        "The control limits are trial limits because there are only 2 data points (fewer than "
        "13), so they should be interpreted with caution."
    ]
    long = oxfordshire_profile.indicators[0]
    assert not any("trial" in s for s in spc_sentences(long, "Oxfordshire"))


def test_special_cause_in_latest_point_names_rule(oxfordshire_profile):
    dtoc = oxfordshire_profile.indicators[4]
    sentences = spc_sentences(dtoc, "Oxfordshire")
    assert sentences[0] == (
        "In the latest period (July 2018) Oxfordshire's performance was significantly better "
        "than its own recent history (special cause improvement), shown by a run of consecutive "
        "points on one side of the average."
    )
    # earlier special causes, in order of first occurrence
    assert sentences[1] == (
        "Earlier in the series, performance was significantly worse than its own recent "
        "history (special cause concern) from April 2017 to June 2017."
    )
    assert sentences[2].endswith("(special cause improvement) from March 2018 to June 2018.")
    # not "has not fluctuated much" when there are special causes
    assert "fluctuated" not in england_sentence(dtoc, "Oxfordshire")


def test_synthetic_indicator_every_sentence_says_so(oxfordshire_profile):
    synthetic = oxfordshire_profile.indicators[5]
    sentences = indicator_sentences(synthetic, "Oxfordshire")
    assert len(sentences) >= 4
    assert all(s.startswith("Synthetic data") for s in sentences)
    real = indicator_sentences(oxfordshire_profile.indicators[0], "Oxfordshire")
    assert not any("ynthetic" in s for s in real)


def test_comparators_sentence(oxfordshire_profile):
    assert comparators_sentence(oxfordshire_profile.indicators[1], "Oxfordshire") == (
        "Oxfordshire's performance has remained consistently similar to the average of its "
        "comparator areas."
    )


def test_empty_and_none_values_do_not_crash(empty_indicator, make_indicator, make_quarters):
    assert indicator_sentences(empty_indicator, "Rutland") == [
        "There is no data for Rutland for hospital length of stay over 7 days (65+)."
    ]
    q = make_quarters(2017, 3)
    ind = make_indicator(
        LONG_STAYS,
        q,
        [30.0, None, None],
        [35.0, None, None],
        vs_england=["better", "not compared", "not compared"],
    )
    sentences = indicator_sentences(ind, "Rutland")
    assert "No value is available for the latest period (Q3 2017/18)." in sentences


def test_previous_missing_mentions_period(make_indicator, make_quarters):
    q = make_quarters(2017, 3)
    ind = make_indicator(
        LONG_STAYS, q, [30.0, None, 28.0], [35.0, 35.0, 35.0], vs_england=["better"] * 3
    )
    assert "improved from 30.0% in Q1 2017/18 to 28.0%" in (latest_change_sentence(ind) or "")


def test_overview_sentence(oxfordshire_profile):
    text = overview_sentence(oxfordshire_profile)
    assert text.startswith(
        "Overall our analysis shows that Oxfordshire has continued to perform well for A&E "
        "attendances (65+) and hospital length of stay over 7 days (65+)."
    )
    assert (
        "Oxfordshire continues to perform worse than the England average for delayed transfers "
        "of care (18+) and emergency readmissions within 30 days (65+) (synthetic data)." in text
    )
    assert text.endswith(
        "Indicators marked (synthetic data) use synthetic demonstration data: synthetic data — "
        "not real figures."
    )


def test_describe_periods():
    labels = [f"P{i}" for i in range(20)]
    assert describe_periods([0, 1, 2, 5], labels) == "from P0 to P2 and in P5"
    assert describe_periods([3, 4], labels) == "in P3 and P4"
    assert describe_periods([0, 2, 4, 6, 8, 9, 10], labels) == (
        "in 7 periods between P0 and P10, most recently from P8 to P10"
    )


def test_overview_empty_profile():
    empty = AreaProfile("E1", "Nowhere", "none", (), (), ())
    assert overview_sentence(empty) == (
        "Overall our analysis has no indicator data to report for Nowhere."
    )


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False)),
        min_size=0,
        max_size=20,
    ),
    data=st.data(),
)
def test_sentences_never_crash_and_are_deterministic(values, data, make_indicator, make_quarters):
    n = len(values)
    outcomes = data.draw(st.lists(st.sampled_from(OUTCOMES), min_size=n, max_size=n))
    england = data.draw(
        st.lists(
            st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False)),
            min_size=n,
            max_size=n,
        )
    )
    ind = make_indicator(READMISSIONS, make_quarters(2010, n), values, england, vs_england=outcomes)
    first = indicator_sentences(ind, "Area")
    assert first == indicator_sentences(ind, "Area")
    assert all(isinstance(s, str) and s for s in first)
    profile = AreaProfile("E1", "Area", "m", (), (), (ind,))
    assert overview_sentence(profile)
