"""Pieces the council pages share: flags, quorum, links, and a message that survives a rerun."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
import streamlit as st
import yaml

from sandbox.council.model import Proposal, ThirdParty
from sandbox.council.packet import export_packet
from sandbox.council.views import ProposalView
from sandbox.council.voting import Tally, vote
from sandbox.council.workflow import acknowledge, mark_rolled_out, submit, update_draft, withdraw
from sandbox.governance.access import User
from sandbox.ui.common import shown_errors
from sandbox.ui.i18n import UI, count_words, day, lang, localize, t, words
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
    seats = ", ".join(f"{seat_name(seat)} ({', '.join(who)})" for seat, who in sorted(tally.approvals.items())) \
        or t("quorum.none_yet")
    if tally.reached:
        state = t("quorum.reached", seats=", ".join(seat_name(s) for s in sorted(tally.approvals)))
    else:
        state = count_words("quorum.needed", tally.approving_seats_needed)
        if tally.missing_seats:
            state += t("quorum.including", seats=", ".join(seat_name(s) for s in tally.missing_seats))
    st.write(t("quorum.line", state=state, seats=seats))


def seat_name(seat: str) -> str:
    """A council seat in the UI language (a company's own seat keeps its name)."""
    return UI[lang()].get(f"seat.{seat}", seat)


def table_words(frame: pd.DataFrame, values: dict[str, str] | None = None) -> pd.DataFrame:
    """A table for display: its columns named in the UI language (``col.<name>``) and the columns named in
    ``values`` (column -> text prefix) written in words; dates and numbers in the language's format."""
    words_ = UI[lang()]
    out = frame.copy()
    for column, prefix in (values or {}).items():
        if column in out:
            out[column] = [words_.get(f"{prefix}{v}", v) if isinstance(v, str) else v for v in out[column]]
    return localize(out).rename(columns=lambda c: words_.get(f"col.{c}", c))


PROPOSAL_PAGE = Path(__file__).parent / "pages" / "proposal.py"


def title_of(p: Proposal) -> str:
    """A proposal's title; a gate override's (written by the product, not by a person) in the UI language."""
    return t("proposal.override_title", dataset=p.dataset) if p.kind == "gate_override" and p.dataset else p.title


def purpose_of(p: Proposal) -> str:
    """A proposal's purpose; a gate override's in the UI language."""
    return t("proposal.override_purpose") if p.kind == "gate_override" else p.purpose or "-"


def headline(p: Proposal) -> None:
    """The proposal's id, title and state, and a button that opens it on the proposal page."""
    left, right = st.columns([6, 1])
    left.markdown(t("headline", id=p.id, title=title_of(p), state=state_label(p.state), version=p.version,
                    who=p.proposer))
    if right.button(t("open"), key=f"open-{p.id}"):
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
    if p.state == "approved" and st.button(t("rollout"), key=f"roll-{p.id}"):
        with shown_errors():
            mark_rolled_out(ws, user, p.id)
        flash(t("rolled_out", id=p.id))
        st.rerun()
    edit_form(ws, user, p)
    if st.button(t("withdraw"), key=f"withdraw-{p.id}"):
        with shown_errors():
            withdraw(ws, user, p.id)
        flash(t("withdrawn", id=p.id))
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
    st.subheader(t("packet.title"))
    formats: list[Literal["md", "json"]] = ["md", "json"]
    fmt = st.radio(t("packet.format"), formats, horizontal=True, key=f"fmt-{p.id}",
                   format_func=lambda f: {"md": "Markdown", "json": "JSON"}[f]) or "md"
    if st.button(t("packet.prepare"), key=f"prep-{p.id}"):
        with shown_errors():
            st.session_state[f"packet-{p.id}"] = (fmt, export_packet(ws, user, p.id, fmt))
    if prepared := st.session_state.get(f"packet-{p.id}"):
        kind, text = prepared
        st.download_button(t("packet.download"), text, file_name=f"{p.id}-rollout.{kind}",
                           mime="text/markdown" if kind == "md" else "application/json", key=f"dl-{p.id}")
        st.code(text, language="markdown" if kind == "md" else "json")


def edit_form(ws: Workspace, user: User, p: Proposal) -> None:
    """Change what the proposer wrote in a form (segment, metric, fields and evidence stay those of the test)."""
    with st.expander(t("proposal.edit")), st.form(f"edit-{p.id}-v{p.version}"):
        if p.state in ("submitted", "approved"):
            st.caption(t("edit.material"))
        changes = edit_fields(p)
        saved = st.form_submit_button(t("edit.save"))
    if saved:
        changed = {k: v for k, v in changes.items() if v != getattr(p, k)}
        if not changed:
            st.info(t("edit.unchanged"))
            return
        with shown_errors():
            after = update_draft(ws, user, p.id, changed)
        flash(t("edit.saved", id=p.id, version=after.version, state=state_label(after.state).lower()))
        st.rerun()


def edit_fields(p: Proposal) -> dict[str, Any]:
    """The form's widgets, filled with the proposal's current words; returns the fields as the draft has them."""
    from sandbox.ui.lab_view import CHANNELS

    key = f"edit-{p.id}-v{p.version}"
    channels: list[str] = list(dict.fromkeys([*CHANNELS, p.channel] if p.channel else CHANNELS))
    said = UI[lang()]
    named = {tp.name: tp for tp in p.third_parties}
    title = st.text_input(t("edit.title"), p.title, key=f"{key}-title")
    hypothesis = st.text_area(t("edit.hypothesis"), p.hypothesis, key=f"{key}-hypothesis")
    left, right = st.columns(2)
    channel = left.selectbox(t("edit.channel"), channels, index=channels.index(p.channel) if p.channel else 0,
                             format_func=lambda c: said.get(f"channel.{c}", c), key=f"{key}-channel")
    audience_size = right.number_input(t("edit.audience_size"), min_value=0, value=p.audience_size, step=100,
                                       key=f"{key}-size")
    audience = left.text_input(t("edit.audience"), p.audience, key=f"{key}-audience")
    purpose = right.text_input(t("edit.purpose"), p.purpose, key=f"{key}-purpose")
    message = st.text_area(t("edit.message"), p.message, key=f"{key}-message")
    guards = st.text_area(t("edit.guardrails"), "\n".join(p.guardrail_metrics), key=f"{key}-guards")
    third = st.text_area(t("edit.third_parties"), "\n".join(named), key=f"{key}-third")
    names = [n.strip() for n in third.splitlines() if n.strip()]
    return {"title": title.strip(), "hypothesis": hypothesis.strip(), "channel": channel,
            "audience_size": int(audience_size), "audience": audience.strip(), "purpose": purpose.strip(),
            "message": message, "guardrail_metrics": [g.strip() for g in guards.splitlines() if g.strip()],
            "third_parties": [named.get(n) or ThirdParty(name=n) for n in names]}


def yaml_view(user: User, p: Proposal) -> None:
    """The proposal as YAML, read-only, with a download: for data scientists, who script proposals."""
    if user.role != "data_scientist":
        return
    text = yaml.safe_dump(p.draft().model_dump(mode="json", exclude={"evidence"}), sort_keys=False,
                          allow_unicode=True)
    with st.expander(t("yaml.title")):
        st.code(text, language="yaml")
        st.download_button(t("yaml.download"), text, file_name=f"{p.id}.yaml", mime="application/yaml",
                           key=f"yaml-{p.id}")
