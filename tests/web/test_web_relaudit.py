"""The relational audit (lsr.web.plan.*relaudit*): the survey answers once per code and keeps
no path from an answer to a code or a time; suppression below 5 in every output (page, CSV,
Excel, JSON API, report); the change between rounds; the audit trail; attacks on every form
field. Runs on SQLite and, with LSR_WEB_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from lsr.web.plan import relaudit_summary
from lsr.web.plan.models import AuditEvent, Organisation, Review, Theme
from lsr.web.plan.models_relaudit import (
    AccessCode,
    AuditRound,
    ResponseDay,
    ResponseTheme,
    SurveyResponse,
)
from lsr.web.plan.relaudit_survey import (
    audit_finished_days,
    digest,
    issue_codes,
    reseal,
)
from lsr.web.plan.report import render_report_html

#: Characters refused in text (a lone surrogate cannot even be sent as UTF-8).
CONTROL = ("\x00", "\x1b", "\x7f", "\x85", "\ufffe", "\U0010ffff")


def _orgs(demo: Review) -> dict[str, Organisation]:
    return {o.short_name: o for o in Organisation.objects.all()}


@pytest.fixture()
def open_round(demo: Review) -> AuditRound:
    today = timezone.localdate()
    r = AuditRound.objects.create(
        review=demo,
        name="Test round",
        opens=today - dt.timedelta(days=1),
        closes=today + dt.timedelta(days=5),
        dimensions=["Trust", "Communication"],
    )
    r.organisations.set(Organisation.objects.all())
    return r


def _answer_data(code: str, others: list[Organisation], score: str = "4", **extra: str) -> dict:
    data = {"code": code}
    for o in others:
        data[f"s_{o.pk}_0"] = score
        data[f"s_{o.pk}_1"] = "0"
    data.update(extra)
    return data


def _others(r: AuditRound, own: Organisation) -> list[Organisation]:
    return [o for o in r.organisations.order_by("name") if o.pk != own.pk]


# --- the survey: once per code, nothing linkable ---------------------------------------------


def test_survey_pages_need_no_login_and_answer_once(open_round: AuditRound) -> None:
    occ = _orgs(open_round.review)["OCC"]
    code = issue_codes(open_round, occ, 1, None)[0]
    client = Client()
    assert client.get("/survey/").status_code == 200
    page = client.post("/survey/", {"code": code.lower().replace("-", " ")})
    assert page.status_code == 200 and "Working with Oxford Health NHS FT" in page.content.decode()
    assert "Working with Oxfordshire County Council" not in page.content.decode()  # not its own
    data = _answer_data(code, _others(open_round, occ), c_x="ignored")
    response = client.post("/survey/answer/", data)
    assert response.status_code == 302 and response["Location"] == "/survey/thanks/"
    assert client.get("/survey/thanks/").status_code == 200
    rows = SurveyResponse.objects.filter(round=open_round)
    assert rows.count() == 3 and {r.rater_id for r in rows} == {occ.pk}
    assert all(r.scores == {"Trust": 4} for r in rows)  # "don't know" is no answer
    assert AccessCode.objects.get(digest=digest(code)).used
    again = client.post("/survey/answer/", data)
    assert again.status_code == 400 and "cannot be used" in again.content.decode()
    assert client.post("/survey/", {"code": code}).status_code == 400
    assert SurveyResponse.objects.filter(round=open_round).count() == 3


def test_refusals_say_the_same_for_unknown_used_and_closed(open_round: AuditRound) -> None:
    occ = _orgs(open_round.review)["OCC"]
    used, closed_code = issue_codes(open_round, occ, 1, None)[0], ""
    Client().post("/survey/answer/", _answer_data(used, _others(open_round, occ)))
    closed = AuditRound.objects.create(
        review=open_round.review, name="Closed", opens=dt.date(2017, 1, 1),
        closes=dt.date(2017, 2, 1), dimensions=["Trust"],
    )  # fmt: skip
    closed.organisations.set(Organisation.objects.all())
    closed_code = issue_codes(closed, occ, 1, None)[0]
    bodies = set()
    for code in (used, closed_code, "BCDE-FGHJ-KMNP", "not a code"):
        page = Client().post("/survey/", {"code": code})
        assert page.status_code == 400
        main = page.content.decode()
        main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)
        bodies.add(main[main.index("<main") : main.index("</main>")].replace(code, ""))
    assert len(bodies) == 1


def test_the_database_holds_no_path_from_an_answer_to_a_code_or_a_time(
    open_round: AuditRound, caplog: pytest.LogCaptureFixture
) -> None:
    """Schema: the response and code tables hold exactly these columns (no foreign key from
    one to the other, no date or time); the code itself is stored nowhere; nothing about the
    answer is in the audit trail or the log on the day."""
    with connection.cursor() as cursor:
        desc = connection.introspection.get_table_description(cursor, "plan_surveyresponse")
        assert {c.name for c in desc} == {
            "id",
            "round_id",
            "rater_id",
            "rated_id",
            "scores",
            "comment",
        }
        desc = connection.introspection.get_table_description(cursor, "plan_accesscode")
        assert {c.name for c in desc} == {"id", "round_id", "organisation_id", "digest", "used"}
        relations = connection.introspection.get_relations(cursor, "plan_surveyresponse")
    assert {table for _, table in relations.values()} == {"plan_auditround", "plan_organisation"}
    for model in (SurveyResponse, AccessCode, ResponseDay):
        for field in model._meta.get_fields():
            assert field.get_internal_type() not in ("DateTimeField", "TimeField"), field
    occ = _orgs(open_round.review)["OCC"]
    code = issue_codes(open_round, occ, 1, None)[0]
    audit_before = AuditEvent.objects.count()
    with caplog.at_level(logging.DEBUG):
        Client().post(
            "/survey/answer/",
            _answer_data(code, _others(open_round, occ), c_4="A distinctive comment"),
        )
        Client().post("/survey/", {"code": code})
    assert SurveyResponse.objects.filter(round=open_round).count() == 3
    assert AuditEvent.objects.count() == audit_before  # nothing on the day
    assert code.replace("-", "") not in caplog.text and code not in caplog.text
    dump = _database_text()
    assert code.replace("-", "") not in dump and code not in dump
    assert all(r.id.version == 4 for r in SurveyResponse.objects.filter(round=open_round))


def _database_text() -> str:
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)


def test_answers_are_audited_per_day_after_the_day(open_round: AuditRound) -> None:
    occ = _orgs(open_round.review)["OCC"]
    codes = issue_codes(open_round, occ, 3, None)
    for code in codes[:2]:
        Client().post("/survey/answer/", _answer_data(code, _others(open_round, occ)))
    today = timezone.localdate()
    assert audit_finished_days(today) == 0
    assert audit_finished_days(today + dt.timedelta(days=1)) == 1
    row = AuditEvent.objects.filter(model="SurveyResponse").get()
    assert row.at == dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
    assert row.detail == f"2 responses were received for round 'Test round' on {today}"
    assert row.after == {"round": open_round.pk, "day": today.isoformat(), "responses": 2}
    assert row.actor_id is None and row.actor_username == ""
    assert audit_finished_days(today + dt.timedelta(days=1)) == 0  # once


def test_reseal_rewrites_answers_with_new_ids_and_keeps_tags(open_round: AuditRound) -> None:
    occ = _orgs(open_round.review)["OCC"]
    for code in issue_codes(open_round, occ, 2, None):
        Client().post("/survey/answer/", _answer_data(code, _others(open_round, occ)))
    theme = Theme.objects.filter(review=open_round.review).first()
    first = SurveyResponse.objects.filter(round=open_round).first()
    ResponseTheme.objects.create(response=first, theme=theme)
    mine = SurveyResponse.objects.filter(round=open_round)
    before = {(r.pk, r.rater_id, r.rated_id, json.dumps(r.scores)) for r in mine}
    assert not reseal(open_round, open_round.closes)  # not before it closes
    assert reseal(open_round, open_round.closes + dt.timedelta(days=1))
    after = {(r.pk, r.rater_id, r.rated_id, json.dumps(r.scores)) for r in mine.all()}
    assert {a[1:] for a in after} == {b[1:] for b in before}
    assert not {a[0] for a in after} & {b[0] for b in before}
    assert ResponseTheme.objects.filter(theme=theme).count() == 1
    assert AuditRound.objects.get(pk=open_round.pk).sealed
    if connection.vendor == "postgresql":  # one transaction wrote every row: no pairing by xmin
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT xmin::text FROM plan_surveyresponse WHERE round_id = %s",
                [open_round.pk],
            )
            answers = cursor.fetchall()
            cursor.execute(
                "SELECT DISTINCT xmin::text FROM plan_accesscode WHERE used AND round_id = %s",
                [open_round.pk],
            )
            codes = cursor.fetchall()
        assert len(answers) == 1 and answers == codes


def test_concurrent_submissions_with_one_code_make_one_answer(
    audit_purge_for_flush: None, transactional_db: None, tmp_path: Path
) -> None:
    """Six real processes (each its own client address and connection) send the same code at
    once, each reading it as unused before any marks it (relaudit_race_worker): exactly one
    is taken, the others are refused and write nothing."""
    worker = Path(__file__).with_name("relaudit_race_worker.py")
    env = dict(os.environ)
    src = Path(__file__).resolve().parents[2] / "src"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    if os.environ.get("LSR_WEB_DATABASE_URL"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            (name,) = cursor.fetchone()
        s = connection.settings_dict
        env["LSR_WEB_DATABASE_URL"] = (
            f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{name}"
        )
    else:
        env.pop("LSR_WEB_DATABASE_URL", None)
        env["LSR_WEB_DATA_DIR"] = str(tmp_path)
    run = [sys.executable, str(worker)]
    code, rated = subprocess.run(
        [*run, "setup"], env=env, capture_output=True, text=True, check=True, timeout=300
    ).stdout.split()
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [*run, "submit", code, rated, str(go), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(10, 16)
    ]
    import time

    time.sleep(8)  # every process has started Django and waits for the signal
    go.touch()
    statuses = sorted(int(p.communicate(timeout=120)[0].strip().split()[-1]) for p in procs)
    assert statuses.count(302) == 1, statuses
    assert set(statuses) <= {302, 400, 409}
    if not os.environ.get("LSR_WEB_DATABASE_URL"):
        return  # the workers' SQLite file; checked through their answers
    assert SurveyResponse.objects.filter(comment="race").count() == 1


def test_survey_posts_are_rate_limited_per_client(open_round: AuditRound, settings: Any) -> None:
    settings.LSR_SURVEY_BAD_CODES_PER_HOUR = 3
    occ = _orgs(open_round.review)["OCC"]
    good = issue_codes(open_round, occ, 1, None)[0]
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        assert attacker.post("/survey/", {"code": "ABCD-EFGH-JKMN"}).status_code == 400
    refused = attacker.post("/survey/", {"code": good})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert attacker.post("/survey/answer/", {"code": good}).status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.2").post("/survey/", {"code": good}).status_code == 200
    settings.LSR_SURVEY_POSTS_PER_HOUR = 2
    other = Client(REMOTE_ADDR="10.0.0.3")
    assert [other.post("/survey/", {"code": good}).status_code for _ in range(3)] == [200, 200, 429]
    assert not SurveyResponse.objects.filter(round=open_round).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM relaudit_throttle")
        assert all("10.0.0" not in k for (k,) in cursor.fetchall())  # addresses never stored


def test_survey_post_needs_csrf_token(open_round: AuditRound) -> None:
    occ = _orgs(open_round.review)["OCC"]
    code = issue_codes(open_round, occ, 1, None)[0]
    client = Client(enforce_csrf_checks=True)
    assert client.post("/survey/", {"code": code}).status_code == 403
    assert (
        client.post("/survey/answer/", _answer_data(code, _others(open_round, occ))).status_code
        == 403
    )
    assert not SurveyResponse.objects.filter(round=open_round).exists()


# --- the answer form attacked field by field ---------------------------------------------------


def _bad_values() -> list[str]:
    return ["6", "-1", "1.5", "x", "", "4" * 5000, *(f"4{c}" for c in CONTROL)]


def test_every_answer_field_refuses_bad_input(open_round: AuditRound) -> None:
    occ = _orgs(open_round.review)["OCC"]
    others = _others(open_round, occ)
    codes = iter(issue_codes(open_round, occ, 100, None))
    fields = [f"s_{o.pk}_{i}" for o in others for i in range(2)]
    for field in fields:
        for bad in _bad_values():
            if bad == "":
                continue  # an empty score is no answer
            code = next(codes)
            data = _answer_data(code, others)
            data[field] = bad
            response = Client().post("/survey/answer/", data)
            assert response.status_code == 400, (field, bad)
            assert not AccessCode.objects.get(digest=digest(code)).used
    for o in others:
        for bad in ("x" * 2001, *(f"te{c}xt" for c in CONTROL)):
            code = next(codes)
            response = Client().post(
                "/survey/answer/", _answer_data(code, others, **{f"c_{o.pk}": bad})
            )
            assert response.status_code == 400, (o, repr(bad))
    assert not SurveyResponse.objects.filter(round=open_round).exists()


def test_answers_about_own_or_outside_organisations_are_ignored(open_round: AuditRound) -> None:
    occ = _orgs(open_round.review)["OCC"]
    outsider = Organisation.objects.create(name="Not in the round")
    open_round.organisations.remove(_orgs(open_round.review)["OH"])
    code = issue_codes(open_round, occ, 1, None)[0]
    others = _others(open_round, occ)
    data = _answer_data(code, others)
    for org in (occ, outsider, _orgs(open_round.review)["OH"]):
        data[f"s_{org.pk}_0"] = "1"
        data[f"c_{org.pk}"] = "should not be kept"
    assert Client().post("/survey/answer/", data).status_code == 302
    rated = set(SurveyResponse.objects.filter(round=open_round).values_list("rated_id", flat=True))
    assert rated == {o.pk for o in others}
    assert not SurveyResponse.objects.filter(comment="should not be kept").exists()


def test_an_answer_with_no_score_is_refused(open_round: AuditRound) -> None:
    occ = _orgs(open_round.review)["OCC"]
    code = issue_codes(open_round, occ, 1, None)[0]
    data = {"code": code}
    assert Client().post("/survey/answer/", data).status_code == 400
    assert not AccessCode.objects.get(digest=digest(code)).used


def test_code_field_refuses_bad_input(open_round: AuditRound) -> None:
    for bad in ("", "x" * 65, *(f"ABCD-EF{c}GH-JKMN" for c in CONTROL)):
        assert Client().post("/survey/", {"code": bad}).status_code == 400


# --- suppression in every output ---------------------------------------------------------------


@pytest.fixture()
def sparse_round(demo: Review) -> AuditRound:
    """OCC rates OUH with four distinctive answers (mean 1.75): suppressed everywhere."""
    orgs = _orgs(demo)
    r = AuditRound.objects.create(
        review=demo, name="Sparse", opens=dt.date(2019, 1, 1), closes=dt.date(2019, 2, 1),
        dimensions=["Trust"], sealed=True,
    )  # fmt: skip
    r.organisations.set([orgs["OCC"], orgs["OUH"], orgs["OH"]])
    for score in (1, 1, 2, 3):
        SurveyResponse.objects.create(
            round=r, rater=orgs["OCC"], rated=orgs["OUH"], scores={"Trust": score}
        )
    for _ in range(6):
        SurveyResponse.objects.create(
            round=r, rater=orgs["OUH"], rated=orgs["OCC"], scores={"Trust": 5}
        )
        SurveyResponse.objects.create(
            round=r, rater=orgs["OH"], rated=orgs["OCC"], scores={"Trust": 4}
        )
    AccessCode.objects.bulk_create(
        AccessCode(round=r, organisation=orgs[k], digest=f"{k}-{i}".ljust(64, "x"), used=True)
        for k, n in (("OCC", 4), ("OUH", 6), ("OH", 6))
        for i in range(n)
    )
    return r


#: What the suppressed cell (4 answers, mean 1.75) would show, in any rounding.
_LEAK = re.compile(r"(?<![\d.])1\.(75|8|7)(?![\d])")


def _leaks(text: str) -> bool:
    return _LEAK.search(text) is not None


def test_suppressed_cell_is_absent_from_page_exports_api_and_report(
    sparse_round: AuditRound, client_for: Any
) -> None:
    review = sparse_round.review
    base = f"/reviews/{review.pk}/relational-audit/{sparse_round.pk}"
    for username in ("reviewer", "lead", "partner", "viewer"):
        client = client_for(username)
        page = client.get(f"{base}/").content.decode()
        assert "fewer than 5" in page and "5.0" in page
        assert not _leaks(page), username
        csv_text = client.get(f"{base}/results.csv").content.decode()
        assert "fewer than 5" in csv_text and not _leaks(csv_text)
        wb = load_workbook(io.BytesIO(client.get(f"{base}/results.xlsx").content))
        values = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row]
        assert "fewer than 5" in values and not any(_leaks(v) for v in values)
        body = json.loads(client.get(f"{base}/results.json").content)
        cell = next(
            c for c in body["cells"]
            if c["respondents_organisation"] == "Oxfordshire County Council"
            and c["rated_organisation"] == "Oxford University Hospitals NHS FT"
        )  # fmt: skip
        assert cell == {
            **cell,
            "n": None,
            "mean": None,
            "ci_low": None,
            "ci_high": None,
            "suppressed": True,
        }
        edge = next(e for e in body["edges"] if set(e["organisations"]) == {
            "Oxfordshire County Council", "Oxford University Hospitals NHS FT"})  # fmt: skip
        assert edge["suppressed"] and edge["mean"] is None  # 4 one way, 6 the other
        # respondents: OCC has 4 (suppressed), so one more is hidden: the total cannot give it
        assert body["respondents"]["by_organisation"]["Oxfordshire County Council"] is None
        assert list(body["respondents"]["by_organisation"].values()).count(None) == 2
    report = render_report_html(review, charts=False)
    section = report[report.index('id="relaudit-heading"') :]
    assert "fewer than 5" in section and not _leaks(section)


def test_demo_rounds_show_suppression_and_change(demo: Review, client_for: Any) -> None:
    rounds = list(AuditRound.objects.filter(review=demo).order_by("opens"))
    assert len(rounds) == 2 and all(r.is_example for r in rounds)
    client = client_for("viewer")
    page = client.get(f"/reviews/{demo.pk}/relational-audit/{rounds[0].pk}/").content.decode()
    assert "fewer than 5" in page and "Example data" in page and "<svg" in page
    change = client.get(f"/reviews/{demo.pk}/relational-audit/change/").content.decode()
    assert "fewer than 5" in change and "\u2212" not in change.split("Change between rounds")[0]
    body = json.loads(
        client.get(f"/reviews/{demo.pk}/relational-audit/{rounds[1].pk}/results.json").content
    )
    published = [c for c in body["change"]["cells"] if c["change"] is not None]
    assert published and all(c["ci_low"] <= c["change"] <= c["ci_high"] for c in published)
    assert sum(c["change"] > 0 for c in published) > len(published) / 2  # the seeded improvement
    lines = relaudit_summary.method_lines(demo)
    assert lines[0].startswith("A relational audit was run twice: ")
    assert "example (synthetic)" in lines[-1]


def test_change_between_rounds_matches_welch(demo: Review, client_for: Any) -> None:
    from scipy import stats

    orgs = _orgs(demo)
    rounds = []
    for name, year, scores in (("One", 2017, [2, 3, 2, 3, 2, 3]), ("Two", 2018, [4, 4, 5, 3, 4])):
        r = AuditRound.objects.create(
            review=demo, name=name, opens=dt.date(year - 5, 1, 1), closes=dt.date(year - 5, 2, 1),
            dimensions=["Trust"], sealed=True,
        )  # fmt: skip
        r.organisations.set([orgs["OCC"], orgs["OUH"]])
        for s in scores:
            SurveyResponse.objects.create(
                round=r, rater=orgs["OCC"], rated=orgs["OUH"], scores={"Trust": s}
            )
        rounds.append(r)
    AuditRound.objects.exclude(pk__in=[r.pk for r in rounds]).delete()
    body = json.loads(
        client_for("partner")
        .get(f"/reviews/{demo.pk}/relational-audit/{rounds[1].pk}/results.json")
        .content
    )
    cell = next(c for c in body["change"]["cells"] if c["rated_organisation"] == orgs["OUH"].name)
    want = stats.ttest_ind(
        [4, 4, 5, 3, 4], [2, 3, 2, 3, 2, 3], equal_var=False
    ).confidence_interval()
    assert cell["change"] == pytest.approx(4.0 - 2.5, abs=1e-4)
    assert cell["ci_low"] == pytest.approx(want.low, abs=1e-4)
    assert cell["ci_high"] == pytest.approx(want.high, abs=1e-4)


def test_exported_text_cells_are_formula_safe(demo: Review, client_for: Any) -> None:
    """Every text cell of the CSV and Excel exports, whatever an organisation or a dimension
    is called."""
    orgs = _orgs(demo)
    orgs["OCC"].name = '=HYPERLINK("http://x")'
    orgs["OCC"].save()
    r = AuditRound.objects.create(
        review=demo, name="@round", opens=dt.date(2019, 1, 1), closes=dt.date(2019, 2, 1),
        dimensions=["+Trust", "-Talk"], sealed=True,
    )  # fmt: skip
    r.organisations.set([orgs["OCC"], orgs["OUH"]])
    client = client_for("reviewer")
    base = f"/reviews/{demo.pk}/relational-audit/{r.pk}"
    import csv

    rows = list(csv.reader(io.StringIO(client.get(f"{base}/results.csv").content.decode())))
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@")), value
    wb = load_workbook(io.BytesIO(client.get(f"{base}/results.xlsx").content))
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type in ("s", "inlineStr")
                if str(c.value).startswith(("=", "+", "-", "@")):
                    assert c.quotePrefix, c.value
    code_csv = client.post(f"{base}/codes/", {"organisation": orgs["OCC"].pk, "count": 3})
    assert code_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(code_csv.content.decode())))
    assert len(rows) == 4 and all(
        not v.startswith(("=", "+", "-", "@")) for row in rows for v in row
    )
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][4].endswith("#code=" + rows[1][2])
    assert AccessCode.objects.filter(round=r).count() == 3
    assert not any(rows[i][2].replace("-", "") in _database_text() for i in range(1, 4))


# --- reviewer forms attacked, and the audit trail --------------------------------------------


def _round_form(demo: Review, **change: Any) -> dict[str, Any]:
    data = {
        "name": "Round three",
        "opens": "2019-03-01",
        "closes": "2019-04-01",
        "organisations": [o.pk for o in Organisation.objects.all()[:3]],
        "dimensions": "Trust\nCommunication",
    }
    data.update(change)
    return data


def test_round_form_every_field_attacked(demo: Review, client_for: Any) -> None:
    client = client_for("reviewer")
    url = f"/reviews/{demo.pk}/relational-audit/new/"
    attacks: dict[str, list[Any]] = {
        "name": ["", "x" * 201, *(f"Ro{c}und" for c in CONTROL), "a\nb"],
        "opens": ["", "2019-13-01", "tomorrow", "x" * 500],
        "closes": ["2019-02-01", "not a date"],
        "organisations": [[], [999999], ["x"], [Organisation.objects.first().pk]],
        "dimensions": ["", "\n".join(f"d{i}" for i in range(9)), "x" * 61, "Trust\ntrust",
                       *(f"Tr{c}ust" for c in CONTROL), "a\tb"],
    }  # fmt: skip
    before = AuditRound.objects.count()
    for field, values in attacks.items():
        for bad in values:
            response = client.post(url, _round_form(demo, **{field: bad}))
            assert (
                response.status_code == 200 and "There is a problem" in response.content.decode()
            ), (
                field,
                repr(bad)[:40],
            )
    assert AuditRound.objects.count() == before
    ok = client.post(url, _round_form(demo))
    assert ok.status_code == 302
    made = AuditRound.objects.get(name="Round three")
    assert made.dimensions == ["Trust", "Communication"] and made.organisations.count() == 3
    assert AuditEvent.objects.filter(
        model="AuditRound", object_id=str(made.pk), kind="create"
    ).exists()


def test_codes_form_refuses_other_organisations_and_bad_counts(
    open_round: AuditRound, client_for: Any
) -> None:
    outsider = Organisation.objects.create(name="Elsewhere Trust")
    client = client_for("lead")
    url = f"/reviews/{open_round.review.pk}/relational-audit/{open_round.pk}/codes/"
    occ = _orgs(open_round.review)["OCC"]
    for data in (
        {"organisation": outsider.pk, "count": 3},
        {"organisation": "x", "count": 3},
        {"organisation": occ.pk, "count": 0},
        {"organisation": occ.pk, "count": 2001},
        {"organisation": occ.pk, "count": "1e3"},
        {"organisation": occ.pk, "count": "3\x00"},
    ):
        response = client.post(url, data)
        assert response.status_code == 200 and "There is a problem" in response.content.decode(), (
            data
        )
    assert not AccessCode.objects.filter(round=open_round).exists()
    ok = client.post(url, {"organisation": occ.pk, "count": 5})
    assert ok.status_code == 200 and AccessCode.objects.filter(round=open_round).count() == 5
    event = AuditEvent.objects.filter(model="AuditRound", object_id=str(open_round.pk)).latest(
        "seq"
    )
    assert (
        event.after == {"codes_issued": 5, "organisation": occ.pk}
        and event.actor_username == "lead"
    )


def test_tagging_free_text_to_themes(sparse_round: AuditRound, client_for: Any) -> None:
    review = sparse_round.review
    response = SurveyResponse.objects.filter(round=sparse_round).first()
    response.comment = "Joint working on discharge"
    response.save()
    other_review = Review.objects.create(
        area_code="E10000002", area_name="Elsewhere", review_start=dt.date(2017, 1, 1),
        review_end=dt.date(2017, 1, 2),
    )  # fmt: skip
    foreign = Theme.objects.create(review=other_review, name="Foreign theme")
    mine = Theme.objects.filter(review=review).first()
    client = client_for("reviewer")
    url = f"/reviews/{review.pk}/relational-audit/{sparse_round.pk}/comments/{response.pk}/"
    client.post(url, {"themes": [foreign.pk]})
    client.post(url, {"themes": ["x"]})
    assert not ResponseTheme.objects.exists()
    assert client.post(url, {"themes": [mine.pk]}).status_code == 302
    assert list(ResponseTheme.objects.values_list("theme_id", flat=True)) == [mine.pk]
    assert client.post(f"{url[:-37]}not-a-uuid/", {"themes": [mine.pk]}).status_code == 404
    page = client.get(f"/reviews/{review.pk}/relational-audit/{sparse_round.pk}/comments/")
    text = page.content.decode()
    assert "Joint working on discharge" in text and mine.name in text
    event = AuditEvent.objects.filter(model="AuditRound", detail="free text tagged to themes").get()
    assert event.after["themes"] == [mine.pk] and "Joint working" not in json.dumps(event.after)
