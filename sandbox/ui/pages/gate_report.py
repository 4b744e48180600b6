"""Gate report page: the verdict first, then quality, privacy, fidelity, distributions and correlations.

What a user sees is decided by ``sandbox.report.gate_report_view`` (stewards and council members get the
whole report, everyone else the verdict, overall quality and fidelity); this page only draws it.
"""

import streamlit as st

from sandbox import report_charts as charts
from sandbox.datasets import list_datasets
from sandbox.report import gate_report_view, render_html, report_words
from sandbox.ui.common import current_user, shown_errors, workspace


def _plot(fig) -> None:
    if fig is not None:
        st.plotly_chart(fig, width="stretch")


def _bullets(lines: list[str]) -> None:
    st.markdown("\n".join(f"- {line}" for line in lines))


st.title("Release gate report")
ws, user = workspace(), current_user()
with shown_errors():
    found = list_datasets(ws, user, include_unpublished=user.can("synthesize"))
if not found:
    st.info("No dataset to report on yet. A steward runs `sandbox synthesize`, `sandbox evaluate` and "
            "`sandbox publish`.")
    st.stop()
labels = {d.id: f"{d.id} ({d.status}, gate {d.gate or 'not evaluated'})" for d in found}
dataset = st.selectbox("Dataset", list(labels), format_func=labels.get)
with shown_errors():
    view = gate_report_view(ws, user, dataset)
words = report_words(view)
full = view["view"] == "full"

st.header("Verdict")
(st.success if view["gate"] == "pass" else st.error)(f"**{view['gate'].upper()}**: {words['verdict'][0]}")
if view["reasons"]:
    _bullets(view["reasons"])
fidelity = view.get("fidelity") or {}
metrics = st.columns(4)
quality_overall = view["quality"].get("overall")
metrics[0].metric("Quality", f"{quality_overall:.0%}" if quality_overall is not None else "-")
agreement = fidelity.get("sign_agreement")
metrics[1].metric("Conclusions matched", f"{agreement:.0%}" if agreement is not None else "-")
if full:
    metrics[2].metric("Closer to training rows", f"{view['privacy']['dcr_share']:.1%}")
    metrics[3].metric("Leaked identifier values", view["privacy"]["leaked_values"])
st.download_button("Download the report (HTML)", data=lambda: render_html(view),
                   file_name=f"gate-report-{dataset}.html", mime="text/html", on_click="ignore")

if full:
    st.header("Quality")
    _bullets(words["quality"])
    _plot(charts.quality_tables_figure(view["quality"]))
    _plot(charts.quality_columns_figure(view["quality"]))
    if words.get("relationships"):
        st.subheader("Links between tables")
        _bullets(words["relationships"])

    st.header("Privacy")
    _bullets(words["privacy"])
    privacy = view["privacy"]
    cols = st.columns(4)
    cols[0].metric("DCR share", f"{privacy['dcr_share']:.3f}")
    cols[1].metric("Identical to training rows", f"{privacy['identical_match_share_train']:.2%}")
    cols[2].metric("Identical to unseen rows", f"{privacy['identical_match_share_holdout']:.2%}")
    cols[3].metric("Leaked values", privacy["leaked_values"])
    for table, histogram in ((view.get("charts") or {}).get("dcr") or {}).items():
        _plot(charts.dcr_figure(histogram, table))

st.header("Hypothesis fidelity")
_bullets(words["fidelity"])
points = (view.get("charts") or {}).get("fidelity") or {}
_plot(charts.fidelity_figure(points, fidelity.get("measure", "rate")))
if points.get("suppressed"):
    st.caption(f"{points['suppressed']} segments with fewer than {points['min_rows']} real rows are not drawn.")

if not full:
    st.caption("Stewards and council members also see quality per column, privacy, distributions and correlations.")
    st.stop()

chart_data = view.get("charts") or {}
distributions = chart_data.get("distributions") or {}
if distributions:
    st.header("Distributions: real vs synthetic")
    table = st.selectbox("Table", list(distributions), key="distribution_table")
    st.caption(f"A bar marked * holds fewer than {chart_data.get('k_min')} real rows, so its real share is not shown.")
    grid = st.columns(2)
    for i, histogram in enumerate(distributions[table]):
        with grid[i % 2]:
            _plot(charts.distribution_figure(histogram, table))
correlations = chart_data.get("correlations") or {}
if correlations:
    st.header("Correlation differences")
    st.caption("Synthetic minus real correlation of each pair of columns (categories label-encoded); "
               "0 means the same as real data.")
    for table, matrix in correlations.items():
        _plot(charts.correlation_figure(matrix, table))
