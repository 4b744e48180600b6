"""The red-flag policy: every shipped rule fires on a case made for it and stays silent on a near miss;
policies are validated data, saved as versions; `sandbox policy check --json` explains what fired."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from sandbox.catalog.model import Catalog
from sandbox.council import check
from sandbox.council.model import ProposalDraft
from sandbox.council.policy import Policy, default_policy_text, evaluate, save_policy, show_policy
from sandbox.council.rules import Context
from sandbox.council.workflow import create_draft
from sandbox.errors import AccessDenied, InputError
from tests import council_support
from tests.council_support import ADMIN, MARKETER, copy_workspace, draft
from tests.helpers_login import cli_login

council_ws = council_support.council_ws  # the shared fixture

NOW = datetime(2025, 3, 1)
POLICY = Policy.from_yaml(default_policy_text())


def _catalog(core_service: str = "") -> Catalog:
    col = lambda cls, **kw: {"cls": cls, **kw}  # noqa: E731
    return Catalog.model_validate({"source": "crm", "core_service": core_service, "tables": {
        "customers": {"primary_key": "customer_id", "columns": {
            "customer_id": col("key"), "birth_date": col("quasi_identifier", generalize="age_band"),
            "city": col("quasi_identifier"), "loyalty_tier": col("ordinary"),
            "overdue_debt": col("ordinary"), "kids_count": col("sensitive", category="children"),
            "religion": col("sensitive", category="religion")}},
        "support_tickets": {"primary_key": "ticket_id", "columns": {
            "ticket_id": col("key"), "category": col("sensitive", category="health"),
            "text": col("ordinary", purpose="habit"), "resolved": col("ordinary")}},
    }})


def _clean(**changes: Any) -> dict[str, Any]:
    base = {"title": "t", "source": "crm", "purpose": "sales", "channel": "email", "audience": "silver customers",
            "message": "A new offer for silver members.", "audience_size": 5000,
            "fields_used": ["customers.loyalty_tier"],
            "segment": {"filters": [{"table": "customers", "column": "loyalty_tier", "op": "=", "value": "silver"}]}}
    return {**base, **changes}


def _fired(changes: dict[str, Any], core_service: str = "", expires_in: int | None = None) -> set[str]:
    ctx = Context(draft=ProposalDraft.model_validate(_clean(**changes)), catalog=_catalog(core_service),
                  expires_at=NOW + timedelta(days=expires_in) if expires_in is not None else None, now=NOW)
    return {f.rule for f in evaluate(POLICY, ctx, {}, "t").flags}


def _filter(column: str, op: str, value: Any, table: str = "customers") -> dict[str, Any]:
    return {"segment": {"filters": [{"table": table, "column": column, "op": op, "value": value}]}}


# rule -> (changes that make it fire, extra context), (the near miss)
CASES: dict[str, list[tuple[dict, dict, dict, dict]]] = {
    "sensitive_outside_core_service": [
        ({"fields_used": ["support_tickets.category"]}, {}, {"fields_used": ["support_tickets.category"]},
         {"core_service": "private health clinic"}),
        ({"fields_used": ["customers.religion"]}, {"core_service": "health clinic"},
         {"fields_used": ["support_tickets.resolved"]}, {}),
    ],
    "third_party_without_consent": [
        ({"third_parties": [{"name": "AdCo", "consent_recorded": False, "purpose": "sales"}]}, {},
         {"third_parties": [{"name": "AdCo", "consent_recorded": True, "purpose": "sales"}]}, {}),
        ({"third_parties": [{"name": "AdCo", "consent_recorded": True, "purpose": "research"}]}, {},
         {"third_parties": [{"name": "AdCo", "consent_recorded": True, "purpose": "Sales"}]}, {}),
    ],
    "targets_children": [
        ({"targets_children": True}, {}, {"targets_children": False}, {}),
        ({"audience": "teenagers who play games"}, {}, {"audience": "adults who play games"}, {}),
        (_filter("birth_date", "=", "13-17"), {}, _filter("birth_date", "=", "18-24"), {}),
        (_filter("birth_date", "<", 16), {}, _filter("birth_date", ">=", 18), {}),
        ({"fields_used": ["customers.kids_count"]}, {}, {"fields_used": ["customers.loyalty_tier"]}, {}),
    ],
    "habit_field": [
        ({"fields_used": ["support_tickets.text"]}, {}, {"fields_used": ["support_tickets.resolved"]}, {}),
    ],
    "quasi_identifier_combination": [
        ({"fields_used": ["customers.birth_date", "customers.city"]}, {},
         {"fields_used": ["customers.city", "customers.loyalty_tier"]}, {}),
    ],
    "vulnerable_group": [
        ({"audience": "pensioners in Texas"}, {}, {"audience": "young professionals in Texas"}, {}),
        (_filter("birth_date", "=", "65+"), {}, _filter("birth_date", "=", "55-64"), {}),
        ({"fields_used": ["customers.overdue_debt"]}, {}, {"fields_used": ["customers.loyalty_tier"]}, {}),
    ],
    "emotional_trigger": [
        ({"message": "Last chance! Act now before the price goes up."}, {},
         {"message": "Spring offer: 10% off for silver members."}, {}),
        ({"message": "Don't be afraid of missing out"}, {}, {"message": "A fearless new design"}, {}),
    ],
    "large_audience": [
        ({"audience_size": 10_001}, {}, {"audience_size": 10_000}, {}),
    ],
    "near_retention_limit": [
        ({}, {"expires_in": 10}, {}, {"expires_in": 31}),
        ({}, {"expires_in": -1}, {}, {"expires_in": 365}),
    ],
}


def test_every_shipped_rule_has_cases():
    assert set(CASES) == {r.id for r in POLICY.rules}
    assert all(len(r.description) > 20 for r in POLICY.rules)


@pytest.mark.parametrize(("rule", "case"), [(r, c) for r, cases in CASES.items() for c in cases],
                         ids=[f"{r}-{i}" for r, cases in CASES.items() for i in range(len(cases))])
def test_rule_fires_on_its_case_and_stays_silent_on_a_near_miss(rule, case):
    fire, fire_ctx, miss, miss_ctx = case
    assert _fired(fire, **fire_ctx) == {rule}
    assert _fired(miss, **miss_ctx) == set()


def test_the_clean_base_proposal_raises_no_flag():
    assert _fired({}) == set()


def test_a_hard_flag_names_the_rule_and_the_fields():
    ctx = Context(draft=ProposalDraft.model_validate(_clean(fields_used=["support_tickets.category",
                                                                         "support_tickets.text"])),
                  catalog=_catalog(), expires_at=None, now=NOW)
    report = evaluate(POLICY, ctx, {}, "t")
    by_rule = {f.rule: f for f in report.flags}
    assert by_rule["sensitive_outside_core_service"].fields == ["support_tickets.category"]
    assert "health" in by_rule["sensitive_outside_core_service"].message
    assert by_rule["habit_field"].fields == ["support_tickets.text"]
    assert all(f.severity == "hard" for f in report.flags)
    assert "large_audience" in report.silent


@pytest.mark.parametrize(("text", "problem"), [
    ("rules: [{id: x, kind: nope, severity: hard, description: a long enough text}]", "unknown kind 'nope'"),
    ("rules: [{id: a, kind: audience_size, severity: soft, description: a long enough text},"
     " {id: a, kind: audience_size, severity: soft, description: a long enough text}]", "unique"),
    ("rules: [{id: a, kind: audience_size, severity: maybe, description: a long enough text}]", "severity"),
    ("rules: [{id: a, kind: audience_size, severity: soft, description: a long enough text, "
     "params: {max_audience: -3}}]", "max_audience"),
    ("rules: [{id: a, kind: audience_size, severity: soft}]", "description"),
    ("rules: [", "not valid"),
])
def test_an_invalid_policy_is_refused_with_the_reason(text, problem):
    with pytest.raises(InputError, match=problem):
        Policy.from_yaml(text)


def test_a_saved_policy_is_a_new_version_and_is_used(council_ws, tmp_path):
    ws = copy_workspace(council_ws, tmp_path / "ws")
    assert show_policy(ws, MARKETER)[0].version == 0
    stricter = default_policy_text().replace("max_audience: 10000", "max_audience: 100")
    with pytest.raises(AccessDenied):
        save_policy(ws, MARKETER, stricter)
    assert save_policy(ws, ADMIN, stricter).version == 1
    policy, text = show_policy(ws, MARKETER)
    assert policy.version == 1 and "max_audience: 100" in text
    report = check(ws, MARKETER, draft(audience_size=500))
    assert report.policy_version == 1 and [f.rule for f in report.flags] == ["large_audience"]


def test_policy_check_cli_explains_every_rule_that_fired(council_ws, monkeypatch):
    from sandbox.cli import app

    p = create_draft(council_ws, MARKETER, draft(
        fields_used=["support_tickets.category", "customers.birth_date", "customers.city"], audience_size=50_000))
    monkeypatch.setenv("SANDBOX_HOME", str(council_ws.home))
    monkeypatch.setenv("SANDBOX_USER", "mark")
    cli_login(council_ws, "mark", "marketer")
    result = CliRunner().invoke(app, ["policy", "check", p.id, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    fired = {f["rule"]: f for f in report["flags"]}
    assert set(fired) == {"sensitive_outside_core_service", "quasi_identifier_combination", "large_audience"}
    assert fired["sensitive_outside_core_service"]["severity"] == "hard"
    assert fired["sensitive_outside_core_service"]["fields"] == ["support_tickets.category"]
    assert "consumer electronics retail" in fired["sensitive_outside_core_service"]["message"]
    assert fired["quasi_identifier_combination"]["fields"] == ["customers.birth_date", "customers.city"]
    assert all(f["description"] for f in report["flags"])
    assert "targets_children" in report["silent"]
