"""Privacy checks: how close synthetic rows come to real people, and whether real values leaked.

Distance used by :func:`distance_to_closest_records` (a Gower-like distance in squared form):

    d(x, y) = sqrt( sum_c delta_c(x, y)^2 / p )        p = number of compared columns

* numeric and datetime columns: ``delta = |x - y|`` after scaling by the train range (min to max, as
  Gower does) and clipping values outside it to [0, 1];
* categorical and boolean columns: ``delta = 0`` for the same level and ``1`` otherwise (one-hot with
  weight 1/sqrt(2); columns with more than 64 levels use random 32-dimensional unit vectors instead, so a
  mismatch is 1 +- 0.2 and a match is exactly 0);
* missing values: a categorical ``NaN`` is one more level; a numeric ``NaN`` adds a missing-indicator
  (``delta >= 1`` against a present value, 0 against another ``NaN``) and is imputed with the train median.

So 0 means identical on every compared column and 1 means different on every one. Squared distances
reduce to one matrix product, so the search is an exact brute-force scan in float32 (about 12 s for 50k
synthetic x 50k train + 50k holdout on two cores) over references split into shards of at most 250,000 rows
(FAISS per shard when installed, ``neighbours``); every shard's nearest and second-nearest rows are
recomputed in float64 and the minimum is taken over shards. Which of two near-tied neighbours the float32
search picks rests on its rounding, which BLAS may vary from run to run: on a table of support tickets
minutes apart, NNDR moved by 4e-4 between two evaluations (a float64 search would take twice the time).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from sandbox.release.evaluation.neighbours import SHARD_ROWS, nearest

__all__ = [
    "DcrHistogram",
    "LeakLocation",
    "LeakResult",
    "PrivacyResult",
    "column_kind",
    "distance_to_closest_records",
    "leaked_values",
]

ColumnKind = Literal["numeric", "datetime", "categorical"]

_ONE_HOT_MAX_LEVELS = 64
_EMBED_DIM = 32
_MISSING = "\x00<missing>"
_BASELINE_ROWS = 10_000  # holdout rows whose distance to train estimates the baseline median
_SUBSTRING_MIN = 6


class DcrHistogram(BaseModel):
    """Synthetic rows by distance to their closest train row and to their closest holdout row."""

    edges: list[float] = Field(description="Bin edges from 0 to the largest distance (bins + 1 values).")
    train_counts: list[int] = Field(description="Synthetic rows per bin by distance to the closest train row.")
    holdout_counts: list[int] = Field(description="The same by distance to the closest holdout row.")


class PrivacyResult(BaseModel):
    """Distances from synthetic rows to train rows versus unseen holdout rows."""

    dcr_share: float = Field(description="Share of synthetic rows closer to train than to holdout "
                                         "(ties count half); 0.5 = no memorization, 1 = copies.")
    identical_match_share_train: float = Field(description="Share of synthetic rows equal to a train row.")
    identical_match_share_holdout: float = Field(
        description="Share of synthetic rows equal to a holdout row."
    )
    median_dcr_train: float
    median_dcr_holdout: float
    median_dcr_baseline: float = Field(description="Median distance of holdout rows (at most 10,000) to "
                                                   "train: how far a fresh real person is from train.")
    nndr: float = Field(description="Median nearest/second-nearest train distance ratio of synthetic rows.")
    nndr_baseline: float = Field(description="The same ratio for holdout rows.")
    rows_synthetic: int = Field(description="Synthetic rows in the distance comparison.")
    rows_reference: int = Field(description="Train rows and holdout rows (each) in the distance comparison.")
    rows_train: int
    rows_holdout: int
    columns: list[str]
    sampled: bool
    shards: int = Field(default=1, description="Shards each reference was searched in (FAISS per shard when "
                                               "installed), the nearest rows reduced over them in float64.")
    note: str | None = None
    dcr_histogram: DcrHistogram | None = Field(
        default=None, description="Distance histograms (only when asked for with histogram_bins).")


class LeakLocation(BaseModel):
    """One synthetic column holding source identifier values (counts only, never the values)."""

    table: str
    column: str
    exact_cells: int = Field(description="Cells equal to an identifier value.")
    substring_cells: int = Field(description="Text cells containing an identifier value of 6+ characters.")
    values: int = Field(description="Distinct identifier values found in this column.")


class LeakResult(BaseModel):
    """How many source identifier values appear in the synthetic tables, and where."""

    values_checked: int
    leaked: int = Field(description="Distinct identifier values found anywhere.")
    cells: int = Field(description="Synthetic cells holding at least one identifier value.")
    locations: list[LeakLocation]


def column_kind(series: pd.Series) -> ColumnKind:
    """How a column is compared: numeric, datetime or categorical (booleans and strings)."""
    if pd.api.types.is_bool_dtype(series):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "numeric"
    return "categorical"


def _canonical(series: pd.Series, kind: ColumnKind) -> pd.Series:
    """The column as float64 (numeric, datetime in ns) or string; the same value gives the same form."""
    if kind == "numeric":
        return pd.to_numeric(series, errors="coerce").astype("float64").reset_index(drop=True)
    if kind == "datetime":
        stamps = pd.to_datetime(series, errors="coerce", utc=True).dt.tz_localize(None)
        return stamps.astype("datetime64[ns]").reset_index(drop=True)
    return series.astype(object).where(series.notna(), _MISSING).astype(str).reset_index(drop=True)


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _as_float(series: pd.Series) -> np.ndarray:
    """A canonical numeric or datetime column as float64 (datetimes in ns), NaN where missing."""
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.to_numpy(dtype="datetime64[ns]").view("int64").astype("float64")
        values[series.isna().to_numpy()] = np.nan
        return values
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _numeric_block(values: list[np.ndarray], train: np.ndarray) -> list[np.ndarray]:
    """Scale by the train range (as Gower does), clip to [0, 1]; NaN -> median + indicator."""
    present = train[~np.isnan(train)]
    if present.size == 0:
        return [np.zeros((len(v), 1)) for v in values]
    lo, hi = present.min(), present.max()
    span = hi - lo if hi > lo else 1.0
    median = float(np.median(present))
    has_missing = any(np.isnan(v).any() for v in values)
    blocks = []
    for v in values:
        missing = np.isnan(v)
        scaled = np.clip((np.where(missing, median, v) - lo) / span, 0.0, 1.0)
        cols = [scaled, missing.astype(float)] if has_missing else [scaled]
        blocks.append(np.column_stack(cols))
    return blocks


def _categorical_block(values: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """One-hot (weight 1/sqrt 2) or random unit vectors: a mismatch adds ~1 to the squared distance."""
    levels = pd.unique(np.concatenate(values))
    if len(levels) <= _ONE_HOT_MAX_LEVELS:
        table = np.eye(len(levels)) / math.sqrt(2)
    else:
        table = rng.standard_normal((len(levels), _EMBED_DIM))
        table /= np.linalg.norm(table, axis=1, keepdims=True) * math.sqrt(2)
    return [table[pd.Categorical(v, categories=levels).codes] for v in values]


def _encode(frames: list[pd.DataFrame], kinds: dict[str, ColumnKind], seed: int) -> list[np.ndarray]:
    """Encode canonical frames (the first is train) into float64 matrices for the distance above."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in frames]
    for column, kind in kinds.items():
        if kind == "categorical":
            blocks = _categorical_block([f[column].to_numpy() for f in frames], rng)
        else:
            arrays = [_as_float(f[column]) for f in frames]
            blocks = _numeric_block(arrays, arrays[0])
        for part, block in zip(parts, blocks, strict=True):
            part.append(block)
    return [np.hstack(p) for p in parts]


