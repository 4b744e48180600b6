"""Real vs synthetic histograms of one column that are safe to show: no bar reveals a real person (bars with
fewer than ``min_count`` real rows are merged or suppressed)."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from sandbox.release.evaluation.privacy import column_kind

__all__ = ["Histogram", "HistogramBin", "column_histograms", "numeric_frame"]


class HistogramBin(BaseModel):
    """One bar: an interval (``left`` < x <= ``right``; None = unbounded) or a category level."""

    label: str
    left: float | str | None = None
    right: float | str | None = None
    real_count: int | None = Field(description="None when fewer than min_count real rows (suppressed).")
    synthetic_count: int
    real_share: float | None
    synthetic_share: float


class Histogram(BaseModel):
    """Aggregated real vs synthetic counts of one column, safe to show: no bar reveals a real person."""

    column: str
    kind: Literal["numeric", "datetime", "categorical"]
    min_count: int
    bins: list[HistogramBin]
    merged_levels: int = Field(description="Real levels with fewer than min_count rows merged into 'other'.")


def numeric_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            out[column] = values.astype("float64")
        elif column_kind(values) == "datetime":
            stamps = pd.to_datetime(values, errors="coerce", utc=True)
            out[column] = (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        elif column_kind(values) == "numeric":
            out[column] = values.astype("float64")
    return pd.DataFrame(out, index=frame.index)


def _decimals(lo: float, hi: float, bins: int) -> int:
    """Decimals of a round step a tenth of a bin wide: edges are not a real person's exact value."""
    width = (hi - lo) / bins if hi > lo else abs(lo) or 1.0
    return 1 - math.floor(math.log10(width))


def _merge_small(counts: np.ndarray, min_count: int) -> list[tuple[int, int]]:
    """Groups [start, end) of adjacent bins, each with at least ``min_count`` real rows if possible."""
    groups: list[tuple[int, int]] = []
    start, total = 0, 0
    for i, n in enumerate(counts):
        total += n
        if total >= min_count:
            groups.append((start, i + 1))
            start, total = i + 1, 0
    if start < len(counts):
        if groups:
            groups[-1] = (groups[-1][0], len(counts))
        else:
            groups.append((0, len(counts)))
    return groups


def column_histograms(
    real: pd.DataFrame, synthetic: pd.DataFrame, column: str, bins: int = 20, min_count: int = 10
) -> Histogram:
    """Real and synthetic counts of one column for a chart, with no bar reveals a single real person.

    Numeric and datetime columns: equal-width bins between the real 1st and 99th percentiles (edges
    rounded to a tenth of a bin width; the outer bars are open-ended), adjacent bins merged until each
    holds at least ``min_count`` real rows. Categories: levels with fewer than ``min_count`` real rows
    (and synthetic-only levels) are merged into one 'other' bar. Missing values get their own bar. A
    bar still under ``min_count`` real rows shows ``real_count`` and ``real_share`` as None.
    """
    if column not in real.columns or column not in synthetic.columns:
        raise ValueError(f"column {column!r} must be in both the real and the synthetic rows")
    kind = column_kind(real[column])
    if kind == "categorical":
        bars, merged = _category_bars(real[column], synthetic[column], min_count)
    else:
        bars, merged = _interval_bars(real[column], synthetic[column], kind, bins, min_count), 0
    n_real, n_syn = len(real), len(synthetic)
    out = []
    for label, left, right, r, s in bars:
        shown = r >= min_count
        out.append(HistogramBin(label=label, left=left, right=right, real_count=r if shown else None,
                                synthetic_count=s, real_share=r / n_real if shown and n_real else None,
                                synthetic_share=s / n_syn if n_syn else 0.0))
    return Histogram(column=column, kind=kind, min_count=min_count, bins=out, merged_levels=merged)


Bar = tuple[str, Any, Any, int, int]


def _category_bars(real: pd.Series, synthetic: pd.Series, min_count: int) -> tuple[list[Bar], int]:
    r = real.dropna().astype(str).value_counts()
    s = synthetic.dropna().astype(str).value_counts()
    kept = [str(level) for level, n in r.items() if n >= min_count]
    small = r.index.difference(kept)
    bars: list[Bar] = [(level, None, None, int(r[level]), int(s.get(level, 0))) for level in kept]
    other_real = int(r[small].sum())
    other_syn = int(s[s.index.difference(kept)].sum())
    if other_real or other_syn:
        bars.append((f"other ({len(small)} rare levels)", None, None, other_real, other_syn))
    return bars + _missing_bar(real, synthetic), len(small)


def _missing_bar(real: pd.Series, synthetic: pd.Series) -> list[Bar]:
    r, s = int(real.isna().sum()), int(synthetic.isna().sum())
    return [("<missing>", None, None, r, s)] if r or s else []


def _interval_bars(real: pd.Series, synthetic: pd.Series, kind: str, bins: int, min_count: int) -> list[Bar]:
    as_number = numeric_frame(pd.DataFrame({"v": real}))["v"]
    syn_number = numeric_frame(pd.DataFrame({"v": synthetic}))["v"]
    present = as_number.dropna().to_numpy()
    if present.size == 0:
        return [("all", None, None, 0, int(syn_number.notna().sum()))] + _missing_bar(real, synthetic)
    lo, hi = np.quantile(present, [0.01, 0.99])
    raw = np.linspace(lo, hi, bins + 1)
    if kind == "datetime":
        step = max([u for u in (60.0, 3600.0, 86400.0) if u <= (hi - lo) / bins / 10] or [1.0])
        inner = np.unique(np.round(raw / step) * step)
    else:
        inner = np.unique(np.round(raw, _decimals(lo, hi, bins)))
    edges = np.concatenate([[-np.inf], inner, [np.inf]])
    real_counts = _counts(present, edges)
    syn_counts = _counts(syn_number.dropna().to_numpy(), edges)
    bars: list[Bar] = []
    for start, end in _merge_small(real_counts, min_count):
        left, right = _edge(edges[start], kind), _edge(edges[end], kind)
        label = _interval_label(left, right)
        bars.append((label, left, right, int(real_counts[start:end].sum()), int(syn_counts[start:end].sum())))
    return bars + _missing_bar(real, synthetic)


def _interval_label(left: float | str | None, right: float | str | None) -> str:
    def text(v: float | str) -> str:
        return v if isinstance(v, str) else f"{v:g}"

    if left is None:
        return "all" if right is None else f"≤ {text(right)}"
    return f"> {text(left)}" if right is None else f"({text(left)}, {text(right)}]"


def _counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per interval (edges[i], edges[i+1]]."""
    index = np.searchsorted(edges, values, side="left") - 1
    return np.bincount(np.clip(index, 0, len(edges) - 2), minlength=len(edges) - 1)


def _edge(value: float, kind: str) -> float | str | None:
    if not math.isfinite(value):
        return None
    if kind == "datetime":
        stamp = pd.Timestamp(value, unit="s")
        return str(stamp.date()) if stamp == stamp.normalize() else stamp.isoformat()
    return float(value)
