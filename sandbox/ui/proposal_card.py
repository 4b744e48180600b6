"""What the council decides on, as people read it: the red flags by name, the Lab's result card (effect with
its interval, verdict, fidelity, the rollout's sample size) and the dataset's gate, never raw floats or JSON."""

from __future__ import annotations

from typing import Any

import streamlit as st
from pydantic import ValidationError

from sandbox.council.model import Flag, PolicyReport
from sandbox.council.views import ProposalView
from sandbox.lab.hypothesis import HypothesisResult
from sandbox.release.gate_reasons import reasons_words
from sandbox.ui.i18n import UI, fidelity_words, lang, num, pct, t
from sandbox.ui.lab_view import difference_text, show_result


def flag_name(f: Flag) -> str:
    """A red flag's human name in the UI language: by its rule's kind, else its id in words."""
    key = f"flag.{f.kind}"
    try:
        return t(key)
    except KeyError:
        return f.rule.replace("_", " ").capitalize()


def flag_why(f: Flag) -> str:
    """Why a flag fired, in the UI language: the rule's own words (specific) in English; in another the kind's
    explanation (with the phrases found in the proposal's own message, as they were written)."""
    key = f"flag.why.{f.kind}"
    if lang() == "en" or key not in UI[lang()]:
        return f.message
    found = f.message.partition(": ")[2] if f.kind == "emotional_trigger" else ""
    return t(key) + (f": {found}" if found else "")


def flags(items: list[Flag]) -> None:
    """Hard flags in red, soft ones in yellow (with the proposer's reason when acknowledged)."""
    if not items:
        st.success(t("proposal.no_flags"))
    for f in items:
        fields = " " + t("proposal.fields", fields=", ".join(f"`{x}`" for x in f.fields)) if f.fields else ""
        text = f"**{flag_name(f)}** ({t('proposal.' + f.severity)}): {flag_why(f)}.{fields}"
        if f.severity == "hard":
            st.error(text)
        else:
            ack = t("proposal.acknowledged", reason=f.acknowledged) if f.acknowledged else \
                t("proposal.not_acknowledged")
            st.warning(f"{text}  \n{ack}")


def blocked_because(report: PolicyReport) -> str | None:
    """Why the proposal cannot be submitted now (hard flags first), or None."""
    if report.hard:
        return t("proposal.blocked_hard", flags="; ".join(f"“{flag_name(f)}”" for f in report.hard))
    if report.unacknowledged:
        return t("proposal.blocked_soft", flags="; ".join(f"“{flag_name(f)}”" for f in report.unacknowledged))
    return None


def lab_result(evidence: dict[str, Any]) -> HypothesisResult | None:
    """The Lab's answer a proposal was saved from, or None when its evidence came from elsewhere."""
    try:
        return HypothesisResult.model_validate(evidence)
    except ValidationError:
        return None


def _gate(d: dict[str, Any]) -> None:
    cols = st.columns(3)
    cols[0].metric(t("proposal.gate"), t(f"datasets.{d['gate']}") if d.get("gate") in ("pass", "fail") else "-")
    cols[1].metric(t("proposal.quality"), pct(d["quality"]) if d.get("quality") is not None else "-")
    cols[2].metric(t("proposal.closer"), pct(d["dcr_share"]) if d.get("dcr_share") is not None else "-")
    st.caption(fidelity_words(d.get("fidelity")))
    for reason in reasons_words(d.get("reasons"), lang()):
        st.caption(t("proposal.gate_reason", reason=reason))


def _sample_size(result: HypothesisResult) -> None:
    size = result.sample_size
    if size is None or size.total is None:
        st.caption(t("proposal.sample_none"))
        return
    share = result.spec.metric.kind in ("rate", "churn")
    effect = difference_text(result, size.effect) if share or result.spec.metric.kind != "category" \
        else num(size.effect, 3)
    words = t("proposal.sample_help", a=num(size.n_a), b=num(size.n_b), effect=effect, power=pct(size.power, 0),
              alpha=pct(size.alpha, 0))
    st.metric(t("proposal.sample"), num(size.total), help=words)
    st.caption(words)


def evidence(view: ProposalView) -> None:
    """The Lab's result card and the dataset's release-gate verdicts."""
    d, ev = view.dataset, view.proposal.evidence or {}
    result = lab_result(ev) if ev else None
    if result is not None:
        show_result(result)
        if not d:
            st.caption(fidelity_words(result.fidelity))
        _sample_size(result)
    elif ev:  # written by hand (YAML, API): its scalar entries in words, never a raw JSON tree; a gate override's
        # verdict and reasons (the product's own entries) are said with the dataset's gate below
        st.markdown("  \n".join(f"{k.replace('_', ' ')}: **{_scalar(v)}**" for k, v in ev.items()
                                if isinstance(v, (str, int, float)) and not (d and k == "gate")))
    if d:
        st.markdown(f"**{t('proposal.gate')}**")
        _gate(d)
    if not d and not ev:
        st.caption(t("proposal.no_evidence"))


def _scalar(v: str | int | float) -> str:
    if isinstance(v, (bool, str)):
        return str(v)
    return num(v, 0 if isinstance(v, int) else 3)