def _ratio(d1: np.ndarray, d2: np.ndarray) -> float:
    """Median of nearest / second-nearest distance; 0/0 (two identical neighbours) counts as 1."""
    safe = np.where(d2 > 0, d2, 1.0)
    ratio = np.where(d2 > 0, np.sqrt(d1 / safe), 1.0)
    return float(np.median(ratio))


def _distances(samples: list[pd.DataFrame], kinds: dict[str, ColumnKind], seed: int,
               shard_rows: int) -> list[np.ndarray]:
    """Squared distances: synthetic to train (1st, 2nd), to holdout, and holdout to train (1st, 2nd)."""
    train, holdout, synthetic = samples
    enc_train, enc_holdout, enc_synth = _encode(samples, kinds, seed)
    syn_train, syn_train2 = nearest(enc_synth, enc_train, second=True, shard_rows=shard_rows)
    syn_holdout, _ = nearest(enc_synth, enc_holdout, second=False, shard_rows=shard_rows)
    some = np.random.default_rng(seed).permutation(len(enc_holdout))[:_BASELINE_ROWS]
    base, base2 = nearest(enc_holdout[some], enc_train, second=True, shard_rows=shard_rows)
    synthetic_hashes = _row_hashes(synthetic)  # exact copies are at distance 0, whatever float32 says
    syn_train[np.isin(synthetic_hashes, _row_hashes(train))] = 0.0
    syn_holdout[np.isin(synthetic_hashes, _row_hashes(holdout))] = 0.0
    return [syn_train, syn_train2, syn_holdout, base, base2]


