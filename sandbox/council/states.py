"""The proposal state machine: which action is legal in which state, and where it leads.

    draft -> submitted -> (changes_requested -> submitted)* -> approved | rejected
    approved -> rolled_out; any open state -> withdrawn; rejected -> submitted (resubmitted)
    a material edit of an approved proposal returns it to submitted (approvals cleared)
"""

from __future__ import annotations

from sandbox.council.model import State
from sandbox.errors import IllegalTransition

_OPEN: tuple[State, ...] = ("draft", "submitted", "changes_requested", "rejected", "approved")

TRANSITIONS: dict[tuple[str, str], State] = {
    ("draft", "submit"): "submitted",
    ("changes_requested", "submit"): "submitted",
    ("rejected", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("submitted", "request_changes"): "changes_requested",
    ("approved", "roll_out"): "rolled_out",
    **{(s, "withdraw"): "withdrawn" for s in _OPEN},
    **{(s, "edit"): s for s in ("draft", "submitted", "changes_requested", "rejected")},
    ("approved", "edit"): "submitted",
    **{(s, "acknowledge"): s for s in _OPEN},
}

_VERB = {"submit": "submitted", "approve": "approved", "reject": "rejected", "request_changes": "sent back for changes",
         "roll_out": "rolled out", "withdraw": "withdrawn", "edit": "edited", "acknowledge": "acknowledged",
         "vote": "voted on"}

_HINT = {
    "draft": "submit it first (`sandbox proposals submit`)",
    "submitted": "it is waiting for the council's votes",
    "changes_requested": "the proposer edits and resubmits it first",
    "rejected": "the proposer edits and resubmits it first",
    "approved": "it is approved; roll it out or withdraw it",
    "rolled_out": "it was rolled out and is final",
    "withdrawn": "it was withdrawn and is final; create a new proposal",
}


def next_state(pid: str, state: str, action: str) -> State:
    """The state after ``action``, or IllegalTransition saying why not and what to do instead."""
    if action == "vote":
        action = "approve" if state == "submitted" else action
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise IllegalTransition(
            f"proposal {pid} is {state.replace('_', ' ')} and cannot be {_VERB.get(action, action)}: {_HINT[state]}",
            code="proposal.illegal", id=pid, state=state, action=action)
    return target
