"""The proposal as data: what a marketer wants to do with real customers, and what the council decided.

``ProposalDraft`` is everything the proposer writes (the Hypothesis Lab fills it from a result);
``Proposal`` adds what the workflow keeps: id, proposer, state, version, acknowledgements and dates.
Public functions accept a ``ProposalDraft`` or a plain dict.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

State = Literal["draft", "submitted", "changes_requested", "approved", "rejected", "rolled_out", "withdrawn"]
Kind = Literal["campaign", "gate_override"]
VoteChoice = Literal["approve", "reject", "request_changes"]
Severity = Literal["hard", "soft"]
FilterOp = Literal["=", "!=", "<", "<=", ">", ">=", "in", "not in", "between", "is null", "is not null", "like"]


class SegmentFilter(BaseModel):
    """One condition of the segment: ``table.column op value``."""

    table: str
    column: str
    op: FilterOp = "="
    value: Any = None

    @property
    def ref(self) -> str:
        return f"{self.table}.{self.column}"


class Segment(BaseModel):
    """Who the change is for (filters, all AND-ed), how they are split, and what is measured."""

    filters: list[SegmentFilter] = Field(default_factory=list)
    split: dict[str, Any] = Field(default_factory=dict, description="How group B is told from group A.")
    metric: str = Field(default="", description="TABLE.COLUMN[=VALUE] measured on both groups.")


class ThirdParty(BaseModel):
    """Someone outside the company who would receive data for this proposal."""

    name: str
    consent_recorded: bool = False
    purpose: str = Field(default="", description="The purpose the recorded consent covers.")


class ProposalDraft(BaseModel):
    """What the proposer writes. ``fields_used`` are ``table.column`` names of the synthetic dataset.
    Unknown keys are refused, so a typo (or an attempt to set ``state``) is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    hypothesis: str = Field(
        default="", description="We believe that [change] for [segment] will [outcome] because [reason].")
    kind: Kind = "campaign"
    dataset: str | None = Field(default=None, description="Synthetic dataset the hypothesis was tested on.")
    source: str | None = Field(default=None, description="Source of that dataset (filled in from the dataset).")
    segment: Segment = Field(default_factory=Segment)
    fields_used: list[str] = Field(default_factory=list)
    metric: str = ""
    guardrail_metrics: list[str] = Field(default_factory=list)
    channel: str = ""
    message: str = Field(default="", description="What the customers would see or hear (checked for triggers).")
    purpose: str = ""
    audience_size: int = Field(default=0, ge=0, description="Planned number of real customers reached.")
    audience: str = Field(default="", description="Who the audience is, in words.")
    targets_children: bool = False
    third_parties: list[ThirdParty] = Field(default_factory=list)
    evidence: dict[str, Any] | None = Field(default=None, description="The Hypothesis Lab result, if any.")
    valid_days: int | None = Field(default=None, ge=1, description="Days the approval should last (at most the "
                                   "policy's valid_days, the default); never past the data's retention limit.")

    @field_validator("fields_used")
    @classmethod
    def _fields_are_refs(cls, value: list[str]) -> list[str]:
        bad = [f for f in value if f.count(".") != 1 or not all(f.split("."))]
        if bad:
            raise ValueError(f"fields must be written table.column: {', '.join(bad)}")
        return list(dict.fromkeys(value))

    def all_fields(self) -> list[str]:
        """``fields_used`` plus every field the segment filters name (in order, without repeats)."""
        return list(dict.fromkeys([*self.fields_used, *(f.ref for f in self.segment.filters)]))


MATERIAL_EXEMPT = frozenset({"title"})
"""Draft fields whose change is not material (does not reset approvals)."""


class Proposal(ProposalDraft):
    """A stored proposal with its workflow state."""

    id: str
    proposer: str
    state: State = "draft"
    version: int = 1
    round: int = Field(default=0, description="Submission round; votes count only in the current one.")
    acknowledgements: dict[str, str] = Field(default_factory=dict, description="Soft rule id -> written reason.")
    policy_version: int | None = None
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None = None
    expires_at: datetime | None = None

    def draft(self) -> ProposalDraft:
        """The proposer-written part."""
        return ProposalDraft.model_validate(self.model_dump(include=set(ProposalDraft.model_fields)))


class Vote(BaseModel):
    """One council member's vote on one submission round."""

    proposal: str
    round: int
    version: int
    voter: str
    seat: str
    choice: VoteChoice
    reason: str
    cast_at: datetime


class Flag(BaseModel):
    """A rule that fired on a proposal, and why."""

    rule: str
    severity: Severity
    description: str
    kind: str = Field(default="", description="The rule's kind (sandbox/council/rules.py), which names it for people.")
    message: str
    fields: list[str] = Field(default_factory=list)
    acknowledged: str | None = Field(default=None, description="The proposer's written reason (soft flags).")


class PolicyReport(BaseModel):
    """Every rule's verdict on one proposal."""

    proposal: str
    policy_version: int
    flags: list[Flag]
    silent: list[str] = Field(default_factory=list, description="Rules that did not fire.")

    @property
    def hard(self) -> list[Flag]:
        return [f for f in self.flags if f.severity == "hard"]

    @property
    def soft(self) -> list[Flag]:
        return [f for f in self.flags if f.severity == "soft"]

    @property
    def unacknowledged(self) -> list[Flag]:
        return [f for f in self.soft if not f.acknowledged]


class HistoryEntry(BaseModel):
    """One step in a proposal's life."""

    seq: int
    ts: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    version: int
    reason: str = ""
