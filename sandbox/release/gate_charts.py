"""Chart data of a gate report, computed at evaluate time from real holdout and synthetic rows.

Everything here is an aggregate that cannot single out a real person. A distribution bar shows its real
count only when at least ``k_min`` real rows *of at least ``k_min`` different people* fall in it: a child
table's rows are counted by the root entity (customer) they belong to, because five notes of one customer
are still one person. A category level of fewer people is merged into one "other" bar, so its label (which
may be free text) is never shown. Segment points of the fidelity scatter are shown only for segments of at
least ``k_min`` real rows, and correlations are over whole tables. Pure functions on DataFrames and report
parts: no workspace, no user.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from generators.schema import Schema
from sandbox.release.evaluation.histograms import column_histograms
from sandbox.release.evaluation.privacy import column_kind
from sandbox.release.evaluation.quality import correlation_difference

__all__ = ["HISTOGRAM_BINS", "MAX_CORRELATION_COLUMNS", "chart_data", "correlations", "distributions",
           "fidelity_points", "root_entities"]

HISTOGRAM_BINS = 20
MAX_CORRELATION_COLUMNS = 25
MAX_ENCODED_LEVELS = 50  # categorical columns with more levels stay out of the correlation matrix


def root_entities(frames: Mapping[str, pd.DataFrame], schema: Schema) -> dict[str, pd.Series]:
    """For every row of every table, the root row (e.g. the customer) it belongs to, following first foreign keys.

    Frames must hold their key columns, and every child's parent rows (as the gate's subsets do).
    """
    roots: dict[str, pd.Series] = {}
    for table in schema.order():
        frame, fk = frames[table], schema.parent_of(table)
        if fk is None:
            roots[table] = pd.Series(np.arange(len(frame)), index=frame.index)
        else:
            parent = frames[fk.parent]
            by_key = pd.Series(roots[fk.parent].to_numpy(), index=parent[fk.parent_column].to_numpy())
            roots[table] = frame[fk.column].map(by_key[~by_key.index.duplicated()])
    return roots


def _other_label(levels: int, k_min: int) -> str:
    return f"other ({levels} levels of fewer than {k_min} people)"


def _people_levels(real: pd.Series, synthetic: pd.Series, people: pd.Series,
                   k_min: int) -> tuple[pd.Series, pd.Series, int]:
    """Category levels held by fewer than ``k_min`` people become one 'other' level, in both frames."""
    text = real.astype(object).where(real.notna(), None).map(lambda v: None if v is None else str(v))
    counts = pd.DataFrame({"level": text, "who": people}).dropna(subset=["level"]).groupby("level")["who"].nunique()
    kept = set(counts.index[counts >= k_min])
    other = _other_label(len(counts) - len(kept), k_min)

    def merged(series: pd.Series) -> pd.Series:
        as_text = series.astype(object).where(series.notna(), None).map(lambda v: None if v is None else str(v))
        return as_text.where(as_text.isna() | as_text.isin(kept), other)

    return merged(real), merged(synthetic), len(counts) - len(kept)


def _comparable(values: pd.Series, kind: str) -> pd.Series:
    """Real values in the form bar edges compare with: text for categories, timestamps, or numbers."""
    if kind == "categorical":
        return values.astype(object)
    if kind == "datetime":
        return pd.to_datetime(values, errors="coerce", utc=True).dt.tz_localize(None)
    return pd.to_numeric(values, errors="coerce")


def _in_bar(values: pd.Series, bar: dict[str, Any], kind: str) -> pd.Series:
    """Which real values fall in one bar (categories by label; intervals as (left, right])."""
    if bar["label"] == "<missing>":
        return values.isna()
    if kind == "categorical":
        return (values == bar["label"]).fillna(False).astype(bool)
    left, right = bar["left"], bar["right"]
    if kind == "datetime":
        left, right = (None if e is None else pd.Timestamp(e) for e in (left, right))
    inside = values.notna()
    if left is not None:
        inside &= values > left
    if right is not None:
        inside &= values <= right
    return inside


def _suppress_few_people(histogram: dict[str, Any], real: pd.Series, people: pd.Series, k_min: int) -> None:
    """Hide the real count of every bar whose real rows belong to fewer than ``k_min`` people."""
    values = _comparable(real, histogram["kind"])
    for bar in histogram["bins"]:
        if bar["real_count"] is not None and people[_in_bar(values, bar, histogram["kind"])].nunique() < k_min:
            bar["real_count"] = bar["real_share"] = None


def distributions(real: pd.DataFrame, synthetic: pd.DataFrame, columns: Sequence[str], k_min: int,
                  people: pd.Series | None = None) -> list[dict[str, Any]]:
    """Real-vs-synthetic bars of every column, none revealing fewer than ``k_min`` real rows or people.

    ``people`` names the person (root entity) of every real row; without it every row is its own person.
    """
    people = pd.Series(np.arange(len(real)), index=real.index) if people is None else people
    out = []
    for column in columns:
        if column not in real.columns or column not in synthetic.columns:
            continue
        r, s, merged = real[column], synthetic[column], 0
        if column_kind(r) == "categorical":
            r, s, merged = _people_levels(r, s, people, k_min)
        histogram = column_histograms(pd.DataFrame({column: r}), pd.DataFrame({column: s}), column,
                                      bins=HISTOGRAM_BINS, min_count=k_min).model_dump(mode="json")
        histogram["merged_levels"] = max(histogram["merged_levels"], merged)
        _suppress_few_people(histogram, r, people, k_min)
        out.append(histogram)
    return out


def _as_float(series: pd.Series) -> pd.Series:
    """Booleans (possibly with missing values) as 1.0 / 0.0 / NaN."""
    return series.map(lambda v: np.nan if v is None or v != v else float(bool(v))).astype("float64")


def _encoded(real: pd.Series, synthetic: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """Numeric forms of a column for correlations: categories as codes ordered by real frequency."""
    if pd.api.types.is_bool_dtype(real):
        return _as_float(real), _as_float(synthetic)
    if column_kind(real) != "categorical":
        return real, synthetic
    levels = real.dropna().astype(str).value_counts().index
    if not 2 <= len(levels) <= MAX_ENCODED_LEVELS:
        return None
    codes = {level: float(i) for i, level in enumerate(levels)}
    as_codes = [s.astype(object).where(s.notna(), None).map(lambda v: codes.get(str(v)) if v is not None else None)
                .astype("float64") for s in (real, synthetic)]
    return as_codes[0], as_codes[1]


def correlations(real: pd.DataFrame, synthetic: pd.DataFrame, columns: Sequence[str]) -> dict[str, Any] | None:
    """Synthetic minus real Pearson correlation of up to 25 columns (numeric first, then label-encoded).

    Returns None when fewer than two columns vary in the real rows.
    """
    numeric: dict[str, tuple[pd.Series, pd.Series]] = {}
    encoded: dict[str, tuple[pd.Series, pd.Series]] = {}
    for column in columns:
        if column not in real.columns or column not in synthetic.columns or real[column].nunique() < 2:
            continue
        pair = _encoded(real[column], synthetic[column])
        if pair is not None:
            is_code = column_kind(real[column]) == "categorical" and not pd.api.types.is_bool_dtype(real[column])
            (encoded if is_code else numeric)[column] = pair
    chosen = (list(numeric) + list(encoded))[:MAX_CORRELATION_COLUMNS]
    if len(chosen) < 2:
        return None
    pairs = numeric | encoded
    diff = correlation_difference(pd.DataFrame({c: pairs[c][0].reset_index(drop=True) for c in chosen}),
                                  pd.DataFrame({c: pairs[c][1].reset_index(drop=True) for c in chosen}))
    matrix = [[None if not math.isfinite(v) else round(float(v), 4) for v in row] for row in diff.to_numpy()]
    left_out = len([c for c in columns if c in real.columns]) - len(chosen)
    return {"columns": list(diff.columns), "difference": matrix, "method": "pearson",
            "label_encoded": [c for c in chosen if c in encoded], "left_out": left_out}


def fidelity_points(fidelity: Mapping[str, Any] | None, k_min: int) -> dict[str, Any] | None:
    """The real-vs-synthetic effect of every segment with at least ``k_min`` real rows (a scatter)."""
    if not fidelity:
        return None
    points, suppressed = [], 0
    for s in fidelity.get("per_segment") or []:
        if s["n_real"] < k_min:
            suppressed += 1
            continue
        points.append({"segment": f"{s['column']} = {s['level']}", "column": s["column"], "level": s["level"],
                       "n_real": s["n_real"], "real_effect": s["real_effect"],
                       "synthetic_effect": s["synthetic_effect"], "significant": s["significant"],
                       "covered": s["covered"], "absent": s["absent_in_synthetic"]})
    return {"points": points, "suppressed": suppressed, "min_rows": k_min}


def chart_data(real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame], schema: Schema,
               columns: Mapping[str, Sequence[str]], fidelity: Mapping[str, Any] | None,
               dcr: Mapping[str, Any], k_min: int) -> dict[str, Any]:
    """Every chart of a gate report: distributions and correlation differences per table, the fidelity
    scatter, and the DCR histograms (computed by the privacy check) per table.

    ``real`` holds the key columns too (to count people across linked tables); ``columns`` names the data
    columns to chart per table.
    """
    charts: dict[str, Any] = {"k_min": k_min, "distributions": {}, "correlations": {}, "dcr": dict(dcr)}
    people = root_entities(real, schema)
    for table, cols in columns.items():
        if table not in real or table not in synthetic or len(real[table]) == 0:
            continue
        charts["distributions"][table] = distributions(real[table], synthetic[table], cols, k_min, people[table])
        matrix = correlations(real[table], synthetic[table], cols)
        if matrix is not None:
            charts["correlations"][table] = matrix
    charts["fidelity"] = fidelity_points(fidelity, k_min)
    return charts
