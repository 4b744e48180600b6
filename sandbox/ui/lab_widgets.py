"""Widgets shared by the Explore and Lab pages: cached look-ups, the filter editor, and the value pickers.

Widgets only turn clicks into the Lab's query models (:mod:`sandbox.lab.query`); every number comes from
the library. Look-ups of schemas and column levels are cached for a few minutes and shared by everyone who may
read the dataset: a published dataset never changes, so the first reader's look-up (logged under their name) serves
the others, after the library has checked that each of them may query it and that it is still published (a
new user's first Explore no longer pays one DuckDB query and one audit write per column).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import streamlit as st

from sandbox.governance.access import User
from sandbox.lab.data import Breakdown, DatasetSchema, breakdown, readable, schema
from sandbox.lab.data import levels as lab_levels
from sandbox.lab.explore import distribution
from sandbox.lab.query import Filter, Measure, Op, is_numeric, is_temporal
from sandbox.ui.i18n import date_format, t, words
from sandbox.workspace import Workspace

LEVELS = 50
"""Columns with at most this many distinct values get pickers; others a text field."""
NULL_OPS: tuple[Op, ...] = ("is null", "is not null")
LIST_OPS: tuple[Op, ...] = ("in", "not in")
_MISSING = object()
_END_OF_DAY = " 23:59:59.999999"
POSITIVE = ("won", "win", "yes", "true", "1", "success", "converted", "paid", "closed won", "да")
"""Values picked by default as the success of a rate (when the gate report does not name one)."""


# ---------------------------------------------------------------- cached look-ups


@st.cache_data(ttl=600, show_spinner=False)
def _schema(home: str, dataset: str, _user_json: str) -> DatasetSchema:
    return schema(Workspace(Path(home)), User.model_validate_json(_user_json), dataset)


@st.cache_data(ttl=600, show_spinner=False)
def _levels(home: str, dataset: str, table: str, columns: tuple[str, ...],
            _user_json: str) -> dict[str, list[Any] | None]:
    found = lab_levels(Workspace(Path(home)), User.model_validate_json(_user_json), dataset, table, list(columns),
                       limit=LEVELS + 1)
    return {column: _choices(values) for column, values in found.items()}


def _choices(found: list[Any]) -> list[Any] | None:
    if len(found) > LEVELS:
        return None
    kept = [v for v in found if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sorted(kept, key=lambda v: (isinstance(v, str), v))


def dataset_schema(ws: Workspace, user: User, dataset: str) -> DatasetSchema:
    """The dataset's tables and links (cached; ``user`` must be allowed to query it)."""
    readable(ws, user, dataset)
    return _schema(str(ws.home), dataset, user.model_dump_json())


def levels(ws: Workspace, user: User, dataset: str, table: str, column: str) -> list[Any] | None:
    """The distinct values of a column, most frequent first; None when there are too many (cached; ``user`` must
    be allowed to query the dataset: ``dataset_schema`` checks it)."""
    categorical = tuple(columns_of(dataset_schema(ws, user, dataset), table, "categorical"))
    asked = categorical if column in categorical else (column,)  # a table's labels are read together, once
    return _levels(str(ws.home), dataset, table, asked, user.model_dump_json())[column]


@st.cache_data(ttl=120, show_spinner=False, max_entries=2000)
def _breakdown(home: str, user_json: str, dataset: str, table: str, group_by: str, measures: list[Measure],
               filters: list[Filter], bucket: Literal["none", "month", "year"]) -> Breakdown:
    return breakdown(Workspace(Path(home)), User.model_validate_json(user_json), dataset, table, group_by, measures,
                     filters, bucket=bucket)


@st.cache_data(ttl=600, show_spinner=False, max_entries=2000)
def _distribution(home: str, user_json: str, dataset: str, table: str, column: str) -> pd.DataFrame:
    return distribution(Workspace(Path(home)), User.model_validate_json(user_json), dataset, table, column)


def page_breakdown(ws: Workspace, user: User, dataset: str, table: str, group_by: str, measures: list[Measure],
                   filters: list[Filter], bucket: Literal["none", "month", "year"] = "none") -> Breakdown:
    """:func:`sandbox.lab.data.breakdown` for this user, asked again (and logged again) only when the question
    changes or two minutes passed: a page reruns on every click, the answer of a published dataset does not change
    (a withdrawn dataset is refused at once)."""
    readable(ws, user, dataset)
    return _breakdown(str(ws.home), user.model_dump_json(), dataset, table, group_by, measures, filters, bucket)


def page_distribution(ws: Workspace, user: User, dataset: str, table: str, column: str) -> pd.DataFrame:
    """:func:`sandbox.lab.explore.distribution` for this user, kept for ten minutes (a withdrawn dataset is refused
    at once)."""
    readable(ws, user, dataset)
    return _distribution(str(ws.home), user.model_dump_json(), dataset, table, column)


# ---------------------------------------------------------------- columns and values


def keys_of(sch: DatasetSchema, table: str) -> set[str]:
    """The key and link columns of a table (not offered for filters and splits)."""
    found = {t.parent.column for t in sch.tables if t.name == table and t.parent is not None}
    found |= {t.parent.parent_column for t in sch.tables if t.parent is not None and t.parent.parent == table}
    key = sch.table(table).key
    return found | ({key} if key else set())


