"""Council votes and the quorum.

Default quorum (a policy setting): approvals from two different seats, one of them security. Only the
current submission round counts and only each member's latest vote in it; two approvals from one seat
count once; nobody votes on their own proposal; any reject stops the proposal until it is resubmitted.
Each vote is one governance transaction that re-reads the proposal, so concurrent votes from two
sessions are serialized by the workspace lock and neither is lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
from pydantic import BaseModel

from sandbox.council import store
from sandbox.council.model import Proposal, Vote, VoteChoice
from sandbox.council.states import next_state
from sandbox.council.workflow import notify_council, transaction
from sandbox.errors import AccessDenied, InputError, PolicyBlocked
from sandbox.governance import audit, notify
from sandbox.governance.access import User, require
from sandbox.workspace import Workspace

if TYPE_CHECKING:
    from sandbox.council.policy import Policy


class Tally(BaseModel):
    """Where the current round stands."""

    approvals: dict[str, list[str]]  # seat -> members who approve
    rejections: list[str]
    change_requests: list[str]
    missing_seats: list[str]
    approving_seats_needed: int
    reached: bool

    def summary(self) -> str:
        if self.reached:
            return f"quorum reached ({', '.join(sorted(self.approvals))})"
        parts = [f"{self.approving_seats_needed} more seat(s) must approve"]
        if self.missing_seats:
            parts.append(f"including {', '.join(self.missing_seats)}")
        return " ".join(parts)


def tally(votes: list[Vote], approvals: int = 2, required_seats: list[str] | None = None,
          proposer: str | None = None) -> Tally:
    """Count the latest vote of each member (the proposer's never counts)."""
    latest: dict[str, Vote] = {}
    for v in votes:
        if v.voter != proposer:
            latest[v.voter] = v
    seats: dict[str, list[str]] = {}
    for v in latest.values():
        if v.choice == "approve":
            seats.setdefault(v.seat, []).append(v.voter)
    required = required_seats if required_seats is not None else ["security"]
    missing = [s for s in required if s not in seats]
    needed = max(approvals - len(seats), len(missing), 0)
    return Tally(approvals=seats, rejections=[v.voter for v in latest.values() if v.choice == "reject"],
                 change_requests=[v.voter for v in latest.values() if v.choice == "request_changes"],
                 missing_seats=missing, approving_seats_needed=needed, reached=needed == 0)


def _expires(g: duckdb.DuckDBPyConnection, p: Proposal, policy: Policy, approved_at: datetime) -> datetime:
    """When an approval given now ends: the days asked for, at most the policy's, never past the data's
    retention limit."""
    from sandbox.council.policy import data_expiry

    days = min(p.valid_days or policy.valid_days, policy.valid_days)
    limit = data_expiry(g, p.dataset, p.source)
    end = approved_at + timedelta(days=days)
    return min(end, limit) if limit else end


def vote(ws: Workspace, user: User, pid: str, choice: VoteChoice, reason: str) -> Proposal:
    """Record a council member's vote with its written reason, then apply it: a reject or a request for
    changes sends the proposal back to the proposer; the approval that reaches quorum approves it."""
    from sandbox.council.policy import check_in, load_policy_in

    require(user, "proposal.vote")
    if choice not in ("approve", "reject", "request_changes"):
        raise InputError(f"a vote is approve, reject or request_changes, not {choice!r}")
    if not reason.strip():
        raise InputError("every vote needs a written reason", code="vote.no_reason")
    with transaction(ws) as g:
        seat = store.registered_seat(g, user.name, user.seat)
        if not seat:
            raise AccessDenied(f"{user.name} has no council seat and cannot vote", code="vote.no_seat", name=user.name)
        p = store.load(g, pid)
        if p.proposer == user.name:
            raise AccessDenied(f"{user.name} proposed {pid} and cannot vote on it", code="vote.own", id=pid)
        next_state(pid, p.state, "vote")
        policy = load_policy_in(g)
        if choice == "approve" and (report := check_in(g, p)).hard:
            raise PolicyBlocked(f"{pid} now breaks hard rules ({', '.join(f.rule for f in report.hard)}); "
                                "reject it or request changes", code="vote.hard_flags", id=pid,
                                flags=[f.kind for f in report.hard])
        v = Vote(proposal=pid, round=p.round, version=p.version, voter=user.name, seat=seat, choice=choice,
                 reason=reason.strip(), cast_at=store.now())
        store.add_vote(g, v)
        before = p.state
        result = tally(store.votes(g, pid, p.round), policy.quorum.approvals, list(policy.quorum.required_seats),
                       p.proposer)
        if choice != "approve":
            p.state = next_state(pid, p.state, choice)
            notify.enqueue(g, p.proposer, f"{pid}: {'rejected' if choice == 'reject' else 'changes requested'}",
                           f"{user.name} ({seat}): {v.reason}", kind="proposer_action", obj=pid)
        elif result.reached:
            p.state = next_state(pid, p.state, "approve")
            p.approved_at = v.cast_at
            p.expires_at = _expires(g, p, policy, v.cast_at)
            notify.enqueue(g, p.proposer, f"{pid} approved", f"'{p.title}' was approved "
                           f"({result.summary()}); the rollout packet is ready until {p.expires_at:%Y-%m-%d}.",
                           kind="proposer_action", obj=pid)
            notify_council(g, p, f"{pid} approved", f"'{p.title}' reached quorum.", "decision")
        store.update(g, p)
        store.add_event(g, p, user, f"vote:{choice}", before, reason=v.reason)
        audit.record(g, user, "proposal.vote", pid, reason=v.reason,
                     details={"choice": choice, "seat": seat, "round": p.round, "state": p.state})
    return p


def votes(ws: Workspace, user: User, pid: str, current_round_only: bool = False) -> list[Vote]:
    """Votes cast on a proposal (all rounds, or only the current one)."""
    require(user, "proposal.read")
    with ws.governance() as g:
        p = store.load(g, pid)
        return store.votes(g, pid, p.round if current_round_only else None)


def current_tally(ws: Workspace, user: User, pid: str) -> Tally:
    """The quorum count of the current round under the policy in force."""
    from sandbox.council.policy import load_policy_in

    require(user, "proposal.read")
    with ws.governance() as g:
        p = store.load(g, pid)
        q = load_policy_in(g).quorum
        return tally(store.votes(g, pid, p.round), q.approvals, list(q.required_seats), p.proposer)
