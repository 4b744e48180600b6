"""What a synthetic row says about the person its fake identity must fit: gender and age, read from values.

A fake name, patronymic or e-mail stands in a row beside that row's other columns. A woman's row must get a
woman's name (and, in Russian, her surname's feminine form), an e-mail's birth year must fall inside the
row's age band. Which column holds gender or age is decided by its values, never its name: a column whose
levels are all gender words of some language (``F``/``M``, ``Female``/``Male``, ``Ж``/``М``, ``женский``) is
gender; a column whose levels are all age bands (``40-49``, ``70+``, what generalization leaves of a birth
date) is age. Nothing here keeps a value: levels are read from the batch being written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

__all__ = ["Persona", "persona_of"]

_FEMALE = frozenset({"f", "female", "woman", "w", "fem", "ж", "жен", "женский", "женщина", "девушка"})
_MALE = frozenset({"m", "male", "man", "мужской", "муж", "м", "мужчина"})
_BAND = re.compile(r"\s*(\d{1,3})\s*(?:[-–—]\s*(\d{1,3})|(\+))\s*")
_OLDEST = 100  # the upper end of an open band such as "70+"
_PROBE = 2000  # rows whose levels are looked at before a whole column is mapped


@dataclass
class Persona:
    """Per row: ``genders`` "F"/"M"/"" (unknown) and the birth-year range ``[year_lo, year_hi]`` (-1: unknown)."""

    genders: np.ndarray | None = None
    year_lo: np.ndarray | None = None
    year_hi: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> Persona:
        """The persona of a subset of rows (for a redraw)."""
        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[rows]

        return Persona(pick(self.genders), pick(self.year_lo), pick(self.year_hi))


def _levels(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _gender_map(levels: np.ndarray) -> np.ndarray | None:
    words = [str(v).strip().lower().rstrip(".") for v in levels]
    female = [w in _FEMALE for w in words]
    male = [w in _MALE for w in words]
    if not words or not all(f or m for f, m in zip(female, male, strict=True)) or not any(female) or not any(male):
        return None
    return np.array(["F" if f else "M" for f in female], dtype=object)


def _band_years(levels: np.ndarray, this_year: int) -> tuple[np.ndarray, np.ndarray] | None:
    lo, hi = [], []
    for v in levels:
        m = _BAND.fullmatch(str(v))
        if m is None:
            return None
        young = int(m.group(1))
        old = _OLDEST if m.group(3) else int(m.group(2))
        if not 0 <= young <= old <= 120:
            return None
        lo.append(this_year - old - 1)  # a 49-year-old was born 49 or 50 years ago
        hi.append(this_year - young)
    if len(lo) < 2:
        return None
    return np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64)


def _mapped(values: np.ndarray, codes: np.ndarray, table: np.ndarray, missing: object) -> np.ndarray:
    out = table[np.maximum(codes, 0)]
    if (codes < 0).any():
        out = out.copy()
        out[codes < 0] = missing
    return out


def persona_of(columns: Mapping[str, object], n: int, *, this_year: int | None = None) -> Persona:
    """Gender and birth years of ``n`` rows from their data columns (arrays, Arrow arrays or lists)."""
    year = this_year or date.today().year
    found = Persona()
    for values in columns.values():
        if found.genders is not None and found.year_lo is not None:
            break
        array = values.to_numpy(zero_copy_only=False) if hasattr(values, "to_numpy") else np.asarray(values)
        if array.dtype.kind not in "OUS" or len(array) != n:
            continue  # gender words and age bands are text
        probe_codes, probe = _levels(array[:_PROBE])
        if len(probe) < 2 or len(probe) > 20:
            continue
        if found.genders is None and _gender_map(probe) is not None:
            codes, levels = _levels(array)
            table = _gender_map(levels)
            if table is not None:
                found.genders = _mapped(array, codes, table, "")
                continue
        if found.year_lo is None and _band_years(probe, year) is not None:
            codes, levels = _levels(array)
            years = _band_years(levels, year)
            if years is not None:
                found.year_lo = _mapped(array, codes, years[0], -1).astype(np.int64)
                found.year_hi = _mapped(array, codes, years[1], -1).astype(np.int64)
    return found
