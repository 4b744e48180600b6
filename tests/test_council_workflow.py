"""The council's workflow on a real governance store: drafts, flags, the state machine, votes and quorum,
concurrency, notifications by SMTP, gate overrides and rollout packets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from sandbox.council import (
    acknowledge,
    create_draft,
    current_tally,
    export_packet,
    get,
    mark_rolled_out,
    proposal_view,
    submit,
    update_draft,
    vote,
    withdraw,
)
from sandbox.council.model import ProposalDraft
from sandbox.errors import AccessDenied, DuplicateProposal, IllegalTransition, InputError, PolicyBlocked
from sandbox.governance import notify
from sandbox.governance.access import User
from tests import council_support
from tests.council_support import (
    MARKETER,
    MARKETING,
    OTHER_MARKETER,
    REPO_ROOT,
    SALES,
    SECURITY,
    SECURITY_2,
    STEWARD,
    copy_workspace,
    draft,
)
from tests.helpers_login import cli_login

council_ws = council_support.council_ws


def _submitted(ws, **changes):
    p = create_draft(ws, MARKETER, draft(**changes))
    return submit(ws, MARKETER, p.id)


def _approved(ws, **changes):
    p = _submitted(ws, **changes)
    vote(ws, SECURITY, p.id, "approve", "no privacy concern: aggregated tiers only")
    return vote(ws, MARKETING, p.id, "approve", "a small, well-defined pilot")


def _audit(ws, action, obj):
    with ws.governance() as g:
        return g.execute("SELECT outcome, reason, details FROM audit WHERE action = ? AND object = ? ORDER BY seq",
                         [action, obj]).fetchall()


# ---- drafts

def test_create_draft_accepts_a_model_or_a_dict_and_records_version_and_audit(council_ws):
    a = create_draft(council_ws, MARKETER, draft())
    b = create_draft(council_ws, MARKETER, ProposalDraft.model_validate(draft()))
    assert a.id != b.id and a.state == b.state == "draft" and a.version == 1 and a.proposer == "mark"
    assert _audit(council_ws, "proposal.create", a.id)[0][0] == "ok"
    assert proposal_view(council_ws, MARKETER, a.id).versions[0]["draft"]["title"] == a.title


def test_a_proposers_second_copy_of_an_open_proposal_is_refused_naming_the_first(council_ws, tmp_path, monkeypatch):
    """Issue 19.8: duplicates are refused by the library, so the Lab, the notebook API and the CLI all refuse
    them; an edit that makes one proposal a copy of another is refused too; once withdrawn it may be made again."""
    import yaml
    from typer.testing import CliRunner

    from sandbox.cli import app

    same = draft(title="Twice the same idea")
    first = create_draft(council_ws, MARKETER, same)
    with pytest.raises(DuplicateProposal, match=rf"^this proposal repeats {first.id} \(draft, version 1\)"):
        create_draft(council_ws, MARKETER, {**same, "evidence": {"note": "another run"}})
    other = create_draft(council_ws, OTHER_MARKETER, same)  # another marketer's own proposal
    assert other.id != first.id
    second = create_draft(council_ws, MARKETER, draft(title="Twice the same idea", audience_size=3000))
    with pytest.raises(DuplicateProposal, match=f"repeats {first.id} "):
        update_draft(council_ws, MARKETER, second.id, {"audience_size": same["audience_size"]})
    monkeypatch.setenv("SANDBOX_HOME", str(council_ws.home))
    monkeypatch.setenv("SANDBOX_USER", MARKETER.name)
    cli_login(council_ws, MARKETER.name, MARKETER.role)
    file = tmp_path / "same.yaml"
    file.write_text(yaml.safe_dump(same))
    refused = CliRunner().invoke(app, ["proposals", "create", "--file", str(file)])
    assert refused.exit_code == 1 and f"repeats {first.id} (draft, version 1)" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    withdraw(council_ws, MARKETER, first.id, "written twice")
    assert create_draft(council_ws, MARKETER, same).id not in (first.id, second.id)


def test_create_draft_reports_every_problem_at_once(council_ws):
    with pytest.raises(InputError) as exc:
        create_draft(council_ws, MARKETER, draft(fields_used=["customers.shoe_size", "deals.colour", "deals.stage"]))
    assert "customers.shoe_size" in str(exc.value) and "deals.colour" in str(exc.value)
    with pytest.raises(InputError) as exc:
        create_draft(council_ws, MARKETER, {"title": "", "audience_size": -1})
    assert "title" in str(exc.value) and "audience_size" in str(exc.value)
    with pytest.raises(AccessDenied):
        create_draft(council_ws, SECURITY, draft())


def test_unknown_keys_are_refused_not_ignored(council_ws):
    with pytest.raises(InputError, match="state"):
        create_draft(council_ws, MARKETER, draft(state="approved"))
    p = create_draft(council_ws, MARKETER, draft())
    with pytest.raises(InputError, match="proposer"):
        update_draft(council_ws, MARKETER, p.id, {"proposer": "mia"})


def test_an_approval_never_outlives_the_data_behind_it(council_ws, tmp_path):
    from datetime import timedelta

    from sandbox.council import check
    from sandbox.council.store import now

    ws = copy_workspace(council_ws, tmp_path / "ws")
    limit = now() + timedelta(days=20, hours=1)
    with ws.governance() as g:
        g.execute("UPDATE snapshots SET expires_at = ? WHERE source = 'demo_crm'", [limit])
    p = create_draft(ws, MARKETER, draft(valid_days=60))
    flags = {f.rule: f for f in check(ws, MARKETER, p.id).flags}
    assert set(flags) == {"near_retention_limit"} and "expires in 20 days" in flags["near_retention_limit"].message
    acknowledge(ws, MARKETER, p.id, "near_retention_limit", "the campaign runs for two weeks only")
    p = submit(ws, MARKETER, p.id)
    vote(ws, SECURITY, p.id, "approve", "short and contained")
    p = vote(ws, MARKETING, p.id, "approve", "fine")
    assert p.state == "approved" and p.expires_at == limit
    short = create_draft(ws, MARKETER, draft(valid_days=5))
    acknowledge(ws, MARKETER, short.id, "near_retention_limit", "the campaign runs for five days only")
    submit(ws, MARKETER, short.id)
    vote(ws, SECURITY, short.id, "approve", "short and contained")
    short = vote(ws, MARKETING, short.id, "approve", "fine")
    assert timedelta(days=4, hours=23) < short.expires_at - short.approved_at <= timedelta(days=5)


# ---- flags at submission

def test_a_hard_flag_blocks_submission_naming_rule_and_fields(council_ws):
    p = create_draft(council_ws, MARKETER, draft(fields_used=["support_tickets.category", "deals.stage"]))
    with pytest.raises(PolicyBlocked, match=r"sensitive_outside_core_service \(support_tickets.category\)"):
        submit(council_ws, MARKETER, p.id)
    assert get(council_ws, MARKETER, p.id).state == "draft"
    assert _audit(council_ws, "proposal.submit", p.id)[0][0] == "refused"
    with pytest.raises(PolicyBlocked, match="hard rule"):
        acknowledge(council_ws, MARKETER, p.id, "sensitive_outside_core_service", "we really need it")


def test_soft_flags_must_be_acknowledged_with_a_written_reason(council_ws):
    p = create_draft(council_ws, MARKETER, draft(audience_size=50_000, message="Last chance to upgrade!"))
    with pytest.raises(PolicyBlocked, match="emotional_trigger, large_audience"):
        submit(council_ws, MARKETER, p.id)
    with pytest.raises(InputError, match="reason"):
        acknowledge(council_ws, MARKETER, p.id, "large_audience", "ok")
    with pytest.raises(AccessDenied, match="only the proposer"):
        acknowledge(council_ws, OTHER_MARKETER, p.id, "large_audience", "a long enough reason here")
    acknowledge(council_ws, MARKETER, p.id, "large_audience", "the whole silver tier is the point of the test")
    with pytest.raises(PolicyBlocked, match="emotional_trigger"):
        submit(council_ws, MARKETER, p.id)
    acknowledge(council_ws, MARKETER, p.id, "emotional_trigger", "the upgrade offer really ends this week")
    assert submit(council_ws, MARKETER, p.id).state == "submitted"
    view = proposal_view(council_ws, SECURITY, p.id)
    assert {f.rule: f.acknowledged for f in view.report.flags}["large_audience"].startswith("the whole silver")


# ---- the state machine

@pytest.mark.parametrize(("setup", "action", "message"), [
    ("draft", lambda ws, pid: vote(ws, SECURITY, pid, "approve", "fine"), "is draft and cannot be voted on"),
    ("draft", lambda ws, pid: mark_rolled_out(ws, MARKETER, pid), "is draft and cannot be rolled out"),
    ("submitted", lambda ws, pid: submit(ws, MARKETER, pid), "is submitted and cannot be submitted"),
    ("approved", lambda ws, pid: vote(ws, SALES, pid, "approve", "late"), "is approved and cannot be voted on"),
    ("approved", lambda ws, pid: submit(ws, MARKETER, pid), "is approved and cannot be submitted"),
    ("withdrawn", lambda ws, pid: submit(ws, MARKETER, pid), "withdrawn and is final"),
    ("withdrawn", lambda ws, pid: update_draft(ws, MARKETER, pid, {"audience_size": 10}), "cannot be edited"),
    ("rolled_out", lambda ws, pid: withdraw(ws, MARKETER, pid), "is rolled out and cannot be withdrawn"),
    ("submitted", lambda ws, pid: export_packet(ws, MARKETER, pid), "packet exists only after approval"),
])
def test_illegal_transitions_are_refused_with_a_clear_message(council_ws, setup, action, message):
    p = create_draft(council_ws, MARKETER, draft())
    if setup != "draft":
        p = submit(council_ws, MARKETER, p.id)
    if setup in ("approved", "rolled_out"):
        vote(council_ws, SECURITY, p.id, "approve", "ok for security")
        p = vote(council_ws, MARKETING, p.id, "approve", "ok for marketing")
    if setup == "rolled_out":
        p = mark_rolled_out(council_ws, MARKETER, p.id)
    if setup == "withdrawn":
        p = withdraw(council_ws, MARKETER, p.id, "changed my mind")
    assert p.state == setup
    with pytest.raises(IllegalTransition, match=message):
        action(council_ws, p.id)
    assert get(council_ws, MARKETER, p.id).state == setup


# ---- votes and quorum

def test_nobody_votes_on_their_own_proposal(council_ws):
    promoted = User(name="mia", role="marketer")  # proposed as a marketer, now sits on the council
    p = submit(council_ws, promoted, create_draft(council_ws, promoted, draft()).id)
    with pytest.raises(AccessDenied, match="cannot vote on it"):
        vote(council_ws, MARKETING, p.id, "approve", "my own idea is great")
    assert proposal_view(council_ws, SECURITY, p.id).votes == []


def test_two_approvals_from_one_seat_count_once(council_ws):
    p = _submitted(council_ws)
    vote(council_ws, SECURITY, p.id, "approve", "fine by security")
    p = vote(council_ws, SECURITY_2, p.id, "approve", "fine by security too")
    assert p.state == "submitted"
    t = current_tally(council_ws, SECURITY, p.id)
    assert t.approvals == {"security": ["selma", "sid"]} and t.approving_seats_needed == 1 and not t.reached
    assert vote(council_ws, MARKETING, p.id, "approve", "good pilot").state == "approved"


def test_quorum_needs_security(council_ws):
    p = _submitted(council_ws)
    vote(council_ws, MARKETING, p.id, "approve", "good pilot")
    p = vote(council_ws, SALES, p.id, "approve", "sales agrees")
    assert p.state == "submitted" and current_tally(council_ws, SALES, p.id).missing_seats == ["security"]
    p = vote(council_ws, SECURITY, p.id, "approve", "no data leaves the company")
    assert p.state == "approved" and p.expires_at is not None and p.approved_at is not None


def test_a_vote_needs_a_reason_and_a_seat(council_ws):
    p = _submitted(council_ws)
    with pytest.raises(InputError, match="reason"):
        vote(council_ws, SECURITY, p.id, "approve", "   ")
    with pytest.raises(AccessDenied, match="no council seat"):
        vote(council_ws, User(name="nobody", role="council"), p.id, "approve", "I think so")
    with pytest.raises(AccessDenied):
        vote(council_ws, MARKETER, p.id, "approve", "I like my colleague's idea")


def test_any_reject_stops_it_until_resubmitted_and_old_votes_stop_counting(council_ws):
    p = _submitted(council_ws)
    vote(council_ws, SECURITY, p.id, "approve", "fine by security")
    p = vote(council_ws, SALES, p.id, "reject", "it would annoy our best customers")
    assert p.state == "rejected"
    with pytest.raises(IllegalTransition):
        vote(council_ws, MARKETING, p.id, "approve", "too late")
    p = update_draft(council_ws, MARKETER, p.id, {"audience_size": 1000})
    p = submit(council_ws, MARKETER, p.id)
    assert p.state == "submitted" and p.round == 2
    assert current_tally(council_ws, SECURITY, p.id).approvals == {}
    vote(council_ws, MARKETING, p.id, "approve", "smaller now")
    assert vote(council_ws, SECURITY, p.id, "approve", "still fine").state == "approved"


def test_request_changes_returns_it_to_the_proposer(council_ws):
    p = _submitted(council_ws)
    p = vote(council_ws, SECURITY, p.id, "request_changes", "name a guardrail on complaints")
    assert p.state == "changes_requested"
    p = update_draft(council_ws, MARKETER, p.id, {"guardrail_metrics": ["complaints per 1,000 customers"]})
    assert submit(council_ws, MARKETER, p.id).state == "submitted"


def test_a_material_change_after_approval_resets_it(council_ws):
    p = _approved(council_ws)
    assert p.state == "approved"
    p = update_draft(council_ws, MARKETER, p.id, {"title": "A better title"})
    assert p.state == "approved" and p.version == 2  # the title is not material
    p = update_draft(council_ws, MARKETER, p.id, {"audience_size": 6000})
    assert p.state == "submitted" and p.version == 3 and p.approved_at is None and p.expires_at is None
    assert current_tally(council_ws, SECURITY, p.id).approvals == {}
    assert [h.action for h in proposal_view(council_ws, MARKETER, p.id).history][-1] == "edit"
    assert any(m["subject"] == f"{p.id} changed: your vote is needed again" and m["recipient"] == "selma"
               for m in notify.pending(council_ws, "selma"))
    with pytest.raises(IllegalTransition):
        export_packet(council_ws, MARKETER, p.id)


def test_a_change_that_raises_a_flag_after_approval_is_refused(council_ws):
    p = _approved(council_ws)
    with pytest.raises(PolicyBlocked, match="habit_field"):
        update_draft(council_ws, MARKETER, p.id, {"fields_used": ["support_tickets.text", "deals.stage"]})
    assert get(council_ws, MARKETER, p.id).state == "approved"


def test_quorum_is_a_setting(council_ws, tmp_path):
    from sandbox.council import save_policy
    from sandbox.council.policy import default_policy_text

    ws = copy_workspace(council_ws, tmp_path / "ws")
    text = default_policy_text().replace("approvals: 2 ", "approvals: 1 ").replace(
        "required_seats: [security]", "required_seats: [sales]")
    save_policy(ws, council_support.ADMIN, text)
    p = _submitted(ws)
    assert vote(ws, SECURITY, p.id, "approve", "fine").state == "submitted"
    assert vote(ws, SALES, p.id, "approve", "fine").state == "approved"


_VOTER = """
import sys, time
from sandbox.governance.access import User
from sandbox.council import vote
from sandbox.workspace import Workspace
name, seat, pid, start = sys.argv[1:5]
while time.time() < float(start):
    time.sleep(0.005)
