"""Statistical quality of synthetic data: SDMetrics reports and correlation differences.

The reports are SDMetrics 0.32's unified ``QualityReport`` and ``DiagnosticReport``
(``sdmetrics.reports``), which take a dict of tables for one table as well as for many; the older
``reports.single_table`` / ``reports.multi_table`` classes are deprecated aliases. Column pair trends
follow SDMetrics' default: the property score averages only pairs whose real correlation exceeds 0.5
(or association 0.3); every pair's score is still listed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from generators.schema import Schema
from sandbox.release.evaluation.histograms import numeric_frame
from sandbox.release.evaluation.privacy import column_kind

__all__ = [
    "ColumnScore",
    "DiagnosticResult",
    "PairScore",
    "QualityResult",
    "RelationshipScore",
    "TableScore",
    "correlation_difference",
    "diagnostic",
    "multi_table_quality",
    "single_table_quality",
]

_SDTYPES = {"numerical", "categorical", "datetime", "boolean", "id"}
_KIND_TO_SDTYPE = {"numerical": "numerical", "categorical": "categorical", "datetime": "datetime",
                   "boolean": "boolean", "key": "id", "ordinal": "categorical"}
_SINGLE = "table"


class ColumnScore(BaseModel):
    """One column's score under one SDMetrics metric."""

    table: str
    column: str
    metric: str
    score: float | None


class PairScore(BaseModel):
    """One column pair's trend score (counted in the property only when it meets the threshold)."""

    table: str
    column_1: str
    column_2: str
    metric: str
    score: float | None
    real_correlation: float | None
    synthetic_correlation: float | None
    meets_threshold: bool


class TableScore(BaseModel):
    """Scores of one table (cardinality and intertable trends: relationships where it is the child)."""

    column_shapes: float | None
    column_pair_trends: float | None
    cardinality: float | None = None
    intertable_trends: float | None = None


class QualityResult(BaseModel):
    """An SDMetrics quality report reduced to plain numbers."""

    overall: float
    column_shapes: float | None
    column_pair_trends: float | None
    cardinality: float | None = None
    intertable_trends: float | None = None
    tables: dict[str, TableScore]
    columns: list[ColumnScore]
    pairs: list[PairScore]
    rows_real: dict[str, int] = Field(description="Rows evaluated per table (after sampling).")
    rows_synthetic: dict[str, int]
    excluded_columns: list[str] = Field(description="Keys, identifiers and unusable columns left out.")
    sampled: bool
    note: str | None = None
    seconds: float


class RelationshipScore(BaseModel):
    """One parent-child relationship's diagnostic score."""

    parent: str
    child: str
    foreign_key: str
    metric: str
    score: float | None


class DiagnosticResult(BaseModel):
    """An SDMetrics diagnostic report: validity, structure and referential integrity (0..1 each)."""

    overall: float
    data_validity: float | None
    data_structure: float | None
    relationship_validity: float | None = None
    columns: list[ColumnScore]
    relationships: list[RelationshipScore]
    excluded_columns: list[str]


def _num(value: Any) -> float | None:
    """A plain float, or None for NaN/None (JSON has no NaN)."""
    if value is None or pd.isna(value):
        return None
    return float(value)


def _infer_sdtype(series: pd.Series) -> str | None:
    """SDMetrics sdtype from a pandas dtype; None for text that looks like an identifier."""
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    kind = column_kind(series)
    if kind != "categorical":
        return "numerical" if kind == "numeric" else "datetime"
    distinct = series.nunique(dropna=True)
    if distinct > 50 and distinct > 0.9 * series.notna().sum():
        return None
    return "categorical"


def _prepare(frame: pd.DataFrame, sdtypes: Mapping[str, str]) -> pd.DataFrame:
    """The columns of ``sdtypes`` with datetime and numerical columns parsed as such."""
    out = pd.DataFrame(index=frame.index)
    for column, sdtype in sdtypes.items():
        values = frame[column]
        if sdtype == "datetime" and not pd.api.types.is_datetime64_any_dtype(values):
            values = pd.to_datetime(values, errors="coerce")
        elif sdtype == "numerical" and not pd.api.types.is_numeric_dtype(values):
            values = pd.to_numeric(values, errors="coerce")
        out[column] = values
    return out


