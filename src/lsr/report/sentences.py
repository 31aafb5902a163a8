"""Plain-English sentences for the "System progress against key indicators" section.

The functions here turn an :class:`~lsr.core.profile_types.IndicatorProfile` (or a whole
:class:`~lsr.core.profile_types.AreaProfile`) into sentences in the voice of a local system
review progress report, for example::

    Oxfordshire's performance for A&E attendances (65+) has remained consistently significantly
    better than the England average and has not fluctuated much from its own average.

They compute no statistics: every judgement (better/similar/worse, special cause) comes from the
profile. Significance words ("significantly") are used only when a comparison was a statistical
one; when a point was "not compared" the area's value is compared with the benchmark by value
("higher than the England average"). Everything is deterministic and copes with empty series and
missing values. Sentences about synthetic series always say so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lsr.core.indicators import Indicator, Polarity, Statistic
from lsr.core.profile_types import AreaProfile, Comparison, IndicatorProfile, ProfilePoint

__all__ = [
    "SYNTHETIC_LABEL",
    "Judgement",
    "comparators_sentence",
    "describe_periods",
    "england_sentence",
    "format_number",
    "format_value",
    "format_value_with_unit",
    "indicator_sentences",
    "judge",
    "latest_change_sentence",
    "lower_first",
    "overview_sentence",
    "possessive",
    "rule_description",
    "spc_sentences",
]

#: The label shown wherever synthetic demonstration data appears.
SYNTHETIC_LABEL = "Synthetic data — not real figures"

#: Fewer points than this and control limits are trial limits.
MIN_POINTS_FOR_LIMITS = 13

_STATISTICAL_OUTCOMES = frozenset({"better", "similar", "worse", "higher", "lower"})

_RULE_DESCRIPTIONS: dict[str, str] = {
    "outside_limits": "a point outside the control limits",
    "trend": "a run of consecutive points all increasing or all decreasing",
    "two_of_three": "two out of three points close to a control limit",
    "shift": "a run of consecutive points on one side of the average",
}


# --------------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------------


def format_number(value: float | None, decimals: int = 1) -> str:
    """Format a number with thousands separators and a fixed number of decimals.

    ``None`` and NaN become ``"not available"``.
    """
    if value is None or value != value:
        return "not available"
    return f"{value:,.{decimals}f}"


def format_value(value: float | None, indicator: Indicator) -> str:
    """Format an indicator value: 1 decimal for rates, 1 decimal and ``%`` for proportions."""
    if value is None or value != value:
        return "not available"
    if indicator.statistic is Statistic.PROPORTION:
        return f"{format_number(value)}%"
    return format_number(value)


def format_value_with_unit(value: float | None, indicator: Indicator) -> str:
    """Format a value followed by its unit (proportions carry their ``%`` only)."""
    text = format_value(value, indicator)
    if value is None or value != value or indicator.statistic is Statistic.PROPORTION:
        return text
    return f"{text} {indicator.unit}"


def possessive(name: str) -> str:
    """``Oxfordshire`` → ``Oxfordshire's``; a name ending in *s* takes a bare apostrophe."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def lower_first(text: str) -> str:
    """Lower-case the first letter of an indicator name unless it starts an acronym (A&E)."""
    if len(text) >= 2 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def rule_description(rule: str | None) -> str:
    """A plain-English description of an SPC rule name."""
    if rule is None:
        return "no rule"
    return _RULE_DESCRIPTIONS.get(rule, rule.replace("_", " "))


