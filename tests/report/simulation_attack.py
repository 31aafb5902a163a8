"""A scenario file that attacks the simulation report's layout, shared by the PDF and axe
tests: the shipped example, shortened to 70 days, with seven scenarios besides the base case
(so every table with a column per scenario is split), long names (one a single 60-character
word), names with HTML and Rich markup in them, a description with a 120-character word, and an
acute delayed day costing £346 million (costs in the hundreds of billions)."""

from __future__ import annotations

from lsr.data.scenario_files import example_path

LONG_WORD = "Extraordinarilylongscenarionamewithoutanyspacesinitatallxyz"
#: The area with the longest name in the default store.
LONG_AREA = "Bournemouth, Christchurch and Poole"
#: The scenarios added to the shipped example's three: (name, description, change).
EXTRA = [
    (LONG_WORD, f"A description with a long word: {LONG_WORD * 2}.",
     "{change: services.home_care.capacity, multiply: 1.1}"),
    ("Discharge to assess pathway three beds doubled from the first of December",
     "Twice the care home beds.",
     "{change: services.care_home.capacity, multiply: 2.0, from: 2018-12-01}"),
    ("Step-down beds [bold]+50%[/bold]", "Half as many step-down beds again.",
     "{change: services.step_down.capacity, multiply: 1.5}"),
    ("Fewer assessors <b>&</b> co", "Two CHC assessors.", "{change: chc.assessors, set: 2}"),
]  # fmt: skip
#: Every scenario's name after the base case, in order.
NAMES = ["More home care from 1 December", "Winter surge", "CHC assessments in the community",
         *[name for name, _, _ in EXTRA]]  # fmt: skip


def attack_scenario_text() -> str:
    """The scenario file's text (YAML)."""
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("days: 182 ", "days: 70 ").replace("warm_up_days: 90 ", "warm_up_days: 30 ")
    text = text.replace("acute_delayed_day: 346", "acute_delayed_day: 346000000")
    for name, description, change in EXTRA:
        text += (
            f'  - name: "{name}"\n    description: "{description}"\n'
            f"    changes:\n      - {change}\n"
        )
    return text