def _table_sdtypes(
    real: pd.DataFrame, synthetic: pd.DataFrame, given: Mapping[str, str] | None, keep_keys: bool
) -> tuple[dict[str, str], list[str]]:
    """SDMetrics sdtypes of the usable columns, and the columns left out (with the reason)."""
    problems = []
    if given is not None:
        problems += [f"column {c!r} is not in the {name} rows" for name, frame in
                     (("real", real), ("synthetic", synthetic)) for c in given if c not in frame.columns]
        problems += [f"column {c!r}: unknown type {t!r}" for c, t in given.items()
                     if _KIND_TO_SDTYPE.get(t, t) not in _SDTYPES | {"identifier", "pii", "text"}]
    if problems:
        raise ValueError("cannot build SDMetrics metadata: " + "; ".join(problems))
    sdtypes: dict[str, str] = {}
    excluded: list[str] = []
    for column in real.columns:
        if column not in synthetic.columns:
            excluded.append(f"{column} (not in the synthetic rows)")
            continue
        if given is not None and column not in given:
            excluded.append(f"{column} (not in metadata_columns)")
            continue
        declared = given[column] if given is not None else None
        sdtype = _KIND_TO_SDTYPE.get(declared, declared) if declared else _infer_sdtype(real[column])
        if sdtype is None or sdtype not in _SDTYPES or (sdtype == "id" and not keep_keys):
            excluded.append(f"{column} ({sdtype or 'identifier-like text'})")
        else:
            sdtypes[column] = sdtype
    return sdtypes, excluded


def _sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    return frame if len(frame) <= n else frame.sample(n=n, random_state=seed)


def single_table_quality(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    metadata_columns: dict[str, str] | None = None,
    max_rows: int = 20_000,
    seed: int = 0,
) -> QualityResult:
    """SDMetrics quality report (column shapes, column pair trends) of one table.

    Args:
        real: real rows.
        synthetic: synthetic rows.
        metadata_columns: column -> SDMetrics sdtype or schema kind (``key``/``identifier`` columns
            and columns not listed are left out); default: inferred from dtypes, identifier-like text
            (over 90% distinct) left out.
        max_rows: real and synthetic rows are each sampled down to this many (pair trends cost
            O(columns^2 x rows)).
        seed: sampling seed.
    """
    sdtypes, excluded = _table_sdtypes(real, synthetic, metadata_columns, keep_keys=False)
    if not sdtypes:
        raise ValueError("no column to evaluate: every column is a key, an identifier or missing")
    real_s, syn_s = _sample(real, max_rows, seed), _sample(synthetic, max_rows, seed)
    metadata = {"tables": {_SINGLE: {"columns": {c: {"sdtype": t} for c, t in sdtypes.items()}}}}
    sampled = len(real_s) < len(real) or len(syn_s) < len(synthetic)
    note = (f"sampled to {len(real_s):,} of {len(real):,} real and {len(syn_s):,} of {len(synthetic):,} "
            f"synthetic rows (seed {seed})" if sampled else None)
    return _run_quality({_SINGLE: _prepare(real_s, sdtypes)}, {_SINGLE: _prepare(syn_s, sdtypes)},
                        metadata, excluded, sampled, note)


def _run_quality(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], metadata: dict,
                 excluded: list[str], sampled: bool, note: str | None) -> QualityResult:
    from sdmetrics.reports import QualityReport

    started = time.perf_counter()
    report = QualityReport()
    report.generate(real, synthetic, metadata, verbose=False)
    properties = _properties(report)
    multi = len(metadata["tables"]) > 1
    shapes = report.get_details("Column Shapes")
    pairs = report.get_details("Column Pair Trends")
    cardinality = report.get_details("Cardinality") if multi else pd.DataFrame()
    intertable = report.get_details("Intertable Trends") if multi else pd.DataFrame()
    return QualityResult(
        overall=float(report.get_score()),
        column_shapes=_num(properties.get("Column Shapes")),
        column_pair_trends=_num(properties.get("Column Pair Trends")),
        cardinality=_num(properties.get("Cardinality")),
        intertable_trends=_num(properties.get("Intertable Trends")),
        tables={t: _table_score(t, shapes, pairs, cardinality, intertable) for t in metadata["tables"]},
        columns=[ColumnScore(table=r["Table"], column=r["Column"], metric=r["Metric"], score=_num(r["Score"]))
                 for r in shapes.to_dict("records")],
        pairs=[_pair(r) for r in pairs.to_dict("records")],
        rows_real={t: len(f) for t, f in real.items()},
        rows_synthetic={t: len(f) for t, f in synthetic.items()},
        excluded_columns=excluded, sampled=sampled, note=note,
        seconds=time.perf_counter() - started,
    )


def _properties(report: Any) -> dict[str, float]:
    scores = report.get_properties()
    return dict(zip(scores["Property"], scores["Score"], strict=True))


def _pair(row: dict[str, Any]) -> PairScore:
    return PairScore(
        table=row["Table"], column_1=row["Column 1"], column_2=row["Column 2"], metric=row["Metric"],
        score=_num(row["Score"]), real_correlation=_num(row.get("Real Correlation")),
        synthetic_correlation=_num(row.get("Synthetic Correlation")),
        meets_threshold=_num(row.get("Meets Threshold?")) == 1.0,
    )


