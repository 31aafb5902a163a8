"""Helpers for the mutation runs of docs/mutation-testing.md (not a test module).

Run from the repository root after ``mutmut run`` has generated ``mutants/``::

    python tests/mutmut_report.py plan                              # the names to run (below)
    python tests/mutmut_report.py plan --pending                    # those without a result
    python tests/mutmut_report.py sample lsr.core.profile 40      # the module's sampled mutants
    python tests/mutmut_report.py summary                           # the score table, per module
    python tests/mutmut_report.py summary --sampled                 # the same, sampled mutants only
    python tests/mutmut_report.py summary --sampled --skip=MODULE   # MODULE left out of the total
    python tests/mutmut_report.py list survived lsr.core.spc        # mutant names by status

The sample rule: every mutant of the modules in :data:`FULL` (and of any core module with at
most :data:`SAMPLE_SIZE` mutants); for every other module under ``lsr.core`` a sample of
:data:`SAMPLE_SIZE`, drawn with a fixed seed (:data:`SEED`) from the module's mutant names in
sorted order, so the same source gives the same sample on any machine. ``plan`` prints those
names (whole modules as globs) for ``mutmut run``. ``summary`` counts the statuses
mutmut recorded (``mutants/**/*.meta``), leaving out the mutants listed in :data:`EQUIVALENT`
(docs/mutation-testing.md gives the reason for each) and, with ``--sampled``, counting only the
sampled mutants of the sampled modules.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

SEED = 20_250_611
#: Mutants drawn from each sampled module (the issue's own measure).
SAMPLE_SIZE = 40
#: Modules run in full, whatever their size.
FULL: frozenset[str] = frozenset({"lsr.core.suppression", "lsr.web.plan.permissions"})
#: Mutants that behave exactly like the original (reasons in docs/mutation-testing.md).
EQUIVALENT: frozenset[str] = frozenset(
    {
        # permissions: a falsy default for a falsy default (False -> None) in a truth test.
        "lsr.web.plan.permissions.x_profile_of__mutmut_6",
        "lsr.web.plan.permissions.x_role_of__mutmut_3",
        "lsr.web.plan.permissions.x_review_if_visible__mutmut_24",
        # permissions: the role is "partner editor" only when read from a profile.
        "lsr.web.plan.permissions.x_can_create_action__mutmut_16",
        # permissions: findings and publishing pass the role check only for administrators
        # and reviewers, who read every review: the review passed on is never looked at.
        "lsr.web.plan.permissions.x_can_edit_findings__mutmut_5",
        "lsr.web.plan.permissions.x_can_publish__mutmut_2",
        "lsr.web.plan.permissions.x_require_edit_findings__mutmut_6",
        "lsr.web.plan.permissions.x_require_publish__mutmut_6",
        # comparators: the mean subtracted from a column cancels in every distance, so a mean
        # over the whole matrix (one number) gives the same distances.
        "lsr.core.comparators.x_nearest_neighbours__mutmut_20",
        # comparators: every column is a Series on the population's index already.
        "lsr.core.comparators.x_population_features__mutmut_6",
        # comparators: NaN instead of infinity on the diagonal also sorts an area after every
        # other area at a finite distance (population features are finite).
        "lsr.core.comparators.x_nearest_neighbours__mutmut_30",
        # comparators: area codes are text; an array of them as objects sorts the same.
        "lsr.core.comparators.x_nearest_neighbours__mutmut_35",
        "lsr.core.comparators.x_nearest_neighbours__mutmut_37",
        # delay reasons: the two sequences zipped are the same length by construction.
        "lsr.core.delay_reasons.x_delay_reasons__mutmut_34",
        "lsr.core.delay_reasons.x_delay_reasons__mutmut_44",
        "lsr.core.delay_reason_types.xǁDelayReasonsResultǁto_dict__mutmut_16",
        # outcomes_national: the limits are float arrays already.
        "lsr.core.outcomes_national.x__intervals__mutmut_52",
        # outcomes_national: pandas 3 (the version run) gives NaN for NA when asked for float64.
        "lsr.core.outcomes_national.x__floats__mutmut_4",
        # outcomes_national: reshape(None) of the 1-D inverse of np.unique is the same array.
        "lsr.core.outcomes_national.x__comparators__mutmut_124",
        # outcomes_national: the councils column is cast to int64 when the table is made.
        "lsr.core.outcomes_national.x__year_points__mutmut_243",
        # delay reasons: an assert after the check that both values are present.
        "lsr.core.delay_reason_types.x_compare_share__mutmut_5",
        # suppression: "XXiufXX" holds the same dtype kinds ("X" is none); astype(None) is
        # float64; a zero count rounds to 0 already, (0 + b) // 2b = 0, so re-zeroing is a no-op.
        "lsr.core.suppression.x_suppress_array__mutmut_11",
        "lsr.core.suppression.x_suppress_array__mutmut_15",
        "lsr.core.suppression.x_suppress_array__mutmut_50",
        "lsr.core.delay_reason_types.xǁDelayReasonsResultǁto_dict__mutmut_10",
        # profile: the empty table has no rows, so "" or None as a column's value is the same
        # (an object column either way).
        "lsr.core.profile.x_compute_profile_table__mutmut_208",
        # profile: pandas takes sort=None as false.
        "lsr.core.profile.x__control_charts__mutmut_39",
        # profile: the England column is float already; converting it again changes nothing.
        "lsr.core.profile.x_compute_profile_table__mutmut_169",
        # profile: a series too short for a chart gets no icon column value: NaN instead of
        # None, which the profile reads as None (_opt_str).
        "lsr.core.profile.x__control_charts__mutmut_69",
        # spc: the side of a rule is read by its sign only (+2 is above, as +1).
        "lsr.core.spc.x_xmr__mutmut_106",
        # ci: the square root's argument is clipped at 0 first, so no invalid value arises
        # for any count; only infinite counts (x = n = inf, not counts) would warn.
        "lsr.core.ci.x_wilson__mutmut_19",
        # profile: the sections are replaced with None or () before asdict and set after it.
        "lsr.core.profile_types.xǁAreaProfileǁto_dict__mutmut_11",
    }
)

STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",  # no test of the selection runs the mutated function: not killed
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    None: "not checked",
}


def _modules() -> dict[str, dict[str, int | None]]:
    """Module name -> mutant name -> recorded exit code."""
    out: dict[str, dict[str, int | None]] = {}
    for meta in sorted(Path("mutants/src").rglob("*.py.meta")):
        module = ".".join(meta.relative_to("mutants/src").with_suffix("").with_suffix("").parts)
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            out[module] = codes
    return out


def is_sampled(module: str, count: int) -> bool:
    """Whether ``module`` (with ``count`` mutants) is run on a sample."""
    return module.startswith("lsr.core.") and module not in FULL and count > SAMPLE_SIZE


def plan(pending: bool = False) -> list[str]:
    """The mutant names (globs for whole modules) of the run described in the module doc;
    with ``pending``, only those without a result yet or with "no tests" (which a later run
    with more tests may change), one by one (to resume a stopped run: mutmut runs every named
    mutant again, a finished one too)."""
    names: list[str] = []
    for module, codes in _modules().items():
        chosen = sample(module, SAMPLE_SIZE) if is_sampled(module, len(codes)) else sorted(codes)
        if pending:
            names += [n for n in chosen if codes[n] is None or STATUS.get(codes[n]) == "no tests"]
        elif is_sampled(module, len(codes)):
            names += chosen
        else:
            names.append(f"{module}.*")
    return names


def sample(module: str, size: int) -> list[str]:
    names = sorted(_modules()[module])
    if size >= len(names):
        return names
    return sorted(random.Random(f"{SEED}:{module}").sample(names, size))


def summary(sampled_only: bool, skip: frozenset[str] = frozenset()) -> str:
    """The score table; the modules in ``skip`` are shown but left out of the total."""
    rows = [
        "| module | mutants | killed | timed out | survived | no tests | equivalent | not run "
        "| score |"
    ]
    rows.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    total: Counter[str] = Counter()
    for module, codes in _modules().items():
        names = sorted(codes)
        if sampled_only and is_sampled(module, len(names)):
            names = sample(module, SAMPLE_SIZE)
        c: Counter[str] = Counter()
        for name in names:
            if name in EQUIVALENT:
                c["equivalent"] += 1
            else:
                c[STATUS.get(codes[name], "other")] += 1
        c["mutants"] = len(names)
        if module in skip:
            rows.append(_row(f"{module} (not finished, not in the total)", c))
            continue
        total.update(c)
        rows.append(_row(module, c))
    rows.append(_row("**all**", total))
    return "\n".join(rows)


def _row(module: str, c: Counter[str]) -> str:
    """One table row; the score is killed (or timed out) over every mutant that was run and is
    not equivalent, a mutant no test runs counting as not killed."""
    decided = c["killed"] + c["timeout"] + c["survived"] + c["no tests"]
    score = f"{100 * (c['killed'] + c['timeout']) / decided:.1f}%" if decided else "-"
    not_run = c["not checked"] + c["other"] + c["skipped"]
    return (
        f"| {module} | {c['mutants']} | {c['killed']} | {c['timeout']} | {c['survived']} "
        f"| {c['no tests']} | {c['equivalent']} | {not_run} | {score} |"
    )


def main(argv: list[str]) -> None:
    if argv[:1] == ["plan"]:
        print(" ".join(plan(pending="--pending" in argv)))
    elif argv[:1] == ["sample"]:
        print(" ".join(sample(argv[1], int(argv[2]))))
    elif argv[:1] == ["summary"]:
        skip = frozenset(a.split("=", 1)[1] for a in argv if a.startswith("--skip="))
        print(summary("--sampled" in argv, skip))
    elif argv[:1] == ["list"]:
        status, prefix = argv[1], argv[2]
        for module, codes in _modules().items():
            if module == prefix or module.startswith(prefix + "."):
                for name, code in sorted(codes.items()):
                    if STATUS.get(code, "other") == status and name not in EQUIVALENT:
                        print(name)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
