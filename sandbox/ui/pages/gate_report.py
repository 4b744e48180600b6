"""Gate report page: the verdict first, then quality, privacy, fidelity, distributions and correlations.

What a user sees is decided by ``sandbox.release.report.gate_report_view`` (stewards and council members get the
whole report, everyone else the verdict, overall quality and fidelity); this page only draws it.
"""

import streamlit as st

from sandbox.release import report_charts as charts
from sandbox.release.datasets import list_datasets
from sandbox.release.gate_reasons import reasons_words
from sandbox.release.report import (
    fidelity_words,
    gate_report_view,
    privacy_words,
    quality_words,
    relationship_words,
    render_html,
    report_words,
)
from sandbox.release.report_rules import dcr_rule
from sandbox.settings import GateThresholds
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.i18n import code_words, lang, language_switch, num, pct, t
from sandbox.ui.session import workspace


def _plot(fig) -> None:
    if fig is not None:
        st.plotly_chart(fig, width="stretch")


def _bullets(lines: list[str]) -> None:
    st.markdown("\n".join(f"- {line}" for line in lines))


language_switch()
st.title(t("gate.title"))
ws, user = workspace(), current_user()
with shown_errors():
    found = list_datasets(ws, user, include_unpublished=user.can("synthesize"))
if not found:
    st.info(t("gate.none"))
    st.stop()
named = code_words()
labels = {d.id: t("gate.label", id=d.id, status=named(d.status), gate=t(f"datasets.{d.gate}").lower() if d.gate else
              t("gate.not_evaluated")) for d in found}
ids: list[str] = list(labels)
dataset = st.selectbox(t("gate.dataset"), ids, format_func=lambda i: labels[i], key="gate_dataset") or ids[0]
with shown_errors():
    view = gate_report_view(ws, user, dataset)
words = report_words(view)  # the measures below are said again in the user's language
limits = GateThresholds.model_validate(view.get("thresholds") or {})
words |= {"quality": quality_words(view, lang()), "fidelity": fidelity_words(view.get("fidelity"), limits, lang())}
if view.get("privacy"):
    words["privacy"] = privacy_words(view["privacy"], limits, lang())
if view.get("relationships"):
    words["relationships"] = relationship_words(view, lang())
full = view["view"] == "full"

st.header(t("gate.verdict"))
passed = view["gate"] == "pass"
verdict = t("gate.passed") if passed else t("gate.failed", n=num(len(view["reasons"])))
(st.success if passed else st.error)(f"**{t('datasets.' + view['gate'])}**: {verdict}")
if view["reasons"]:
    _bullets(reasons_words(view["reasons"], lang()))
fidelity = view.get("fidelity") or {}
metrics = st.columns(4)
quality_overall = view["quality"].get("overall")
metrics[0].metric(t("gate.quality"), pct(quality_overall, 0) if quality_overall is not None else "-")
agreement = fidelity.get("sign_agreement")
metrics[1].metric(t("gate.matched"), pct(agreement, 0) if agreement is not None else "-")
if full:
    rule = dcr_rule(view["privacy"], limits, lang())  # the limit shown with the rule that decided, never alone
    metrics[2].metric(t("gate.closer"), pct(view["privacy"]["dcr_share"]), help=rule)
    metrics[3].metric(t("gate.leaked"), num(view["privacy"]["leaked_values"]))
    st.caption(rule)
st.download_button(t("gate.download"), data=lambda: render_html(view),
                   file_name=f"gate-report-{dataset}.html", mime="text/html", on_click="ignore")

if full:
    st.header(t("gate.quality_section"))
    _bullets(words["quality"])
    _plot(charts.quality_tables_figure(view["quality"], lang()))
    _plot(charts.quality_columns_figure(view["quality"], lang()))
    if words.get("relationships"):
        st.subheader(t("gate.links"))
        _bullets(words["relationships"])

    st.header(t("gate.privacy"))
    privacy = view["privacy"]
    _bullets(words["privacy"])
    cols = st.columns(3)
    cols[0].metric(t("gate.identical_train"), pct(privacy["identical_match_share_train"], 2))
    cols[1].metric(t("gate.identical_holdout"), pct(privacy["identical_match_share_holdout"], 2))
    cols[2].metric(t("gate.leaked"), num(privacy["leaked_values"]))
    for table, histogram in ((view.get("charts") or {}).get("dcr") or {}).items():
        _plot(charts.dcr_figure(histogram, table, lang()))

st.header(t("gate.fidelity"))
_bullets(words["fidelity"])
points = (view.get("charts") or {}).get("fidelity") or {}
_plot(charts.fidelity_figure(points, fidelity.get("measure", "rate"), lang()))
if points.get("suppressed"):
    st.caption(t("gate.suppressed", n=num(points["suppressed"]), k=num(points["min_rows"])))

if not full:
    st.caption(t("gate.more"))
    st.stop()

chart_data = view.get("charts") or {}
distributions = chart_data.get("distributions") or {}
if distributions:
    st.header(t("gate.distributions"))
    table = st.selectbox(t("gate.table"), list(distributions), key="distribution_table")
    st.caption(t("gate.marked", k=chart_data.get("k_min")))
    grid = st.columns(2)
    for i, histogram in enumerate(distributions[table]):
        with grid[i % 2]:
            _plot(charts.distribution_figure(histogram, table, lang()))
correlations = chart_data.get("correlations") or {}
if correlations:
    st.header(t("gate.correlations"))
    st.caption(t("gate.correlations_note"))
    for table, matrix in correlations.items():
        _plot(charts.correlation_figure(matrix, table, lang()))
