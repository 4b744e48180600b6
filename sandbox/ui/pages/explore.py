"""Explore page: filter a synthetic table with widgets, page through its rows, break it down by a column in
DuckDB, and chart column distributions."""

from collections.abc import Callable
from typing import Literal

import plotly.express as px
import streamlit as st

from sandbox.lab.data import rows
from sandbox.lab.explore import bands
from sandbox.lab.query import Measure, is_temporal
from sandbox.release.datasets import list_datasets
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.i18n import language_switch, localize, num, or_none, pct, plot_separators, t, words
from sandbox.ui.lab_widgets import (
    columns_of,
    dataset_schema,
    filter_editor,
    is_missing,
    levels,
    likely_positive,
    page_breakdown,
    page_distribution,
    value_input,
)
from sandbox.ui.session import workspace

PAGE_SIZE = 50


def named() -> Callable[[str], str]:
    """A ``format_func`` saying what a column holds when its values are bands ("birth_date: bands of 10,
    20-29 … 80-89"), never a date's name alone over age bands; other columns by their name."""
    categorical = set(columns_of(sch, table, "categorical"))
    said = {c: b for c in categorical if (b := bands(levels(ws, user, dataset, table, c) or [])) is not None}
    words_ = {c: t("explore.bands", column=c, width=num(b.width), first=b.first, last=b.last) for c, b in said.items()}
    return lambda c: words_.get(c, c) if c else t("common.none")


def chart_follows(keys: list[str]) -> None:
    """The chart shows the measure just chosen (a share or a number picked now), else the one shown before."""
    before = st.session_state.get("explore_measures", [])
    new = [k for k in keys if k not in before]
    st.session_state["explore_measures"] = keys
    if before and new:
        st.session_state["explore_chart_of"] = new[0]
    elif st.session_state.get("explore_chart_of") not in keys:
        st.session_state["explore_chart_of"] = keys[-1]

language_switch()
st.title(t("explore.title"))
ws, user = workspace(), current_user()
with shown_errors():
    found = list_datasets(ws, user)
if not found:
    st.info(t("explore.none"))
    st.stop()
dataset = st.selectbox(t("explore.dataset"), [d.id for d in found], key="explore_dataset")
with shown_errors():
    sch = dataset_schema(ws, user, dataset)
names = [tb.name for tb in sch.tables]
table = st.selectbox(t("explore.table"), names, key="explore_table")
info = sch.table(table)
name_of = named()
st.caption(t("explore.size", rows=num(info.rows), columns=num(len(info.columns))))
with st.expander(t("explore.filters"), expanded=True):
    filters = filter_editor(ws, user, dataset, sch, names, prefix=f"explore_{table}")
tab_breakdown, tab_rows, tab_distribution = st.tabs(
    [t("explore.tab_breakdown"), t("explore.tab_rows"), t("explore.tab_distribution")])

