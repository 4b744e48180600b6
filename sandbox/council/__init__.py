"""The ethics council: proposals, the red-flag policy, votes and quorum, rollout packets.

The Hypothesis Lab and notebooks call ``create_draft(ws, user, ProposalDraft | dict)``; the CLI
(``sandbox proposals``, ``sandbox policy``) and the app pages call the other functions here.
"""

from sandbox.council.model import (
    Flag,
    PolicyReport,
    Proposal,
    ProposalDraft,
    Segment,
    SegmentFilter,
    ThirdParty,
    Vote,
)
from sandbox.council.override import approved_override, request_gate_override
from sandbox.council.packet import RolloutPacket, export_packet
from sandbox.council.policy import Policy, save_policy, show_policy
from sandbox.council.views import council_queue, my_proposals, proposal_view
from sandbox.council.voting import Tally, current_tally, tally, vote
from sandbox.council.workflow import (
    acknowledge,
    check,
    create_draft,
    get,
    list_proposals,
    mark_rolled_out,
    submit,
    update_draft,
    withdraw,
)

__all__ = [
    "Flag", "Policy", "PolicyReport", "Proposal", "ProposalDraft", "RolloutPacket", "Segment", "SegmentFilter",
    "Tally", "ThirdParty", "Vote",
    "acknowledge", "approved_override", "check", "council_queue", "create_draft", "current_tally", "export_packet",
    "get", "list_proposals", "mark_rolled_out", "my_proposals", "proposal_view", "request_gate_override",
    "save_policy", "show_policy", "submit", "tally", "update_draft", "vote", "withdraw",
]