def _histogram(to_train: np.ndarray, to_holdout: np.ndarray, bins: int) -> DcrHistogram:
    """Both distance arrays counted in the same equal-width bins from 0 to the largest distance."""
    top = float(max(to_train.max(initial=0.0), to_holdout.max(initial=0.0))) or 1.0
    edges = np.linspace(0.0, top, bins + 1)
    return DcrHistogram(edges=[round(float(e), 6) for e in edges],
                        train_counts=np.histogram(to_train, edges)[0].tolist(),
                        holdout_counts=np.histogram(to_holdout, edges)[0].tolist())


def _sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows drawn with ``seed``, the same whatever order the store returned the rows in (DuckDB's
    parallel inserts do not keep it: the same vault gave support-ticket DCR shares 0.483 and 0.534)."""
    if len(frame) <= n:
        return frame
    return frame.iloc[np.argsort(_row_hashes(frame), kind="stable")].sample(n=n, random_state=seed)


def distance_to_closest_records(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    columns: Sequence[str] | None = None,
    max_rows: int = 50_000,
    seed: int = 0,
    histogram_bins: int | None = None,
    max_reference: int | None = None,
    shard_rows: int = SHARD_ROWS,
) -> PrivacyResult:
    """Compare synthetic rows' distance to train rows with their distance to unseen holdout rows.

    Train and holdout are subsampled to the same size (at most ``max_reference``, by default ``max_rows``;
    0 for every row of the smaller), the synthetic rows to at most ``max_rows``; references are searched in
    shards of ``shard_rows`` rows (``neighbours``); identical-match shares compare every synthetic row with
    those equal-sized samples.
    For a child table (events of a customer), pass as many whole training families as holdout ones:
    thinning rows makes the training side less bunched than the holdout and any row look closer to it
    (see ``sandbox.release.gate._real_frames``).
    Columns default to those present in all three frames; pass ``columns`` to leave out keys and identifiers. With
    ``histogram_bins``, the result also holds ``dcr_histogram``: how many synthetic rows lie at each
    distance from their closest train row and from their closest holdout row.

    Raises:
        ValueError: a frame is empty or a requested column is missing.
    """
    columns = _compared_columns(train, holdout, synthetic, columns)
    kinds = {c: column_kind(train[c]) for c in columns}
    canon = [pd.DataFrame({c: _canonical(f[c], kinds[c]) for c in columns})
             for f in (train, holdout, synthetic)]
    synthetic_hashes = _row_hashes(canon[2])

    limit = max_rows if max_reference is None else (max_reference or max(len(train), len(holdout)))
    n_ref = min(len(train), len(holdout), limit)
    n_syn = min(len(synthetic), max_rows)
    samples = [_sample(f, n, seed) for f, n in zip(canon, (n_ref, n_ref, n_syn), strict=True)]
    syn_train, syn_train2, syn_holdout, base, base2 = _distances(samples, kinds, seed, shard_rows)
    tie = np.isclose(syn_train, syn_holdout, rtol=1e-9, atol=1e-12)
    closer = np.where(tie, 0.5, (syn_train < syn_holdout).astype(float))
    scale = len(columns)
    sampled = n_ref < len(train) or n_ref < len(holdout) or n_syn < len(synthetic)
    note = (f"distances on {n_ref:,} train and {n_ref:,} holdout rows (of {len(train):,} and "
            f"{len(holdout):,}) and {n_syn:,} of {len(synthetic):,} synthetic rows, sampled with seed {seed}"
            if sampled else None)
    return PrivacyResult(
        dcr_share=float(closer.mean()),
        # equal-sized train and holdout samples: a bigger train split would otherwise match more by chance alone
        identical_match_share_train=float(np.isin(synthetic_hashes, _row_hashes(samples[0])).mean()),
        identical_match_share_holdout=float(np.isin(synthetic_hashes, _row_hashes(samples[1])).mean()),
        median_dcr_train=float(np.median(np.sqrt(syn_train / scale))),
        median_dcr_holdout=float(np.median(np.sqrt(syn_holdout / scale))),
        median_dcr_baseline=float(np.median(np.sqrt(base / scale))),
        nndr=_ratio(syn_train, syn_train2),
        nndr_baseline=_ratio(base, base2),
        rows_synthetic=n_syn,
        rows_reference=n_ref,
        rows_train=len(train),
        rows_holdout=len(holdout),
        columns=list(columns),
        sampled=sampled,
        shards=-(-n_ref // max(shard_rows, 1)),
        note=note,
        dcr_histogram=(_histogram(np.sqrt(syn_train / scale), np.sqrt(syn_holdout / scale), histogram_bins)
                       if histogram_bins else None),
    )


def _compared_columns(
    train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, columns: Sequence[str] | None
) -> list[str]:
    problems = [f"the {name} rows are empty" for name, f in
                (("train", train), ("holdout", holdout), ("synthetic", synthetic)) if len(f) == 0]
    if columns is None:
        columns = [c for c in train.columns if c in holdout.columns and c in synthetic.columns]
        if not columns:
            problems.append("train, holdout and synthetic rows share no column")
    for name, frame in (("train", train), ("holdout", holdout), ("synthetic", synthetic)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            problems.append(f"columns missing from the {name} rows: {', '.join(map(str, missing))}")
    if problems:
        raise ValueError("cannot compute distances: " + "; ".join(problems))
    return list(columns)


def _normalize(value: object) -> str:
    return str(value).strip().casefold()


def leaked_values(
    identifier_values: Iterable[str], synthetic_tables: Mapping[str, pd.DataFrame]
) -> LeakResult:
    """Find source identifier values (emails, phones, names, pseudonyms) in any synthetic cell.

    A cell leaks when, stripped and case-folded, it equals an identifier value, or (for text columns)
    contains one of at least 6 characters. Only counts and table.column locations are returned.
    """
    exact = {_normalize(v) for v in identifier_values if v is not None and _normalize(v)}
    by_prefix: dict[str, set[str]] = {}
    for value in exact:
        if len(value) >= _SUBSTRING_MIN:
            by_prefix.setdefault(value[:_SUBSTRING_MIN], set()).add(value)
    found_anywhere: set[str] = set()
    locations: list[LeakLocation] = []
    cells = 0
    for table, frame in synthetic_tables.items():
        for column in frame.columns:
            location, found = _scan_column(frame[column], exact, by_prefix)
            if found:
                locations.append(LeakLocation(table=table, column=str(column), **location))
                found_anywhere |= found
                cells += location["exact_cells"] + location["substring_cells"]
    return LeakResult(values_checked=len(exact), leaked=len(found_anywhere), cells=cells, locations=locations)


def _scan_column(
    series: pd.Series, exact: set[str], by_prefix: dict[str, set[str]]
) -> tuple[dict[str, int], set[str]]:
    raw = series.dropna().astype(str).value_counts()
    counts = raw.groupby(raw.index.str.strip().str.casefold()).sum()
    is_text = not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series))
    found: set[str] = set()
    exact_cells = substring_cells = 0
    for key, n in counts.items():
        text = str(key)
        if text in exact:
            found.add(text)
            exact_cells += int(n)
        elif is_text and by_prefix and len(text) > _SUBSTRING_MIN:
            inside = _substrings(text, by_prefix)
            if inside:
                found |= inside
                substring_cells += int(n)
    return {"exact_cells": exact_cells, "substring_cells": substring_cells, "values": len(found)}, found


def _substrings(text: str, by_prefix: dict[str, set[str]]) -> set[str]:
    """Identifier values inside ``text``: 6-character windows looked up in a prefix index."""
    windows = {text[i:i + _SUBSTRING_MIN] for i in range(len(text) - _SUBSTRING_MIN + 1)}
    return {v for prefix in windows & by_prefix.keys() for v in by_prefix[prefix] if v in text}