vote(Workspace(), User(name=name, role="council", seat=seat), pid, "approve", f"{name} approves")
"""


def test_concurrent_votes_from_two_sessions_lose_neither(council_ws):
    p = _submitted(council_ws)
    start = str(time.time() + 3)
    env = {**os.environ, "SANDBOX_HOME": str(council_ws.home), "PYTHONPATH": str(REPO_ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", _VOTER, name, seat, p.id, start], env=env,
                              stderr=subprocess.PIPE, text=True)
             for name, seat in (("selma", "security"), ("mia", "marketing"))]
    errors = [proc.communicate(timeout=60)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], errors
    view = proposal_view(council_ws, SECURITY, p.id)
    assert sorted(v.voter for v in view.votes) == ["mia", "selma"]
    assert view.proposal.state == "approved"


# ---- notifications

def test_who_needs_to_act_is_notified_and_mail_goes_out_by_smtp(council_ws, tmp_path):
    from aiosmtpd.controller import Controller

    from tests.browser import free_port

    ws = copy_workspace(council_ws, tmp_path / "ws")
    with ws.governance() as g:
        g.execute("UPDATE outbox SET sent_at = now()")
    p = _submitted(ws)
    pending = notify.pending(ws)
    assert {m["recipient"] for m in pending} == {"selma", "sid", "mia", "sam"}
    assert all(m["subject"] == f"{p.id} needs your vote" and m["object"] == p.id for m in pending)
    vote(ws, SALES, p.id, "request_changes", "say which stores take part")
    assert [m["subject"] for m in notify.pending(ws, "mark")] == [f"{p.id}: changes requested"]

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[tuple[list[str], str]] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    from typer.testing import CliRunner

    from sandbox.cli import app

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env = {"SANDBOX_HOME": str(ws.home), "SANDBOX_SMTP_HOST": "127.0.0.1",
               "SANDBOX_SMTP_PORT": str(controller.port), "SANDBOX_MAIL_DOMAIN": "example.com",
               "SANDBOX_USER": "stella"}
        cli_login(ws, "stella", "steward")
        result = CliRunner().invoke(app, ["proposals", "notify", "--json"], env=env)
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"sent": 5} and notify.pending(ws) == []
    to_mark = [body for rcpt, body in inbox.messages if rcpt == ["mark@example.com"]]
    assert len(to_mark) == 1 and "say which stores take part" in to_mark[0]


# ---- gate override

def test_a_gate_override_is_a_proposal_and_lets_publish_through_once_approved(council_ws):
    from sandbox.council import request_gate_override
    from sandbox.errors import GateFailed
    from sandbox.release.datasets import publish

    dataset = council_support.failed_dataset(council_ws)
    with pytest.raises(GateFailed, match="did not pass its release gate"):
        publish(council_ws, STEWARD, dataset)
    with pytest.raises(AccessDenied):
        request_gate_override(council_ws, MARKETER, dataset, "marketing needs it for the spring campaign")
    p = request_gate_override(council_ws, STEWARD, dataset, "quality is low only on free-text notes we never use")
    assert p.kind == "gate_override" and p.state == "submitted" and p.evidence["gate"] == "fail"
    vote(council_ws, SECURITY, p.id, "approve", "privacy metrics are fine; only quality failed")
    with pytest.raises(GateFailed):
        publish(council_ws, STEWARD, dataset)
    vote(council_ws, SALES, p.id, "approve", "we accept lower quality for this test")
    info = publish(council_ws, STEWARD, dataset)
    assert info.status == "published"
    outcomes = _audit(council_ws, "publish", dataset)
    assert [o for o, _, _ in outcomes] == ["refused", "refused", "ok"]
    assert json.loads(outcomes[-1][2])["gate_override"] == p.id


# ---- rollout packet

def test_the_rollout_packet_maps_names_back_and_its_export_is_logged(council_ws, tmp_path):
    p = _approved(council_ws, fields_used=["customers.loyalty_tier", "deals.channel", "deals.stage",
                                           "support_tickets.resolved"])
    out = tmp_path / "packet.json"
    packet = json.loads(export_packet(council_ws, MARKETER, p.id, "json", out))
    assert json.loads(out.read_text()) == packet
    sql = packet["segment_sql"]
    assert 'FROM "customers"' in sql and 'JOIN "deals" ON "deals"."customer_id" = "customers"."customer_id"' in sql
    assert 'JOIN "support_tickets"' in sql and "\"customers\".\"loyalty_tier\" = 'silver'" in sql
    assert "CASE WHEN \"deals\".\"channel\" IN ('phone') THEN 'B' WHEN \"deals\".\"channel\" IN ('email')" in sql
    assert packet["fields"] == ["customers.loyalty_tier", "deals.channel", "deals.stage", "support_tickets.resolved"]
    assert packet["guardrail_metrics"] == ["support tickets per customer", "unsubscribe rate"]
    assert {v["voter"]: v["seat"] for v in packet["votes"]} == {"selma": "security", "mia": "marketing"}
    assert packet["expires_at"] and packet["hypothesis"].startswith("We believe")
    md = export_packet(council_ws, SECURITY, p.id, "md")
    assert "## Decision record" in md and "| selma | security | approve |" in md and "```sql" in md
    logged = _audit(council_ws, "proposal.packet", p.id)
    assert [json.loads(d)["format"] for _, _, d in logged] == ["json", "md"]


def test_segment_sql_uses_the_real_crm_names():
    from sandbox.catalog.model import Catalog
    from sandbox.council.model import SegmentFilter
    from sandbox.council.packet import segment_sql

    cat = Catalog.model_validate({"source": "crm", "tables": {
        "clients": {"source_file": "Clients Export.csv", "primary_key": "client_id", "columns": {
            "client_id": {"cls": "key", "source_name": "Client ID"},
            "tier": {"cls": "ordinary", "source_name": "Loyalty Tier"}}},
        "orders": {"source_file": "orders.parquet", "primary_key": "order_id",
                   "foreign_keys": [{"column": "client_id", "parent": "clients", "parent_column": "client_id"}],
                   "columns": {"order_id": {"cls": "key"}, "client_id": {"cls": "key", "source_name": "ClientRef"},
                               "amount": {"cls": "ordinary", "source_name": "Amount, $"}}}}})
    sql = segment_sql(cat, [SegmentFilter(table="orders", column="amount", op="between", value=[10, 20]),
                            SegmentFilter(table="clients", column="tier", op="in", value=["gold", "it's"])],
                      ["orders.amount", "clients.tier"])
    assert sql == ('SELECT DISTINCT "Clients Export"."Client ID"\nFROM "Clients Export"\n'
                   'JOIN "orders" ON "orders"."ClientRef" = "Clients Export"."Client ID"\n'
                   'WHERE "orders"."Amount, $" BETWEEN 10 AND 20\n'
                   '  AND "Clients Export"."Loyalty Tier" IN (\'gold\', \'it\'\'s\');')


def test_cli_proposals_end_to_end(council_ws, tmp_path, monkeypatch):
    import yaml
    from typer.testing import CliRunner

    from sandbox.cli import app

    monkeypatch.setenv("SANDBOX_HOME", str(council_ws.home))
    run = CliRunner().invoke

    def as_(name, role, seat=""):
        monkeypatch.setenv("SANDBOX_USER", name)
        cli_login(council_ws, name, role, seat or None)

    file = tmp_path / "p.yaml"
    file.write_text(yaml.safe_dump(draft(audience_size=20_000)))
    as_("mark", "marketer")
    made = run(app, ["proposals", "create", "--file", str(file), "--json"])
    assert made.exit_code == 0, made.output
    pid = json.loads(made.stdout)["id"]
    refused = run(app, ["proposals", "submit", pid])
    assert refused.exit_code == 1 and "large_audience" in refused.output
    ack = ["proposals", "acknowledge", pid, "large_audience", "--reason", "all silver customers"]
    assert run(app, ack).exit_code == 0
    assert run(app, ["proposals", "submit", pid]).exit_code == 0
    as_("selma", "council", "security")
    queue = json.loads(run(app, ["proposals", "queue", "--json"]).stdout)["queue"]
    assert pid in [i["proposal"]["id"] for i in queue]
    assert run(app, ["proposals", "vote", pid, "approve", "--reason", "fine"]).exit_code == 0
    as_("sam", "council", "sales")
    assert run(app, ["proposals", "vote", pid, "approve", "--reason", "fine too"]).exit_code == 0
    as_("mark", "marketer")
    out = tmp_path / "packet.md"
    assert run(app, ["proposals", "packet", pid, "--format", "md", "--out", str(out)]).exit_code == 0
    assert out.read_text().startswith(f"# Rollout packet {pid}")
    assert run(app, ["proposals", "rollout", pid]).exit_code == 0
    shown = json.loads(run(app, ["proposals", "show", pid, "--json"]).stdout)
    assert shown["proposal"]["state"] == "rolled_out" and len(shown["votes"]) == 2
