"""What proposers do: create a draft, edit it, acknowledge soft flags, submit, withdraw, roll out.

Every action is one governance transaction that re-reads the proposal, checks the state machine,
writes the change, its history event, its audit event and its notifications, then commits: if any
part cannot be written, nothing happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import duckdb

from sandbox.catalog.store import latest_in
from sandbox.council import store
from sandbox.council.model import MATERIAL_EXEMPT, PolicyReport, Proposal, ProposalDraft
from sandbox.council.policy import check_in, load_policy_in
from sandbox.council.states import next_state
from sandbox.errors import AccessDenied, DuplicateProposal, InputError, PolicyBlocked, UnknownObject, parse_as
from sandbox.governance import audit, notify
from sandbox.governance.access import User, require
from sandbox.workspace import Workspace


def parse_draft(draft: ProposalDraft | dict[str, Any]) -> ProposalDraft:
    """A ``ProposalDraft`` from a model or a dict; every problem reported at once."""
    return parse_as(ProposalDraft, draft, "proposal")


def resolve_draft(g: duckdb.DuckDBPyConnection, draft: ProposalDraft) -> ProposalDraft:
    """Fill in the source from the dataset and check every field against the source's catalog."""
    if draft.dataset:
        row = g.execute("SELECT source FROM datasets WHERE id = ?", [draft.dataset]).fetchone()
        if row is None:
            raise UnknownObject(f"no dataset {draft.dataset!r}; `sandbox datasets` lists them")
        if draft.source and draft.source != row[0]:
            raise InputError(f"dataset {draft.dataset} comes from source {row[0]!r}, not {draft.source!r}")
        draft = draft.model_copy(update={"source": row[0]})
    if not draft.source:
        raise InputError("name the synthetic dataset the idea was tested on (dataset) or at least its source")
    catalog = latest_in(g, draft.source)
    if catalog is None:
        raise UnknownObject(f"source {draft.source!r} has no catalog; was it ingested?")
    unknown = [f for f in draft.all_fields() if f.partition(".")[0] not in catalog.tables
               or f.partition(".")[2] not in catalog.tables[f.partition(".")[0]].columns]
    if unknown:
        raise InputError(f"fields not in the catalog of {draft.source!r}: {', '.join(unknown)} "
                         "(write them table.column as the synthetic dataset names them)")
    return draft