with tab_breakdown:
    choices = columns_of(sch, table, "categorical") + columns_of(sch, table, "numeric") + \
        columns_of(sch, table, "temporal")
    group_by = st.selectbox(t("explore.group_by"), choices, key=f"explore_group_by_{table}", format_func=name_of)
    bucket: Literal["none", "month", "year"] = "none"
    if group_by and is_temporal(info.columns[group_by]):
        buckets: list[Literal["none", "month", "year"]] = ["month", "year", "none"]
        bucket = st.radio(t("explore.bucket"), buckets, horizontal=True, key="explore_bucket",
                          format_func=words("explore.bucket.")) or "none"
    measures = [Measure(kind="count")]
    left, middle, right = st.columns(3)
    share_of = left.selectbox(t("explore.rate_column"), ["", *columns_of(sch, table, "categorical")],
                              format_func=name_of, key=f"explore_rate_{table}")
    if share_of:
        positive = likely_positive(ws, user, dataset, table, share_of)
        with middle:
            value = value_input(ws, user, dataset, sch, table, share_of, "=", key=f"explore_rate_{table}_{share_of}",
                                label=t("explore.rate_value"), default=positive)
        if not is_missing(value):
            measures.append(Measure(kind="rate", column=share_of, value=value))
    numbers = columns_of(sch, table, "numeric")
    number = right.selectbox(t("explore.number_column"), ["", *numbers], format_func=or_none(),
                             key=f"explore_number_{table}")
    if number:
        measures += [Measure(kind="mean", column=number), Measure(kind="median", column=number)]
    labels = {"rows": t("explore.measure.count")}
    for m in measures[1:]:
        labels[m.key] = t(f"explore.measure.{m.kind}", what=m.key.split("(", 1)[1].rstrip(")"))
    if group_by:
        with shown_errors():
            result = page_breakdown(ws, user, dataset, table, group_by, measures, filters, bucket=bucket)
        frame = result.frame
        shares = [m.key for m in measures if m.kind == "rate"]
        chart_follows(list(labels))
        shown = st.radio(t("explore.chart_of"), list(labels), format_func=labels.get, horizontal=True,
                         key="explore_chart_of") if len(labels) > 1 else "rows"
        shown = shown if shown in frame.columns else "rows"
        group_name = name_of(group_by)
        fig = px.bar(frame.assign(group=frame["group"].astype(str)), x="group", y=shown,
                     color=frame["too_small"].map({True: t("explore.too_small"), False: ""}),
                     labels={"group": group_name, shown: labels[shown], "color": ""},
                     color_discrete_map={t("explore.too_small"): "#b8bec6", "": "#2f6fde"})
        fig.update_layout(separators=plot_separators(), showlegend=bool(frame["too_small"].any()))
        if shown in shares:
            fig.update_yaxes(tickformat=".0%")
            fig.update_traces(hovertemplate="%{x}: %{y:.1%}<extra></extra>")
        st.plotly_chart(fig, width="stretch", key="explore_breakdown_chart")
        table_view = frame.drop(columns="too_small").assign(**{k: frame[k].map(pct) for k in shares})
        if frame["too_small"].any():  # a note where a group is too small, not a column of true/false
            table_view[t("explore.note")] = frame["too_small"].map({True: t("explore.too_small"), False: ""})
        st.table(localize(table_view.rename(columns={"group": group_name, **labels})))
        st.caption(t("explore.took", groups=num(len(frame)), rows=num(result.rows_in_population),
                     seconds=num(result.seconds, 2)))
        if frame["too_small"].any():
            st.caption(t("explore.small_groups", n=num(result.min_group_size)))

with tab_rows:
    wanted = int(st.session_state.get("explore_page", 1))
    with shown_errors():
        frame, total = rows(ws, user, dataset, table, filters, offset=(wanted - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if wanted > pages:  # the filters shrank the table below the page shown before
        st.session_state["explore_page"] = wanted = pages
        with shown_errors():
            frame, total = rows(ws, user, dataset, table, filters, offset=(pages - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    if filters:
        st.caption(t("explore.filtered", rows=num(total), total=num(info.rows)))
    left, right = st.columns([1, 5], vertical_alignment="bottom")
    left.number_input(t("explore.page"), min_value=1, max_value=pages, step=1, key="explore_page")
    right.caption(t("explore.pages", pages=num(pages)))
    st.dataframe(localize(frame), hide_index=True)

with tab_distribution:
    st.caption(t("explore.whole_table"))
    column = st.selectbox(t("explore.column"), list(info.columns), key=f"explore_column_{table}",
                          format_func=name_of)
    with shown_errors():
        dist = page_distribution(ws, user, dataset, table, column)
    fig = px.bar(dist, x="value", y="count", title=f"{table}.{name_of(column)}",
                 labels={"value": name_of(column), "count": t("explore.measure.count")})
    fig.update_layout(separators=plot_separators())
    st.plotly_chart(fig, width="stretch", key="explore_distribution_chart")