def columns_of(sch: DatasetSchema, table: str, kind: str = "any") -> list[str]:
    """Non-key columns of a table; ``kind`` keeps ``numeric``, ``temporal`` or ``categorical`` ones."""
    keys = keys_of(sch, table)
    out = []
    for col, sql_type in sch.table(table).columns.items():
        if col in keys:
            continue
        if kind == "numeric" and not is_numeric(sql_type):
            continue
        if kind == "temporal" and not is_temporal(sql_type):
            continue
        if kind == "categorical" and (is_numeric(sql_type) or is_temporal(sql_type)):
            continue
        out.append(col)
    return out


def ops_for(sql_type: str) -> list[Op]:
    """Conditions that make sense for a column type."""
    if is_temporal(sql_type):
        return ["between", ">=", "<=", ">", "<", "is null", "is not null"]
    if is_numeric(sql_type):
        return ["=", "!=", "<", "<=", ">", ">=", "between", "in", "not in", "is null", "is not null"]
    return ["=", "!=", "in", "not in", "is null", "is not null"]


def _split_text(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def value_input(ws: Workspace, user: User, dataset: str, sch: DatasetSchema, table: str, column: str, op: Op,
                key: str, label: str | None = None, default: Any = None) -> Any:
    """A widget for the value(s) of one condition; returns the value, or ``_MISSING`` while incomplete."""
    if op in NULL_OPS:
        return None
    label = label or (t("filter.values") if op in LIST_OPS else t("filter.value"))
    sql_type = sch.table(table).columns[column]
    if is_temporal(sql_type):  # whole days: "to 30 September" includes the 30th
        if op == "between":
            low, high = st.columns(2)
            a = low.date_input(t("filter.low"), value=None, key=f"{key}_low", format=date_format())
            b = high.date_input(t("filter.high"), value=None, key=f"{key}_high", format=date_format())
            if isinstance(a, date) and isinstance(b, date):
                return [a.isoformat(), b.isoformat() + _END_OF_DAY]
            return _MISSING
        picked = st.date_input(label, value=None, key=key, format=date_format())
        if not isinstance(picked, date):
            return _MISSING
        return picked.isoformat() + (_END_OF_DAY if op in ("<=", ">") else "")
    options = levels(ws, user, dataset, table, column)
    if options is not None:
        if op in LIST_OPS:
            return st.multiselect(label, options, key=key, placeholder=t("common.choose_many")) or _MISSING
        if op == "between":
            low, high = st.columns(2)
            return [low.selectbox(t("filter.low"), options, key=f"{key}_low"),
                    high.selectbox(t("filter.high"), options, index=len(options) - 1, key=f"{key}_high")]
        index = options.index(default) if default in options else 0
        return st.selectbox(label, options, index=index, key=key) if options else _MISSING
    if op == "between":
        low, high = st.columns(2)
        lo_text = low.text_input(t("filter.low"), key=f"{key}_low").strip()
        hi_text = high.text_input(t("filter.high"), key=f"{key}_high").strip()
        return [lo_text, hi_text] if lo_text and hi_text else _MISSING
    text = st.text_input(label, key=key, help=t("filter.text_help") if op in LIST_OPS else None)
    if op in LIST_OPS:
        return _split_text(text) or _MISSING
    return text.strip() or _MISSING


def values_picker(ws: Workspace, user: User, dataset: str, sch: DatasetSchema, table: str, column: str,
                  label: str, key: str, default_first: bool = False) -> list[Any]:
    """Several values of one column (a multiselect, or comma-separated text for many-valued columns)."""
    options = levels(ws, user, dataset, table, column)
    if options is not None:
        default = options[:1] if default_first and key not in st.session_state else None
        return st.multiselect(label, options, default=default, key=key, placeholder=t("common.choose_many"))
    return _split_text(st.text_input(label, key=key, help=t("filter.text_help")))


def likely_positive(ws: Workspace, user: User, dataset: str, table: str, column: str) -> Any:
    """The value of a column that most likely means success ("won", "yes", "true"), if it has one."""
    known = levels(ws, user, dataset, table, column) or []
    return next((v for v in known if str(v).strip().lower() in POSITIVE), None)


def is_missing(value: Any) -> bool:
    """True while a value widget is incomplete."""
    return value is _MISSING


# ---------------------------------------------------------------- the filter editor


def filter_editor(ws: Workspace, user: User, dataset: str, sch: DatasetSchema, tables: list[str],
                  prefix: str) -> list[Filter]:
    """Rows of table / column / condition / value with add and remove buttons; complete rows become filters."""
    ids: list[int] = st.session_state.setdefault(f"{prefix}_ids", [])
    filters: list[Filter] = []
    if not ids:
        st.caption(t("filter.empty"))
    for fid in list(ids):
        cols = st.columns([2, 2, 2, 4, 1], vertical_alignment="bottom")
        table = cols[0].selectbox(t("filter.table"), tables, key=f"{prefix}_{fid}_table")
        names = columns_of(sch, table)
        if not names:
            continue
        column = cols[1].selectbox(t("filter.column"), names, key=f"{prefix}_{fid}_column")
        sql_type = sch.table(table).columns[column]
        op = cols[2].selectbox(t("filter.op"), ops_for(sql_type), format_func=words("op."),
                               key=f"{prefix}_{fid}_op")
        with cols[3]:
            value = value_input(ws, user, dataset, sch, table, column, op, key=f"{prefix}_{fid}_{table}_{column}_{op}")
        if cols[4].button("✕", key=f"{prefix}_{fid}_remove", help=t("filter.remove")):
            ids.remove(fid)
            st.rerun()
        if not is_missing(value):
            filters.append(Filter(table=table, column=column, op=op, value=value))
    if st.button(t("filter.add"), key=f"{prefix}_add"):
        ids.append(max(ids, default=-1) + 1)
        st.rerun()
    return filters