def _table_score(table: str, shapes: pd.DataFrame, pairs: pd.DataFrame, cardinality: pd.DataFrame,
                 intertable: pd.DataFrame) -> TableScore:
    return TableScore(
        column_shapes=_average(shapes, "Table", table),
        column_pair_trends=_average(pairs, "Table", table, contributing_only=True),
        cardinality=_average(cardinality, "Child Table", table),
        intertable_trends=_average(intertable, "Child Table", table, contributing_only=True),
    )


def _average(details: pd.DataFrame, by: str, table: str, contributing_only: bool = False) -> float | None:
    """Mean score of one table's rows (only those meeting the correlation threshold, if asked)."""
    if not len(details):
        return None
    rows = details[by] == table
    if contributing_only:
        rows &= details["Meets Threshold?"].astype("boolean").fillna(False)
    return _num(details.loc[rows, "Score"].mean()) if rows.any() else None


def _schema_metadata(
    real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame], schema: Schema
) -> tuple[dict, dict[str, pd.DataFrame], dict[str, pd.DataFrame], list[str]]:
    """SDMetrics multi-table metadata and frames holding exactly its columns (identifiers left out)."""
    problems = list(schema.problems())
    for name, table in schema.tables.items():
        for label, given in (("real", real), ("synthetic", synthetic)):
            if name not in given:
                problems.append(f"table {name!r} is missing from the {label} tables")
                continue
            missing = [c for c, col in table.columns.items() if c not in given[name].columns
                       and not col.synthetic_only and col.kind != "identifier"]
            if missing:
                problems.append(f"{label} table {name!r} lacks columns: {', '.join(missing)}")
    if problems:
        raise ValueError("cannot evaluate linked tables: " + "; ".join(problems))
    tables: dict[str, Any] = {}
    real_out: dict[str, pd.DataFrame] = {}
    synthetic_out: dict[str, pd.DataFrame] = {}
    excluded: list[str] = []
    for name, table in schema.tables.items():
        sdtypes = {c: _KIND_TO_SDTYPE[col.kind] for c, col in table.columns.items()
                   if col.kind in _KIND_TO_SDTYPE and not col.synthetic_only}
        excluded += [f"{name}.{c} ({col.kind})" for c, col in table.columns.items() if c not in sdtypes]
        tables[name] = {"columns": {c: {"sdtype": t} for c, t in sdtypes.items()}}
        if table.primary_key:
            tables[name]["primary_key"] = table.primary_key
        real_out[name] = _prepare(real[name], sdtypes)
        synthetic_out[name] = _prepare(synthetic[name], sdtypes)
    relationships = [
        {"parent_table_name": fk.parent, "parent_primary_key": fk.parent_column,
         "child_table_name": name, "child_foreign_key": fk.column}
        for name, table in schema.tables.items() for fk in table.foreign_keys
    ]
    return {"tables": tables, "relationships": relationships}, real_out, synthetic_out, excluded


def _subsample_linked(
    tables: Mapping[str, pd.DataFrame], schema: Schema, max_rows: int, seed: int
) -> dict[str, pd.DataFrame]:
    """Sample root tables, keep their descendants' rows: no orphan is created.

    Roots referenced by a second foreign key (e.g. products from order items) stay whole.
    """
    largest = max(len(f) for f in tables.values())
    fraction = min(1.0, max_rows / largest) if largest else 1.0
    referenced = {fk.parent for t in schema.tables.values() for fk in t.references()}
    out: dict[str, pd.DataFrame] = {}
    for name in schema.order():
        frame = tables[name]
        fk = schema.parent_of(name)
        if fk is None and name not in referenced and fraction < 1.0:
            frame = frame.sample(frac=fraction, random_state=seed)
        elif fk is not None and len(out[fk.parent]) < len(tables[fk.parent]):
            frame = frame[frame[fk.column].isin(out[fk.parent][fk.parent_column])]
        out[name] = frame
    return out


def multi_table_quality(
    real_tables: Mapping[str, pd.DataFrame],
    synthetic_tables: Mapping[str, pd.DataFrame],
    schema: Schema,
    max_rows: int = 50_000,
    seed: int = 0,
) -> QualityResult:
    """SDMetrics multi-table quality (shapes, pair trends, cardinality, intertable trends) per table.

    When the largest table has more than ``max_rows`` rows, root tables are sampled in proportion
    and only their descendants kept (real and synthetic alike), so relationships stay whole.
    """
    metadata, real, synthetic, excluded = _schema_metadata(real_tables, synthetic_tables, schema)
    real_s = _subsample_linked(real, schema, max_rows, seed)
    syn_s = _subsample_linked(synthetic, schema, max_rows, seed)
    sampled = any(len(real_s[t]) < len(real[t]) or len(syn_s[t]) < len(synthetic[t]) for t in real)
    note = (f"root tables sampled so that the largest table has about {max_rows:,} rows (seed {seed}); "
            "descendant rows of the sampled roots kept" if sampled else None)
    return _run_quality(real_s, syn_s, metadata, excluded, sampled, note)