@contextmanager
def transaction(ws: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """One governance transaction: committed when the block ends, rolled back on any error."""
    with ws.governance() as g:
        g.begin()
        yield g
        g.commit()


def notify_council(g: duckdb.DuckDBPyConnection, p: Proposal, subject: str, body: str, kind: str) -> None:
    for member in store.council_members(g):
        notify.enqueue(g, member, subject, body, kind=kind, obj=p.id)


def _own(p: Proposal, user: User, doing: str) -> None:
    if user.name != p.proposer and user.role != "admin":
        raise AccessDenied(f"only the proposer ({p.proposer}) may {doing} proposal {p.id}", code="proposal.not_yours",
                           proposer=p.proposer, id=p.id)


CLOSED = ("withdrawn", "rejected", "rolled_out")
"""States after which the same proposal may be made again."""


def _refuse_duplicate(g: duckdb.DuckDBPyConnection, proposer: str, draft: ProposalDraft,
                      pid: str | None = None) -> None:
    """Refuse a draft that repeats an open proposal of the same proposer word for word (the evidence aside: the
    same Lab answer saved twice, a double click, a file created again), naming the proposal it repeats."""
    same = draft.model_dump(mode="json", exclude={"evidence"})
    for p in store.load_all(g, "proposer = ? AND id IS DISTINCT FROM ?", [proposer, pid]):
        if p.state not in CLOSED and p.draft().model_dump(mode="json", exclude={"evidence"}) == same:
            raise DuplicateProposal(p.id, p.state, p.version)


def create_draft(ws: Workspace, user: User, draft: ProposalDraft | dict[str, Any]) -> Proposal:
    """Store a new proposal in state ``draft`` (version 1) and return it; refused (:class:`DuplicateProposal`)
    when the same proposer has the same proposal open already."""
    require(user, "proposal.create")
    parsed = parse_draft(draft)
    with transaction(ws) as g:
        parsed = resolve_draft(g, parsed)
        _refuse_duplicate(g, user.name, parsed)
        at = store.now()
        p = Proposal(**parsed.model_dump(), id=store.next_id(g), proposer=user.name, created_at=at, updated_at=at)
        store.insert(g, p)
        store.add_version(g, p, user)
        store.add_event(g, p, user, "create", None)
        audit.record(g, user, "proposal.create", p.id, details={"kind": p.kind, "dataset": p.dataset})
    return p


def update_draft(ws: Workspace, user: User, pid: str, changes: ProposalDraft | dict[str, Any]) -> Proposal:
    """Edit a proposal (a whole draft, or a dict of changed fields). A material change makes a new
    version; after approval it returns the proposal to submitted and clears the approvals."""

    with transaction(ws) as g:
        p = store.load(g, pid)
        _own(p, user, "edit")
        old = p.draft()
        merged = {**old.model_dump(), **(changes.model_dump() if isinstance(changes, ProposalDraft) else changes)}
        new = resolve_draft(g, parse_draft(merged))
        changed = {k for k in ProposalDraft.model_fields if getattr(old, k) != getattr(new, k)}
        if not changed:
            return p
        _refuse_duplicate(g, p.proposer, new, pid)
        material = bool(changed - MATERIAL_EXEMPT)
        before = p.state
        p = Proposal.model_validate({**p.model_dump(), **new.model_dump(), "version": p.version + 1})
        p.state = next_state(pid, before, "edit") if material else before
        if material and before in ("submitted", "approved"):
            report = check_in(g, p)
            if report.hard or report.unacknowledged:
                names = ", ".join(f.rule for f in report.hard + report.unacknowledged)
                raise PolicyBlocked(f"this change to {pid} raises flags ({names}); "
                                    "acknowledge the soft ones first, or withdraw the proposal",
                                    code="proposal.change_flags", id=pid,
                                    flags=[f.kind for f in report.hard + report.unacknowledged])
            p.round, p.approved_at, p.expires_at = p.round + 1, None, None
            notify_council(g, p, f"{pid} changed: your vote is needed again",
                           f"{p.proposer} changed {', '.join(sorted(changed))} of '{p.title}' (version {p.version}); "
                           "earlier votes no longer count.", "vote_needed")
        store.update(g, p)
        store.add_version(g, p, user)
        store.add_event(g, p, user, "edit", before, reason=", ".join(sorted(changed)))
        audit.record(g, user, "proposal.edit", pid, details={"version": p.version, "changed": sorted(changed),
                                                              "material": material, "from": before, "to": p.state})
    return p


def acknowledge(ws: Workspace, user: User, pid: str, rule: str, reason: str) -> Proposal:
    """The proposer's written reason for going ahead despite a soft flag."""

    if len(reason.strip()) < 10:
        raise InputError("write a reason of at least a few words for acknowledging a flag", code="ack.reason")
    with transaction(ws) as g:
        p = store.load(g, pid)
        _own(p, user, "acknowledge flags of")
        next_state(pid, p.state, "acknowledge")
        policy = load_policy_in(g)
        found = {r.id: r for r in policy.rules}
        if rule not in found:
            raise InputError(f"no rule {rule!r} in policy v{policy.version}; rules: {', '.join(found)}")
        if found[rule].severity == "hard":
            raise PolicyBlocked(f"{rule} is a hard rule: it cannot be acknowledged, only fixed", code="ack.hard",
                                flag=found[rule].kind)
        p.acknowledgements = {**p.acknowledgements, rule: reason.strip()}
        store.update(g, p)
        store.add_event(g, p, user, "acknowledge", p.state, reason=f"{rule}: {reason.strip()}")
        audit.record(g, user, "proposal.acknowledge", pid, reason=reason.strip(), details={"rule": rule})
    return p


def _blocking(pid: str, report: PolicyReport) -> PolicyBlocked | None:
    """Why the policy report stops a submission (None when it does not)."""
    if report.hard:
        why = "; ".join(f"{f.rule} ({', '.join(f.fields) or 'proposal'}): {f.message}" for f in report.hard)
        return PolicyBlocked(f"{pid} cannot be submitted: {why}", code="proposal.hard_flags", id=pid,
                             flags=[f.kind for f in report.hard])
    if report.unacknowledged:
        names = ", ".join(f.rule for f in report.unacknowledged)
        return PolicyBlocked(f"{pid} has soft flags to acknowledge with a written reason first: {names} "
                             f"(`sandbox proposals acknowledge {pid} RULE --reason ...`)", code="proposal.soft_flags",
                             id=pid, flags=[f.kind for f in report.unacknowledged])
    return None


def submit(ws: Workspace, user: User, pid: str) -> Proposal:
    """Send a draft (or a changed proposal) to the council; refused while a hard flag fires or a soft
    flag is not acknowledged. The check and the change are one transaction; a refusal is audited."""

    with ws.governance() as g:
        g.begin()
        p = store.load(g, pid)
        _own(p, user, "submit")
        before, p.state = p.state, next_state(pid, p.state, "submit")
        report = check_in(g, p)
        if problem := _blocking(pid, report):
            g.rollback()
            g.begin()
            audit.record(g, user, "proposal.submit", pid, outcome="refused", reason=str(problem),
                         details={"flags": [f.rule for f in report.hard + report.unacknowledged]})
            g.commit()
            raise problem
        p.round, p.policy_version = p.round + 1, report.policy_version
        store.update(g, p)
        store.add_event(g, p, user, "submit", before)
        audit.record(g, user, "proposal.submit", pid, details={"round": p.round, "version": p.version,
                                                                "flags": [f.rule for f in report.flags]})
        soft = f" Soft flags: {', '.join(f.rule for f in report.soft)}." if report.soft else ""
        notify_council(g, p, f"{pid} needs your vote", f"{p.proposer} submitted '{p.title}'.{soft}", "vote_needed")
        g.commit()
    return p


def withdraw(ws: Workspace, user: User, pid: str, reason: str = "") -> Proposal:
    """The proposer takes the proposal back (final)."""
    return _simple(ws, user, pid, "withdraw", reason, "withdraw")


def mark_rolled_out(ws: Workspace, user: User, pid: str, reason: str = "") -> Proposal:
    """Record that an approved, unexpired proposal went out to real customers (final)."""
    return _simple(ws, user, pid, "roll_out", reason, "roll out")


def _simple(ws: Workspace, user: User, pid: str, action: str, reason: str, doing: str) -> Proposal:
    with transaction(ws) as g:
        p = store.load(g, pid)
        _own(p, user, doing)
        before, p.state = p.state, next_state(pid, p.state, action)
        if action == "roll_out" and p.expires_at and p.expires_at < store.now():
            raise PolicyBlocked(f"the approval of {pid} expired on {p.expires_at:%Y-%m-%d}; edit and resubmit it",
                                code="proposal.expired", id=pid, expired=p.expires_at)
        store.update(g, p)
        store.add_event(g, p, user, action, before, reason=reason)
        audit.record(g, user, f"proposal.{action}", pid, reason=reason)
    return p


def get(ws: Workspace, user: User, pid: str) -> Proposal:
    """One proposal."""
    require(user, "proposal.read")
    with ws.governance() as g:
        return store.load(g, pid)


def list_proposals(ws: Workspace, user: User, *, state: str | None = None, mine: bool = False) -> list[Proposal]:
    """Proposals, newest first; ``mine`` keeps the acting user's own."""
    require(user, "proposal.read")
    with ws.governance() as g:
        return store.load_all(g, "(? IS NULL OR state = ?) AND (NOT ? OR proposer = ?)",
                              [state, state, mine, user.name])


def check(ws: Workspace, user: User, proposal: str | ProposalDraft | dict, now: datetime | None = None) -> PolicyReport:
    """Explain every rule that fires on a stored proposal (by id) or on a draft not stored yet."""
    require(user, "proposal.read")
    with ws.governance() as g:
        p = store.load(g, proposal) if isinstance(proposal, str) else resolve_draft(g, parse_draft(proposal))
        return check_in(g, p, now)
