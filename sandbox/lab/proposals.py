"""Turn a Lab result into a draft proposal for the ethics council.

The proposer writes the hypothesis in four parts, the channel, the planned real audience and any third
party; the segment, the metric and the fields used come from the result itself, never typed by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from sandbox.governance.access import User, require
from sandbox.lab import i18n
from sandbox.lab.hypothesis import HypothesisResult, SampleSize
from sandbox.workspace import Workspace

if TYPE_CHECKING:
    from sandbox.council import Proposal, ProposalDraft

__all__ = ["ProposalForm", "draft_from_result", "hypothesis_text", "save_proposal"]


class ProposalForm(BaseModel):
    """What the marketer writes when saving a result as a proposal."""

    title: str = Field(min_length=1)
    change: str = Field(min_length=1, description="What we would do: 'a 10% discount'.")
    segment: str = Field(min_length=1, description="For whom: 'silver-tier customers'.")
    outcome: str = Field(min_length=1, description="What will happen: 'conversion rises by 5 points'.")
    reason: str = Field(min_length=1, description="Why we believe it: 'the synthetic data show ...'.")
    guardrail_metrics: list[str] = Field(default_factory=list)
    channel: str = Field(min_length=1)
    audience_size: int = Field(ge=1, description="Planned number of real customers reached.")
    third_parties: list[str] = Field(default_factory=list, description="Names of outside parties involved.")
    message: str = Field(default="", description="What the customers would see or hear.")
    lang: i18n.Lang = "en"


def hypothesis_text(form: ProposalForm) -> str:
    """'We believe that [change] for [segment] will [outcome] because [reason].' in the form's language."""
    return i18n.tr(form.lang, "hypothesis", change=form.change.strip(), segment=form.segment.strip(),
                   outcome=form.outcome.strip(), reason=form.reason.strip().rstrip("."))


def draft_from_result(result: HypothesisResult, form: ProposalForm) -> ProposalDraft:
    """The council's draft: the form's words plus segment, metric, fields and evidence from the result."""
    from sandbox.council import ProposalDraft, Segment, SegmentFilter, ThirdParty

    spec = result.spec
    split = {"unit": spec.population.unit, **spec.split.model_dump(mode="json", exclude_none=True)}
    segment = Segment(filters=[SegmentFilter(**f.model_dump(mode="json")) for f in spec.population.filters],
                      split=split, metric=spec.metric.ref())
    evidence = result.model_dump(mode="json")
    return ProposalDraft(
        title=form.title.strip(), hypothesis=hypothesis_text(form), dataset=spec.dataset, source=result.source,
        segment=segment, fields_used=result.fields_used(), metric=spec.metric.ref(),
        guardrail_metrics=[g.strip() for g in form.guardrail_metrics if g.strip()], channel=form.channel.strip(),
        message=form.message, purpose=form.outcome.strip(), audience_size=form.audience_size,
        audience=spec.segment_text(form.lang), third_parties=[ThirdParty(name=n.strip())
                                                              for n in form.third_parties if n.strip()],
        evidence=evidence)


def save_proposal(ws: Workspace, user: User, result: HypothesisResult, form: ProposalForm,
                  sample: SampleSize | None = None) -> Proposal:
    """Store the result as a draft proposal in the council's workflow and return it.

    ``sample`` is the rollout size the proposer settled on (from the smallest effect worth detecting); the
    council sees it with the evidence. Saving the same proposal again (a double click, the same result saved
    twice) is refused, naming the open proposal it repeats.
    """
    from sandbox.council import create_draft

    require(user, "proposal.create")
    if sample is not None:
        result = result.model_copy(update={"sample_size": sample})
    return create_draft(ws, user, draft_from_result(result, form))
