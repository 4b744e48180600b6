"""Gate overrides: publishing a dataset whose release gate failed is itself a council proposal."""

from __future__ import annotations

import json

import duckdb

from sandbox.council import store
from sandbox.council.model import Proposal, ProposalDraft
from sandbox.council.workflow import create_draft, submit
from sandbox.errors import InputError, UnknownObject
from sandbox.governance.access import User, require
from sandbox.workspace import Workspace


def request_gate_override(ws: Workspace, user: User, dataset: str, reason: str) -> Proposal:
    """Ask the council to let ``dataset`` be published although its gate failed (steward); the
    proposal is created and submitted at once, with the gate's reasons as evidence."""
    require(user, "publish")
    if len(reason.strip()) < 10:
        raise InputError("say in a few words why the dataset should be published despite its gate",
                         code="override.reason")
    with ws.governance() as g:
        row = g.execute("SELECT gate, report, status FROM datasets WHERE id = ?", [dataset]).fetchone()
    if row is None:
        raise UnknownObject(f"no dataset {dataset!r}; `sandbox datasets --all` lists them", code="dataset.unknown",
                            dataset=dataset)
    gate, report, status = row
    if status == "published" or gate == "pass":
        raise InputError(f"dataset {dataset} {'is already published' if status == 'published' else 'passed its gate'};"
                         " it needs no override", code=f"override.{'published' if status == 'published' else 'passed'}",
                         dataset=dataset)
    if gate != "fail":
        raise InputError(f"dataset {dataset} has not been through its gate; run `sandbox evaluate {dataset}` first",
                         code="override.not_evaluated", dataset=dataset)
    evidence = {"gate": gate, "report": json.loads(report) if report else {}}
    draft = ProposalDraft(title=f"Publish {dataset} despite its release gate", kind="gate_override",
                          dataset=dataset, hypothesis=reason.strip(), purpose="publish synthetic dataset",
                          evidence=evidence)
    p = create_draft(ws, user, draft)
    return submit(ws, user, p.id)


def approved_override_in(g: duckdb.DuckDBPyConnection, dataset: str) -> str | None:
    """The id of an approved, unexpired gate override for ``dataset`` (None when there is none)."""
    row = g.execute("SELECT id FROM proposals WHERE kind = 'gate_override' AND dataset = ? AND state = 'approved' "
                    "ORDER BY updated_at DESC LIMIT 1", [dataset]).fetchone()
    if row is None:
        return None
    p = store.load(g, row[0])
    return p.id if p.expires_at is None or p.expires_at > store.now() else None


def approved_override(ws: Workspace, dataset: str) -> str | None:
    """Like ``approved_override_in``, with its own governance connection."""
    with ws.governance() as g:
        return approved_override_in(g, dataset)