def diagnostic(
    real: pd.DataFrame | Mapping[str, pd.DataFrame],
    synthetic: pd.DataFrame | Mapping[str, pd.DataFrame],
    schema: Schema | None = None,
    metadata_columns: dict[str, str] | None = None,
    primary_key: str | None = None,
) -> DiagnosticResult:
    """SDMetrics diagnostic report: data validity, structure, and (linked tables) referential integrity.

    Pass one table as DataFrames (``metadata_columns`` and ``primary_key`` optional), or linked tables
    as dicts with their ``schema``.
    """
    from sdmetrics.reports import DiagnosticReport

    if isinstance(real, pd.DataFrame) and isinstance(synthetic, pd.DataFrame):
        metadata, real_d, syn_d, excluded = _single_metadata(real, synthetic, metadata_columns, primary_key)
    elif not isinstance(real, pd.DataFrame) and not isinstance(synthetic, pd.DataFrame):
        if schema is None:
            raise ValueError("linked tables need their schema")
        metadata, real_d, syn_d, excluded = _schema_metadata(real, synthetic, schema)
    else:
        raise ValueError("pass real and synthetic both as DataFrames or both as dicts of tables")
    report = DiagnosticReport()
    report.generate(real_d, syn_d, metadata, verbose=False)
    properties = _properties(report)
    validity = report.get_details("Data Validity")
    relations = report.get_details("Relationship Validity") if len(metadata["tables"]) > 1 else pd.DataFrame()
    return DiagnosticResult(
        overall=float(report.get_score()),
        data_validity=_num(properties.get("Data Validity")),
        data_structure=_num(properties.get("Data Structure")),
        relationship_validity=_num(properties.get("Relationship Validity")),
        columns=[ColumnScore(table=r["Table"], column=r["Column"], metric=r["Metric"], score=_num(r["Score"]))
                 for r in validity.to_dict("records")],
        relationships=[RelationshipScore(parent=r["Parent Table"], child=r["Child Table"],
                                         foreign_key=str(r["Foreign Key"]), metric=r["Metric"],
                                         score=_num(r["Score"])) for r in relations.to_dict("records")],
        excluded_columns=excluded,
    )


def _single_metadata(
    real: pd.DataFrame, synthetic: pd.DataFrame, given: dict[str, str] | None, primary_key: str | None
) -> tuple[dict, dict[str, pd.DataFrame], dict[str, pd.DataFrame], list[str]]:
    """SDMetrics metadata of one table (keys kept) and frames holding exactly its columns."""
    sdtypes, excluded = _table_sdtypes(real, synthetic, given, keep_keys=True)
    table: dict[str, Any] = {"columns": {}}
    if primary_key is not None:
        if primary_key not in real.columns or primary_key not in synthetic.columns:
            raise ValueError(f"primary key {primary_key!r} must be a column of the real and synthetic rows")
        sdtypes[primary_key] = "id"
        excluded = [e for e in excluded if not e.startswith(f"{primary_key} (")]
        table["primary_key"] = primary_key
    table["columns"] = {c: {"sdtype": t} for c, t in sdtypes.items()}
    return ({"tables": {_SINGLE: table}}, {_SINGLE: _prepare(real, sdtypes)},
            {_SINGLE: _prepare(synthetic, sdtypes)}, excluded)


def correlation_difference(
    real: pd.DataFrame, synthetic: pd.DataFrame, method: Literal["pearson", "spearman"] = "pearson"
) -> pd.DataFrame:
    """Synthetic minus real correlation of every numeric, boolean and datetime column pair (a heatmap).

    Columns are those numeric in the real rows and present in the synthetic ones; NaN where a column is
    constant.
    """
    numeric = numeric_frame(real)
    columns = [c for c in numeric.columns if c in synthetic.columns]
    if len(columns) < 2:
        raise ValueError("correlations need at least two numeric, boolean or datetime columns in both frames")
    real_corr = numeric[columns].corr(method=method)
    synthetic_numeric = numeric_frame(synthetic[columns])
    synthetic_corr = synthetic_numeric.reindex(columns=columns).corr(method=method)
    return synthetic_corr - real_corr
