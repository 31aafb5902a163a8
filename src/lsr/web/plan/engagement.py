"""The engagement log rolled up for the report: "The people we spoke with included" (by role
group, with role names and organisations) and the people consulted on one theme.

Small numbers: a count of people below :data:`SMALL` taken from the log is shown as "fewer than
5 people", never as the number itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from lsr.web.plan.models import Review, Theme
from lsr.web.plan.models_soir import EngagementRecord, RoleGroup

#: Counts of people below this are shown as "fewer than 5".
SMALL = 5


def people(count: int) -> str:
    """``12 people``, or ``fewer than 5 people`` below :data:`SMALL`."""
    if count < SMALL:
        return f"fewer than {SMALL} people"
    return f"{count:,} people"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass
class _Group:
    label: str
    roles: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    count: int = 0


def _groups(records: list[EngagementRecord]) -> list[_Group]:
    order = {value: i for i, (value, _label) in enumerate(RoleGroup.choices)}
    labels = dict(RoleGroup.choices)
    groups: dict[str, _Group] = {}
    for record in records:
        for p in record.participants.all():
            g = groups.setdefault(p.group, _Group(str(labels.get(p.group, p.group))))
            for role in (r.strip() for r in p.roles.split(",")):
                if role and role.lower() not in (x.lower() for x in g.roles):
                    g.roles.append(role)
            org = p.organisation.strip()
            if org and org not in g.organisations:
                g.organisations.append(org)
            g.count += p.count
    return [groups[k] for k in sorted(groups, key=lambda k: order.get(k, 99))]


def _sentence(g: _Group) -> str:
    text = g.label
    if g.roles:
        text += f" including {_join(g.roles)}"
    if g.organisations:
        text += f" from {_join(g.organisations)}"
    return f"{text} ({people(g.count)})."


def people_spoken_with(review: Review) -> list[str]:
    """One sentence per role group: who the review team spoke with, across the whole log."""
    records = list(review.engagements.prefetch_related("participants"))
    return [_sentence(g) for g in _groups(records)]


def consulted_on(theme: Theme) -> list[str]:
    """The engagement records tagged with ``theme``: one line each (kind, date, who)."""
    lines = []
    for record in theme.engagements.prefetch_related("participants").order_by("date", "id"):
        who = "; ".join(_sentence(g).rstrip(".") for g in _groups([record]))
        when = f"{record.date.day} {record.date:%B %Y}"
        lines.append(f"{record.get_kind_display()}, {when}: {who}." if who else "")
    return [line for line in lines if line]