def _join(items: Sequence[str], conjunction: str = "and") -> str:
    """Join with commas and a final "and" (or another conjunction)."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def _synthetic(ind: IndicatorProfile, sentence: str) -> str:
    return f"Synthetic data: {sentence}" if ind.synthetic else sentence


# --------------------------------------------------------------------------------------------
# Judging a point against a benchmark
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """How one point compares with a benchmark, in words.

    ``outcome`` is ``better``, ``similar``, ``worse``, ``higher``, ``lower`` or ``the same``;
    ``significant`` is True when it came from a statistical comparison; ``direction`` is the
    polarity-aware reading (``better``/``worse``/``similar``) or ``None`` for neutral indicators.
    """

    outcome: str
    significant: bool
    direction: str | None

    def phrase(self, benchmark: str) -> str:
        """E.g. ``significantly better than the England average`` or ``similar to ...``."""
        if self.outcome == "similar":
            return f"similar to {benchmark}"
        if self.outcome == "the same":
            return f"the same as {benchmark}"
        prefix = "significantly " if self.significant else ""
        return f"{prefix}{self.outcome} than {benchmark}"

    def short(self) -> str:
        """E.g. ``significantly better`` or ``similar``."""
        if self.outcome in ("similar", "the same"):
            return self.outcome
        prefix = "significantly " if self.significant else ""
        return f"{prefix}{self.outcome}"


def _direction_from_value(outcome: str, polarity: Polarity) -> str | None:
    if outcome in ("better", "worse", "similar"):
        return outcome
    if outcome == "the same":
        return "similar"
    if polarity is Polarity.NEUTRAL:
        return None
    high_good = polarity is Polarity.HIGH_IS_GOOD
    if outcome == "higher":
        return "better" if high_good else "worse"
    if outcome == "lower":
        return "worse" if high_good else "better"
    return None


def judge(
    comparison: Comparison, value: float | None, benchmark: float | None, polarity: Polarity
) -> Judgement | None:
    """Read a :class:`Comparison` into a :class:`Judgement`.

    A statistical outcome is taken as it is; for ``not compared`` the value is compared with the
    benchmark by value (no significance claimed). Returns ``None`` when nothing can be said.
    """
    outcome = comparison.outcome
    if outcome in _STATISTICAL_OUTCOMES:
        return Judgement(outcome, outcome != "similar", _direction_from_value(outcome, polarity))
    bench = benchmark if benchmark is not None else comparison.benchmark
    if value is None or bench is None or value != value or bench != bench:
        return None
    if round(value, 1) == round(bench, 1):
        by_value = "the same"
    else:
        by_value = "higher" if value > bench else "lower"
    return Judgement(by_value, False, _direction_from_value(by_value, polarity))


def _judge_england(point: ProfilePoint, polarity: Polarity) -> Judgement | None:
    return judge(point.vs_england, point.value, point.england, polarity)


def _judge_comparators(point: ProfilePoint, polarity: Polarity) -> Judgement | None:
    return judge(point.vs_comparators, point.value, point.comparators, polarity)


_OUTCOME_ORDER = ("worse", "better", "higher", "lower", "similar", "the same")


def _series_phrase(judgements: Sequence[Judgement], benchmark: str) -> str | None:
    """``has remained consistently ...`` / ``has mostly been ...`` / ``has sometimes been ...``."""
    if not judgements:
        return None
    n = len(judgements)
    counts = Counter((j.outcome, j.significant) for j in judgements)
    ranked = sorted(
        counts.items(), key=lambda kv: (-kv[1], _OUTCOME_ORDER.index(kv[0][0]), not kv[0][1])
    )
    (top_outcome, top_sig), top_count = ranked[0]
    top = Judgement(top_outcome, top_sig, None)
    if top_count == n:
        return f"has remained consistently {top.phrase(benchmark)}"
    if 3 * top_count >= 2 * n:
        return f"has mostly been {top.phrase(benchmark)} ({top_count} of {n} periods)"
    others = [
        f"{Judgement(outcome, sig, None).short()} ({count})" for (outcome, sig), count in ranked[1:]
    ]
    return (
        f"has sometimes been {top.phrase(benchmark)} ({top_count} of {n} periods); "
        f"in the other periods it was {_join(others, 'or')}"
    )


# --------------------------------------------------------------------------------------------
# Sentences for one indicator
# --------------------------------------------------------------------------------------------


def _spc_points(ind: IndicatorProfile) -> list[ProfilePoint]:
    return [p for p in ind.points if p.spc is not None]


def _all_common_cause(ind: IndicatorProfile) -> bool:
    spc_points = _spc_points(ind)
    return bool(spc_points) and all(
        p.spc is not None and p.spc.point_type == "common_cause" for p in spc_points
    )


def england_sentence(ind: IndicatorProfile, area_name: str) -> str:
    """How the area compared with the England average across the whole series.

    When every control-chart point is common cause the sentence ends "and has not fluctuated
    much from its own average", as in the seed report.
    """
    name = lower_first(ind.indicator.name)
    subject = f"{possessive(area_name)} performance for {name}"
    polarity = ind.indicator.polarity
    judgements = [j for p in ind.points if (j := _judge_england(p, polarity)) is not None]
    phrase = _series_phrase(judgements, "the England average")
    if phrase is None:
        if not ind.points:
            return _synthetic(ind, f"There is no data for {area_name} for {name}.")
        sentence = f"{subject} could not be compared with the England average."
    else:
        sentence = f"{subject} {phrase}"
        if _all_common_cause(ind):
            joiner = "; it" if ";" in phrase else " and"
            sentence += f"{joiner} has not fluctuated much from its own average"
        sentence += "."
    return _synthetic(ind, sentence)


def _change_word(previous: float, latest: float, polarity: Polarity) -> str:
    if polarity is Polarity.NEUTRAL:
        return "increased" if latest > previous else "decreased"
    went_up = latest > previous
    good = went_up == (polarity is Polarity.HIGH_IS_GOOD)
    return "improved" if good else "deteriorated"


def latest_change_sentence(ind: IndicatorProfile) -> str | None:
    """The change from the previous to the latest value, and the latest against England.

    E.g. "Recent activity (July 2018) shows performance deteriorated from 16.7 to 20.6 delayed
    beds per day per 100,000 population aged 18+, which is significantly worse than the England
    average, 10.3." Returns ``None`` for an empty series.
    """
    latest = ind.latest
    if latest is None:
        return None
    indicator = ind.indicator
    if latest.value is None:
        return _synthetic(
            ind, f"No value is available for the latest period ({latest.period_label})."
        )
    earlier = [
        (i, p) for i, p in enumerate(ind.points[:-1]) if p.value is not None and p.value == p.value
    ]
    latest_text = format_value_with_unit(latest.value, indicator)
    if earlier:
        index, previous = earlier[-1]
        assert previous.value is not None
        when = "" if index == len(ind.points) - 2 else f" in {previous.period_label}"
        prev_text = format_value(previous.value, indicator)
        if prev_text == format_value(latest.value, indicator):
            change = f"performance was unchanged at {latest_text}"
            if when:
                change += f" (as{when})"
        else:
            word = _change_word(previous.value, latest.value, indicator.polarity)
            change = f"performance {word} from {prev_text}{when} to {latest_text}"
        sentence = f"Recent activity ({latest.period_label}) shows {change}"
    else:
        sentence = f"The only available value ({latest.period_label}) is {latest_text}"
    judgement = _judge_england(latest, indicator.polarity)
    if judgement is not None:
        england = format_value(latest.england, indicator)
        if latest.england is None:
            sentence += f", which is {judgement.phrase('the England average')}"
        else:
            sentence += f", which is {judgement.phrase('the England average')}, {england}"
    elif latest.england is not None:
        sentence += f"; the England average was {format_value(latest.england, indicator)}"
    return _synthetic(ind, sentence + ".")


def comparators_sentence(ind: IndicatorProfile, area_name: str) -> str | None:
    """How the area compared with the average of its comparator areas across the series."""
    polarity = ind.indicator.polarity
    judgements = [j for p in ind.points if (j := _judge_comparators(p, polarity)) is not None]
    phrase = _series_phrase(judgements, "the average of its comparator areas")
    if phrase is None:
        return None
    return _synthetic(ind, f"{possessive(area_name)} performance {phrase}.")


_HISTORY_WORDS = {
    "special_cause_improvement": "significantly better than its own recent history "
    "(special cause improvement)",
    "special_cause_concern": "significantly worse than its own recent history "
    "(special cause concern)",
    "special_cause_neutral_high": "unusually high compared with its own recent history "
    "(special cause variation)",
    "special_cause_neutral_low": "unusually low compared with its own recent history "
    "(special cause variation)",
}


def describe_periods(indices: Sequence[int], labels: Sequence[str], max_runs: int = 4) -> str:
    """Describe a set of point positions compactly: consecutive points become ranges.

    ``[0, 1, 2, 5]`` with month labels gives "from April 2017 to June 2017 and in September
    2017"; more than ``max_runs`` separate runs are summarised as "in 15 periods between April
    2014 and October 2016, most recently from August 2016 to October 2016".
    """
    runs: list[list[int]] = []
    for i in sorted(indices):
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])

    def run_text(run: list[int]) -> str:
        if len(run) == 1:
            return f"in {labels[run[0]]}"
        if len(run) == 2:
            return f"in {labels[run[0]]} and {labels[run[1]]}"
        return f"from {labels[run[0]]} to {labels[run[-1]]}"

    if not runs:
        return ""
    if len(runs) > max_runs:
        first, last = labels[runs[0][0]], labels[runs[-1][-1]]
        return (
            f"in {len(indices)} periods between {first} and {last}, most recently "
            f"{run_text(runs[-1])}"
        )
    return _join([run_text(r) for r in runs])


def spc_sentences(ind: IndicatorProfile, area_name: str) -> list[str]:
    """The control-chart story: special causes in the latest point and earlier, and caveats.

    The all-common-cause case is folded into :func:`england_sentence` ("has not fluctuated much
    from its own average") and produces no sentence here unless there is a caveat.
    """
    spc_points = _spc_points(ind)
    if not ind.points:
        return []
    if not spc_points:
        return [_synthetic(ind, "No control chart is available for this indicator.")]
    sentences: list[str] = []
    latest = ind.points[-1]
    if latest.spc is not None and latest.spc.point_type in _HISTORY_WORDS:
        words = _HISTORY_WORDS[latest.spc.point_type]
        rule = latest.spc.rule
        because = f", shown by {rule_description(rule)}" if rule else ""
        sentences.append(
            f"In the latest period ({latest.period_label}) {possessive(area_name)} performance "
            f"was {words}{because}."
        )
    earlier: dict[str, list[int]] = {}
    for i, p in enumerate(ind.points[:-1]):
        if p.spc is not None and p.spc.point_type in _HISTORY_WORDS:
            earlier.setdefault(p.spc.point_type, []).append(i)
    labels = [p.period_label for p in ind.points]
    for point_type, indices in earlier.items():  # in order of first occurrence
        sentences.append(
            f"Earlier in the series, performance was {_HISTORY_WORDS[point_type]} "
            f"{describe_periods(indices, labels)}."
        )
    if spc_points and not sentences and not _all_common_cause(ind):
        sentences.append("There was no special cause variation.")
    n = len(spc_points)
    trial = any(p.spc is not None and p.spc.trial_limits for p in spc_points)
    if n < MIN_POINTS_FOR_LIMITS:
        point_word = "point" if n == 1 else "points"
        sentences.append(
            f"The control limits are trial limits because there are only {n} data "
            f"{point_word} (fewer than {MIN_POINTS_FOR_LIMITS}), so they should be interpreted "
            "with caution."
        )
    elif trial:
        sentences.append(
            "The control limits are trial limits, so they should be interpreted with caution."
        )
    return [_synthetic(ind, s) for s in sentences]


def period_ranges(periods: Sequence[date]) -> str:
    """Months as compact ranges: "January 2017 to May 2018 and August to September 2018"."""
    numbers = sorted({p.year * 12 + p.month - 1 for p in periods})
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])

    def month(n: int, with_year: bool = True) -> str:
        d = date(n // 12, n % 12 + 1, 1)
        return f"{d:%B %Y}" if with_year else f"{d:%B}"

    texts = []
    for run in runs:
        if len(run) == 1:
            texts.append(month(run[0]))
        else:
            same_year = run[0] // 12 == run[-1] // 12
            texts.append(f"{month(run[0], not same_year)} to {month(run[-1])}")
    return _join(texts)


def missing_periods_sentence(ind: IndicatorProfile) -> str | None:
    """Names the months with no figures, which the chart leaves as gaps."""
    if not ind.missing_periods:
        return None
    count = len(ind.missing_periods)
    months = "month" if count == 1 else "months"
    return (
        f"There are no figures for {period_ranges(ind.missing_periods)} ({count} {months}): "
        "the chart leaves a gap there rather than joining the points either side, and the "
        "control limits are worked out from the months that have figures."
    )


def indicator_sentences(ind: IndicatorProfile, area_name: str) -> list[str]:
    """All sentences for one indicator, in report order.

    For a synthetic series the first sentence says so and every sentence is prefixed with
    "Synthetic data:".
    """
    sentences: list[str] = []
    if ind.synthetic:
        sentences.append(
            f"Synthetic data: the figures for {lower_first(ind.indicator.name)} are synthetic "
            "demonstration "
            "data, not real figures."
        )
    sentences.append(england_sentence(ind, area_name))
    gap = missing_periods_sentence(ind)
    if gap is not None:
        sentences.append(gap)
    change = latest_change_sentence(ind)
    if change is not None:
        sentences.append(change)
    comp = comparators_sentence(ind, area_name)
    if comp is not None:
        sentences.append(comp)
    sentences.extend(spc_sentences(ind, area_name))
    return sentences


# --------------------------------------------------------------------------------------------
# Overview of the whole profile
# --------------------------------------------------------------------------------------------


def _overview_name(ind: IndicatorProfile) -> str:
    name = lower_first(ind.indicator.name)
    return f"{name} (synthetic data)" if ind.synthetic else name


def overview_sentence(profile: AreaProfile) -> str:
    """The report's opening summary, e.g. "Overall our analysis shows that Oxfordshire has
    continued to perform well for A, B and C. Oxfordshire continues to perform worse than the
    England average for D."

    Each indicator is placed by its latest point's comparison with England; "continued" /
    "continues" is used only when that was also the series' usual position.
    """
    area = profile.area_name
    groups: dict[str, list[str]] = {}
    for ind in profile.indicators:
        polarity = ind.indicator.polarity
        latest = ind.latest
        judgement = _judge_england(latest, polarity) if latest is not None else None
        if judgement is None:
            groups.setdefault("none", []).append(_overview_name(ind))
            continue
        series = [j for p in ind.points if (j := _judge_england(p, polarity)) is not None]
        same = sum(1 for j in series if j.direction == judgement.direction)
        usual = 3 * same >= 2 * len(series)
        if judgement.direction in ("better", "worse"):
            key = f"{judgement.direction}_{'usual' if usual else 'now'}"
        elif judgement.direction == "similar":
            key = "similar"
        else:
            key = judgement.outcome  # neutral polarity: higher / lower
        groups.setdefault(key, []).append(_overview_name(ind))

    clauses: list[str] = []
    templates = (
        ("better_usual", "has continued to perform well for {}"),
        ("better_now", "now performs better than the England average for {}"),
        ("similar", "performs similarly to the England average for {}"),
        ("worse_usual", "continues to perform worse than the England average for {}"),
        ("worse_now", "now performs worse than the England average for {}"),
        ("higher", "is higher than the England average for {}"),
        ("lower", "is lower than the England average for {}"),
        ("the same", "is the same as the England average for {}"),
    )
    for key, template in templates:
        if key in groups:
            clauses.append(template.format(_join(groups[key])))
    sentences: list[str] = []
    if clauses:
        sentences.append(f"Overall our analysis shows that {area} {clauses[0]}.")
        sentences.extend(f"{area} {clause}." for clause in clauses[1:])
    if "none" in groups:
        sentences.append(f"There is no recent comparable data for {_join(groups['none'])}.")
    if not sentences:
        return f"Overall our analysis has no indicator data to report for {area}."
    if any(ind.synthetic for ind in profile.indicators):
        sentences.append(
            f"Indicators marked (synthetic data) use synthetic demonstration data: "
            f"{SYNTHETIC_LABEL.lower()}."
        )
    return " ".join(sentences)
