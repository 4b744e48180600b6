"""The council's policy: red-flag rules and the quorum, as versioned YAML in the workspace.

The shipped defaults (``default_policy.yaml``) apply until an admin saves a version of their own;
each saved version is kept, and every submission records the version it was checked against.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from sandbox.catalog.store import latest_in
from sandbox.council import store
from sandbox.council.model import Flag, PolicyReport, Proposal, ProposalDraft, Severity
from sandbox.council.rules import KINDS, Context
from sandbox.db import fetch_row
from sandbox.errors import InputError
from sandbox.governance import audit
from sandbox.governance.access import Seat, User, require
from sandbox.workspace import Workspace


class Rule(BaseModel):
    """One red-flag rule."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str
    severity: Severity
    description: str = Field(min_length=10)
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_kind(self) -> Rule:
        if self.kind not in KINDS:
            raise ValueError(f"rule {self.id}: unknown kind {self.kind!r}; kinds: {', '.join(KINDS)}")
        KINDS[self.kind][0].model_validate(self.params)
        return self


class Quorum(BaseModel):
    """How many approvals from how many seats make a decision."""

    approvals: int = Field(2, ge=1, description="Approvals from this many different seats.")
    required_seats: list[Seat] = Field(default_factory=lambda: list[Seat](["security"]),
                                       description="Seats that must be among the approvers.")


class Policy(BaseModel):
    """A complete policy: rules, quorum and how long an approval lasts."""

    version: int = Field(0, description="0 for the shipped defaults.")
    name: str = "default"
    description: str = ""
    valid_days: int = Field(90, ge=1, description="Longest (and default) time an approval stays valid, in days.")
    quorum: Quorum = Field(default_factory=Quorum)
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique_ids(self) -> Policy:
        ids = [r.id for r in self.rules]
        if dupes := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"rule ids must be unique: {', '.join(dupes)}")
        return self

    @classmethod
    def from_yaml(cls, text: str, version: int = 0) -> Policy:
        try:
            data = yaml.safe_load(text) or {}
            return cls.model_validate({**data, "version": version})
        except (yaml.YAMLError, ValidationError, ValueError) as exc:
            raise InputError(f"the policy is not valid: {exc}") from None


def default_policy_text() -> str:
    """The shipped default policy (YAML)."""
    return resources.files("sandbox.council").joinpath("default_policy.yaml").read_text(encoding="utf-8")


def load_policy_in(g: duckdb.DuckDBPyConnection) -> Policy:
    """The newest saved policy, or the shipped defaults (version 0)."""
    row = g.execute("SELECT version, policy FROM policies ORDER BY version DESC LIMIT 1").fetchone()
    return Policy.from_yaml(row[1], row[0]) if row else Policy.from_yaml(default_policy_text())


def policy_text_in(g: duckdb.DuckDBPyConnection) -> str:
    row = g.execute("SELECT policy FROM policies ORDER BY version DESC LIMIT 1").fetchone()
    return row[0] if row else default_policy_text()


def show_policy(ws: Workspace, user: User) -> tuple[Policy, str]:
    """The policy in force and its YAML text."""
    require(user, "proposal.read")
    with ws.governance() as g:
        return load_policy_in(g), policy_text_in(g)


def save_policy(ws: Workspace, user: User, text: str | Path) -> Policy:
    """Validate a policy YAML (text or file) and store it as the next version (admin)."""
    require(user, "policy.manage")
    if isinstance(text, Path):
        text = text.read_text(encoding="utf-8")
    Policy.from_yaml(text)
    with ws.governance() as g:
        g.begin()
        (version,) = fetch_row(g, "SELECT coalesce(max(version), 0) + 1 FROM policies")
        g.execute("INSERT INTO policies VALUES (?, ?, ?, ?)", [version, text, store.now(), user.name])
        audit.record(g, user, "policy.save", f"policy v{version}")
        g.commit()
    return Policy.from_yaml(text, version)


def data_expiry(g: duckdb.DuckDBPyConnection, dataset: str | None, source: str | None) -> datetime | None:
    """When the data behind the proposal expires: its dataset's (or else its source's newest) vault snapshot."""
    if dataset:
        row = g.execute("SELECT d.expires_at, s.expires_at FROM datasets d LEFT JOIN snapshots s "
                        "ON s.id = d.snapshot_id WHERE d.id = ?", [dataset]).fetchone()
    else:
        row = g.execute("SELECT expires_at FROM snapshots WHERE source = ? ORDER BY created_at DESC LIMIT 1",
                        [source]).fetchone()
    dates = [d for d in (row or ()) if d is not None]
    return min(dates) if dates else None


def evaluate(policy: Policy, ctx: Context, acknowledgements: dict[str, str], name: str) -> PolicyReport:
    """Run every rule of ``policy`` on one proposal."""
    flags, silent = [], []
    for rule in policy.rules:
        params_model, check = KINDS[rule.kind]
        hit = check(params_model.model_validate(rule.params), ctx)
        if hit is None:
            silent.append(rule.id)
            continue
        message, fields = hit
        flags.append(Flag(rule=rule.id, severity=rule.severity, description=rule.description, kind=rule.kind,
                          message=message,
                          fields=list(dict.fromkeys(fields)),
                          acknowledged=acknowledgements.get(rule.id) if rule.severity == "soft" else None))
    flags.sort(key=lambda f: f.severity != "hard")
    return PolicyReport(proposal=name, policy_version=policy.version, flags=flags, silent=silent)


def check_in(g: duckdb.DuckDBPyConnection, p: Proposal | ProposalDraft, now: datetime | None = None,
             policy: Policy | None = None) -> PolicyReport:
    """The verdict of ``policy`` (default: the one in force) on ``p`` inside an open governance connection."""
    catalog = latest_in(g, p.source) if p.source else None
    ctx = Context(draft=p, catalog=catalog, expires_at=data_expiry(g, p.dataset, p.source), now=now or store.now())
    acks = p.acknowledgements if isinstance(p, Proposal) else {}
    return evaluate(policy or load_policy_in(g), ctx, acks, p.id if isinstance(p, Proposal) else "(draft)")
