"""Column codecs of the CART generator: real values <-> numbers the trees learn, and back to Arrow.

A codec remembers how a column looked (dtype, precision, string format, levels) so that synthetic
values come back in the same shape. Rare category levels are pooled here, so that they can never be
reproduced verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CategoricalCodec", "DatetimeCodec", "NumericCodec", "fit_codec"]

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M",
    "%d-%m-%Y", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S.%f",
)
_UNITS = (86_400.0, 3_600.0, 60.0, 1.0, 0.001)


def _arrow_type(series: pd.Series) -> pa.DataType | None:
    """The Arrow type pandas values of this series convert to (None: let Arrow infer)."""
    try:
        return pa.Array.from_pandas(series.iloc[:0]).type
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


@dataclass
class NumericCodec:
    """A numerical column: floats with NaN for missing, rounded back to the observed precision."""

    arrow_type: pa.DataType
    decimals: int | None

    @classmethod
    def fit(cls, series: pd.Series) -> NumericCodec:
        values = cls.to_float(series)
        finite = values[np.isfinite(values)]
        if pd.api.types.is_bool_dtype(series.dtype) or not (
            pd.api.types.is_numeric_dtype(series.dtype)
        ):
            arrow_type = pa.float64()
        else:
            arrow_type = _arrow_type(series) or pa.float64()
        return cls(arrow_type=arrow_type, decimals=_decimals(finite))

    @staticmethod
    def to_float(series: pd.Series) -> np.ndarray:
        """The column as float64, NaN where missing or unparseable."""
        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            series = pd.to_numeric(series.astype("string").str.strip(), errors="coerce")
        return series.astype("float64").to_numpy(na_value=np.nan)

    def encode(self, series: pd.Series) -> np.ndarray:
        return self.to_float(series)

    def round(self, values: np.ndarray) -> np.ndarray:
        """Values at the precision the real column has."""
        return values if self.decimals is None else np.round(values, self.decimals)

    def decode(self, values: np.ndarray) -> pa.Array:
        mask = np.isnan(values)
        values = self.round(values)
        if pa.types.is_integer(self.arrow_type):
            ints = np.where(mask, 0, values).astype(self.arrow_type.to_pandas_dtype())
            return pa.array(ints, type=self.arrow_type, mask=mask if mask.any() else None)
        return pa.array(values, type=pa.float64(), from_pandas=True).cast(self.arrow_type)


def _decimals(finite: np.ndarray) -> int | None:
    """Fewest decimals (0..6) that represent every value; None when the values are truly continuous."""
    if finite.size == 0:
        return 0
    sample = finite[:: max(1, finite.size // 5000)]
    for d in range(7):
        scaled = sample * 10.0**d
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))):
            return d
    return None


@dataclass
class DatetimeCodec:
    """A datetime column as epoch seconds, returned with the real dtype (or string format) and unit."""

    arrow_type: pa.DataType
    unit_s: float
    text_format: str | None = None  # set when the real column held dates as strings
    dayfirst: bool = False

    @classmethod
    def fit(cls, series: pd.Series) -> DatetimeCodec:
        text_format = None
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            arrow_type = _arrow_type(series) or pa.timestamp("ns")
            parsed = series
        else:
            text_format = _guess_format(series.dropna().astype(str))
            arrow_type = pa.string()
            parsed = _parse(series, text_format)
        codec = cls(arrow_type=arrow_type, unit_s=1.0, text_format=text_format)
        seconds = codec.to_seconds(parsed)
        finite = seconds[np.isfinite(seconds)]
        codec.unit_s = next((u for u in _UNITS if np.all(np.mod(finite, u) == 0)), 1e-6)
        return codec

    @staticmethod
    def to_seconds(parsed: pd.Series) -> np.ndarray:
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = parsed.astype("datetime64[ns]").to_numpy().astype("int64")
        out = ns.astype("float64") / 1e9
        out[np.isnat(parsed.to_numpy().astype("datetime64[ns]"))] = np.nan
        return out

    def encode(self, series: pd.Series) -> np.ndarray:
        if self.text_format is not None or not pd.api.types.is_datetime64_any_dtype(series.dtype):
            series = _parse(series, self.text_format)
        return self.to_seconds(series)

    def round(self, seconds: np.ndarray) -> np.ndarray:
        return np.round(seconds / self.unit_s) * self.unit_s

    def decode(self, seconds: np.ndarray) -> pa.Array:
        mask = np.isnan(seconds)
        ns = np.where(mask, 0, self.round(seconds) * 1e9).astype("int64")
        stamps = pa.array(ns, type=pa.timestamp("ns"), mask=mask if mask.any() else None)
        if self.text_format is not None:
            if "%f" not in self.text_format:  # Arrow's %S prints fractions for sub-second units
                stamps = stamps.cast(pa.timestamp("s"), safe=False)
            return pc.strftime(stamps, format=self.text_format)
        return stamps.cast(self.arrow_type, safe=False)


def _guess_format(text: pd.Series) -> str | None:
    sample = text.iloc[:: max(1, len(text) // 300)]
    for fmt in _DATE_FORMATS:
        if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def _parse(series: pd.Series, text_format: str | None) -> pd.Series:
    if text_format is None:
        return pd.to_datetime(series, errors="coerce", format="mixed")
    return pd.to_datetime(series, errors="coerce", format=text_format)


@dataclass
class CategoricalCodec:
    """Category levels as integer codes, most frequent first; rare levels pooled, missing its own level.

    Levels held by fewer than ``min_count`` rows are never reproduced, nor kept: they become ``other_label``
    when the pooled rows are themselves at least ``min_count`` (and the column holds strings), or else the
    most frequent level (missing when every level is rare). The codec remembers only where rare values go,
    not which they were: a pickled model once held every training IBAN of a column it pooled.
    """

    levels: list = field(default_factory=list)  # real values held by at least min_count rows, None for missing
    pool_code: int | None = None  # the level any other value is encoded as; None: no value was pooled
    arrow_levels: pa.Array | None = None

    @classmethod
    def fit(cls, series: pd.Series, min_count: int, other_label: str = "Other") -> CategoricalCodec:
        counts = series.value_counts(dropna=True, sort=False)
        counts = counts.iloc[np.lexsort((counts.index.astype(str), -counts.to_numpy()))]
        rare = counts[counts < min_count]
        keep = counts[counts >= min_count]
        target: Any = None
        if len(rare):
            strings = all(isinstance(v, str) for v in counts.index)
            if strings and (keep.empty or rare.sum() >= min_count):
                target = other_label
                keep = keep.copy() if target in keep.index else pd.concat(
                    [s for s in (keep, pd.Series({target: 0}, dtype=keep.dtype)) if not s.empty])
                keep[target] += rare.sum()
            elif not keep.empty:
                target = keep.index[0]
        levels = list(keep.sort_values(ascending=False, kind="stable").index)
        if series.isna().any() or (len(rare) and target is None):
            levels.append(None)
        pool_code = None if not len(rare) else levels.index(target)
        codec = cls(levels=levels, pool_code=pool_code)
        codec.arrow_levels = _level_array(levels, series)
        return codec

    def encode(self, series: pd.Series) -> np.ndarray:
        lookup = {v: i for i, v in enumerate(self.levels) if v is not None}
        missing = self.levels.index(None) if None in self.levels else 0
        codes = series.map(lookup)
        if self.pool_code is not None:  # a value not among the levels was pooled at fit
            codes = codes.where(codes.notna() | series.isna(), self.pool_code)
        return codes.fillna(missing).to_numpy().astype(np.int32)

    def decode(self, codes: np.ndarray) -> pa.Array:
        """String levels come back dictionary-encoded (no string copied per row; DuckDB reads them as
        VARCHAR twice as fast); other level types as a plain array of the real type."""
        assert self.arrow_levels is not None
        indices = pa.array(codes, type=pa.int32())
        if not pa.types.is_string(self.arrow_levels.type):
            return self.arrow_levels.take(indices)
        if self.levels and self.levels[-1] is None:  # missing is the last level: a null index, not a null value
            missing = codes == len(self.levels) - 1
            indices = pa.array(codes, type=pa.int32(), mask=missing if missing.any() else None)
            return pa.DictionaryArray.from_arrays(indices, self.arrow_levels[:-1])
        return pa.DictionaryArray.from_arrays(indices, self.arrow_levels)


def _level_array(levels: list, series: pd.Series) -> pa.Array:
    """The levels as an Arrow array of the real column's type (dictionary for pandas categoricals)."""
    values = pd.Series(levels, dtype=object)
    if isinstance(series.dtype, pd.CategoricalDtype):
        kept = [v for v in levels if v is not None]
        cat = pd.Categorical(levels, categories=[c for c in series.dtype.categories if c in kept] or None)
        return pa.array(cat)
    arrow_type = _arrow_type(series)
    if arrow_type is not None and pa.types.is_null(arrow_type):
        arrow_type = None  # an object column: infer from the levels (True/False with gaps stay booleans)
    try:
        return pa.array(values, type=arrow_type, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(values.map(lambda v: None if v is None else str(v)), type=pa.string())


Codec = NumericCodec | DatetimeCodec | CategoricalCodec


def fit_codec(series: pd.Series, kind: str, min_count: int, other_label: str = "Other") -> Codec:
    """The codec of one data column of schema kind ``kind``."""
    if kind == "numerical":
        return NumericCodec.fit(series)
    if kind == "datetime":
        return DatetimeCodec.fit(series)
    return CategoricalCodec.fit(series, min_count, other_label)
