"""What the app and the CLI show: the council queue, one proposal with its evidence, my proposals."""

from __future__ import annotations

import json
from typing import Any

import duckdb
from pydantic import BaseModel

from sandbox.council import store
from sandbox.council.model import HistoryEntry, PolicyReport, Proposal, Vote
from sandbox.council.policy import Policy, check_in, load_policy_in
from sandbox.council.voting import Tally, tally
from sandbox.governance.access import User, require
from sandbox.workspace import Workspace


class QueueItem(BaseModel):
    """A proposal waiting for a council member's vote."""

    proposal: Proposal
    report: PolicyReport
    tally: Tally


class ProposalView(BaseModel):
    """One proposal with the evidence the council decides on."""

    proposal: Proposal
    report: PolicyReport
    tally: Tally
    votes: list[Vote]
    versions: list[dict[str, Any]]
    history: list[HistoryEntry]
    dataset: dict[str, Any]


class MyItem(BaseModel):
    """One of my proposals and what I should do next (empty when nothing)."""

    proposal: Proposal
    next_step: str


def _tally_in(g: duckdb.DuckDBPyConnection, p: Proposal, policy: Policy) -> Tally:
    q = policy.quorum
    return tally(store.votes(g, p.id, p.round), q.approvals, list(q.required_seats), p.proposer)


def dataset_summary(g: duckdb.DuckDBPyConnection, dataset: str | None) -> dict[str, Any]:
    """The release-gate verdicts of a dataset: gate, quality, privacy and fidelity (no data)."""
    row = g.execute("SELECT gate, report, status, generator FROM datasets WHERE id = ?", [dataset]).fetchone()
    if row is None:
        return {}
    rep = json.loads(row[1]) if row[1] else {}
    privacy, fidelity = rep.get("privacy") or {}, rep.get("fidelity") or {}
    return {"dataset": dataset, "status": row[2], "generator": row[3], "gate": row[0],
            "quality": (rep.get("quality") or {}).get("overall"), "dcr_share": privacy.get("dcr_share"),
            "leaked_values": privacy.get("leaked_values"), "fidelity": fidelity.get("sign_agreement"),
            "fidelity_target": fidelity.get("target"), "reasons": rep.get("reasons") or []}


def council_queue(ws: Workspace, user: User) -> list[QueueItem]:
    """Submitted proposals this council member has not voted on in the current round; flags first."""
    require(user, "proposal.vote")
    items = []
    with ws.governance() as g:
        policy = load_policy_in(g)
        for p in store.load_all(g, "state = 'submitted' AND proposer <> ?", [user.name]):
            if any(v.voter == user.name for v in store.votes(g, p.id, p.round)):
                continue
            items.append(QueueItem(proposal=p, report=check_in(g, p, policy=policy), tally=_tally_in(g, p, policy)))
    items.sort(key=lambda i: (-len(i.report.hard), -len(i.report.soft), i.proposal.updated_at))
    return items


def proposal_view(ws: Workspace, user: User, pid: str) -> ProposalView:
    """Everything about one proposal: flags, quorum, votes, versions, history, dataset verdicts."""
    require(user, "proposal.read")
    with ws.governance() as g:
        p, policy = store.load(g, pid), load_policy_in(g)
        return ProposalView(proposal=p, report=check_in(g, p, policy=policy), tally=_tally_in(g, p, policy),
                            votes=store.votes(g, pid),
                            versions=store.versions(g, pid), history=store.history(g, pid),
                            dataset=dataset_summary(g, p.dataset))


_NEXT = {
    "draft": "acknowledge any soft flags and submit it",
    "changes_requested": "read the council's reasons, edit and resubmit",
    "rejected": "read the council's reasons; edit and resubmit, or withdraw",
    "approved": "download the rollout packet and roll it out before it expires",
}


def my_proposals(ws: Workspace, user: User) -> list[MyItem]:
    """The acting user's proposals with their next step, those needing action first."""
    require(user, "proposal.read")
    with ws.governance() as g:
        mine = store.load_all(g, "proposer = ?", [user.name])
    items = [MyItem(proposal=p, next_step=_NEXT.get(p.state, "")) for p in mine]
    return sorted(items, key=lambda i: not i.next_step)
