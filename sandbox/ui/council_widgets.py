"""Pieces the council pages share: flags, quorum, links, and a message that survives a rerun."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import streamlit as st
import yaml

from sandbox.council.model import Proposal
from sandbox.council.packet import export_packet
from sandbox.council.views import ProposalView
from sandbox.council.voting import Tally, vote
from sandbox.council.workflow import acknowledge, mark_rolled_out, submit, update_draft, withdraw
from sandbox.errors import InputError
from sandbox.governance.access import User
from sandbox.ui.common import shown_errors
from sandbox.ui.i18n import count_words, day, t, words
from sandbox.ui.proposal_card import blocked_because, flag_name
from sandbox.workspace import Workspace


def state_label(state: str) -> str:
    """A proposal's state in the UI language ("Changes requested")."""
    return t(f"state.{state}")


def flash(message: str | None = None) -> None:
    """Remember ``message`` for the next run, or show (and forget) the remembered one."""
    if message is not None:
        st.session_state["council_flash"] = message
        return
    if text := st.session_state.pop("council_flash", None):
        st.success(text)


def quorum(tally: Tally) -> None:
    """Where the vote stands, in the UI language: seats still needed (Babel's plurals) and approvals so far."""
    seats = ", ".join(f"{seat} ({', '.join(who)})" for seat, who in sorted(tally.approvals.items())) \
        or t("quorum.none_yet")
    if tally.reached:
        state = t("quorum.reached", seats=", ".join(sorted(tally.approvals)))
    else:
        state = count_words("quorum.needed", tally.approving_seats_needed)
        if tally.missing_seats:
            state += t("quorum.including", seats=", ".join(tally.missing_seats))
    st.write(t("quorum.line", state=state, seats=seats))


PROPOSAL_PAGE = Path(__file__).parent / "pages" / "proposal.py"


def headline(p: Proposal) -> None:
    """The proposal's id, title and state, and a button that opens it on the proposal page."""
    left, right = st.columns([6, 1])
    left.markdown(f"**{p.id}: {p.title}** — {state_label(p.state)} · v{p.version} · by {p.proposer}")
    if right.button("Open", key=f"open-{p.id}"):
        st.switch_page(PROPOSAL_PAGE, query_params={"id": p.id})


def proposer_actions(ws: Workspace, user: User, view: ProposalView) -> None:
    """Acknowledge soft flags, submit, roll out or withdraw (the proposer)."""
    p = view.proposal
    if user.name != p.proposer or p.state in ("rolled_out", "withdrawn"):
        return
    st.subheader(t("proposal.next"))
    if p.state in ("draft", "changes_requested", "rejected"):
        for f in view.report.unacknowledged:
            name = flag_name(f)
            reason = st.text_input(t("proposal.why", flag=name), key=f"ack-{p.id}-{f.rule}")
            if st.button(t("proposal.ack", flag=name), key=f"ackb-{p.id}-{f.rule}"):
                with shown_errors():
                    acknowledge(ws, user, p.id, f.rule, reason)
                flash(t("proposal.acked", flag=name))
                st.rerun()
        blocked = blocked_because(view.report)
        if st.button(t("proposal.submit"), type="primary", key=f"submit-{p.id}", disabled=blocked is not None,
                     help=blocked):
            with shown_errors():
                submit(ws, user, p.id)
            flash(t("proposal.submitted", id=p.id))
            st.rerun()
        if blocked:
            st.caption(blocked)
    if p.state == "approved" and st.button("Mark as rolled out", key=f"roll-{p.id}"):
        with shown_errors():
            mark_rolled_out(ws, user, p.id)
        flash(f"{p.id} marked as rolled out.")
        st.rerun()
    edit_form(ws, user, p)
    if st.button("Withdraw", key=f"withdraw-{p.id}"):
        with shown_errors():
            withdraw(ws, user, p.id)
        flash(f"{p.id} withdrawn.")
        st.rerun()


def vote_panel(ws: Workspace, user: User, view: ProposalView) -> None:
    """A council member's vote with its reason; once cast, its confirmation (what, when, the state now)."""
    p = view.proposal
    if not user.can("proposal.vote") or user.name == p.proposer:
        return
    mine = [v for v in view.votes if v.voter == user.name and v.round == p.round]
    if mine:  # the confirmation stays: what was voted, when, and where the proposal stands now
        v = mine[-1]
        st.success(t("proposal.your_vote", choice=t(f"vote.{v.choice}"), when=day(v.cast_at), reason=v.reason,
                     state=state_label(p.state).lower()))
    if p.state != "submitted":
        return
    with st.expander(t("vote.change")) if mine else st.container():  # the latest vote of a member counts
        if not mine:
            st.subheader(t("vote.title"))
        choices: list[Literal["approve", "request_changes", "reject"]] = ["approve", "request_changes", "reject"]
        said = words("vote.")
        choice = st.radio(t("vote.label"), choices, horizontal=True, key=f"choice-{p.id}",
                          format_func=lambda c: said(c).capitalize()) or "approve"
        reason = st.text_area(t("vote.reason"), key=f"reason-{p.id}")
        if st.button(t("vote.cast"), type="primary", key=f"vote-{p.id}"):
            with shown_errors():
                after = vote(ws, user, p.id, choice, reason)
            flash(t("vote.recorded", id=p.id, state=state_label(after.state).lower()))
            st.rerun()


def packet_panel(ws: Workspace, user: User, view: ProposalView) -> None:
    """Prepare (and log) the rollout packet, then download it."""
    p = view.proposal
    if p.state not in ("approved", "rolled_out") or not user.can("proposal.packet"):
        return
    st.subheader("Rollout packet")
    formats: list[Literal["md", "json"]] = ["md", "json"]
    fmt = st.radio("Format", formats, horizontal=True, key=f"fmt-{p.id}",
                   format_func=lambda f: {"md": "Markdown", "json": "JSON"}[f]) or "md"
    if st.button("Prepare packet", key=f"prep-{p.id}"):
        with shown_errors():
            st.session_state[f"packet-{p.id}"] = (fmt, export_packet(ws, user, p.id, fmt))
    if prepared := st.session_state.get(f"packet-{p.id}"):
        kind, text = prepared
        st.download_button("Download rollout packet", text, file_name=f"{p.id}-rollout.{kind}",
                           mime="text/markdown" if kind == "md" else "application/json", key=f"dl-{p.id}")
        st.code(text, language="markdown" if kind == "md" else "json")


def parse_proposal_yaml(text: str, hint: str = "") -> dict:
    """A proposal written as YAML in a text area, as a dict (clear errors for bad YAML or a non-mapping)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"the proposal is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"the proposal must be a mapping of fields{hint}")
    return data


def edit_form(ws: Workspace, user: User, p: Proposal) -> None:
    """Change the proposal as YAML (the evidence stays as it is)."""
    with st.expander(t("proposal.edit")):
        if p.state in ("submitted", "approved"):
            st.caption("A change to anything but the title sends it back to the council; earlier votes stop counting.")
        current = yaml.safe_dump(p.draft().model_dump(mode="json", exclude={"evidence"}), sort_keys=False,
                                 allow_unicode=True)
        text = st.text_area("Proposal (YAML)", current, height=360, key=f"edit-{p.id}-v{p.version}")
        if st.button("Save changes", key=f"save-{p.id}"):
            with shown_errors():
                after = update_draft(ws, user, p.id, parse_proposal_yaml(text))
            flash(f"{p.id} saved as version {after.version}; it is {state_label(after.state).lower()}.")
            st.rerun()
