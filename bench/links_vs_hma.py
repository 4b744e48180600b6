"""Linked exports whose keys and links are found from values: cart beside SDV HMASynthesizer in the same run.

Schemas: Northwind whole (11 tables: text keys such as ALFKI, a composite key, the hierarchy
employees.reportsTo, ``shipVia`` -> ``shipperID``, NULL written as text) and its orders part (orders ->
order_details <- products, two levels, within what HMA accepts); a sales CRM linked by names and a retail
export three levels deep (customers -> invoices -> lines) and its two-level part, both built from real Olist
rows by ``tests/links_support.py``. For each: the product ingests the export (``--accept-proposed``) to find
keys and links from values; the raw rows (quasi-identifiers as they are, direct identifiers and free text
left out as the catalog says; dirty references dropped, as HMA needs) are split by the root of the largest
table's tree, ``HOLDOUT`` of its rows and their descendants held out (tables outside that tree are whole on
both sides); both generators fit the rest and sample as many rows; SDV's own ``evaluate_quality`` scores
each synthetic dataset against the held-out rows; referential integrity (every foreign key) and time beside
it. HMA does not model a table's reference into itself: its hierarchy column is left out of HMA's input.

Run: ``python bench/links_vs_hma.py [--schemas northwind,northwind2,sales,retail2,retail3]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_data import DATA  # noqa: E402
from bench.bench_generators import _sdv_metadata, run_ours, table  # noqa: E402
from generators.schema import Schema  # noqa: E402

HOLDOUT = 0.3
NORTHWIND2 = ("orders", "order_details", "products")


def _export(name: str, folder: Path) -> Path:
    from tests import links_support

    if name.startswith("northwind"):
        for src in sorted((DATA / "northwind").glob("*.csv")):
            (folder / src.name).write_bytes(src.read_bytes())
    elif name == "sales":
        links_support.sales_crm(folder)
    else:
        links_support.retail(folder)
        if name == "retail2":
            (folder / "customers.csv").unlink()
    return folder


def _read(path: Path, schema: Schema, name: str) -> pd.DataFrame:
    spec = schema.tables[name]
    kinds = {c: s.kind for c, s in spec.columns.items() if not s.synthetic_only and s.kind != "identifier"}
    df = pd.read_csv(path, na_values=["NULL", "\\N"], dtype={c: "string" for c, k in kinds.items() if k == "key"})
    df = df[list(kinds)]
    for c, kind in kinds.items():
        if kind == "datetime":
            df[c] = pd.to_datetime(df[c], errors="coerce", format="mixed")
        elif kind == "numerical":
            df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def _inferred(folder: Path, source: str) -> tuple[dict[str, pd.DataFrame], Schema, float]:
    """The product's keys and links for the export in ``folder``, and its raw rows with those columns."""
    from sandbox.catalog import store as catalog_store
    from sandbox.release.schema_bridge import generator_schema
    from sandbox.vault.ingest import ingest
    from sandbox.vault.sources import resolve
    from sandbox.workspace import Workspace
    from tests.conftest import STEWARD

    ws = Workspace(folder.parent / "ws")
    started = time.perf_counter()
    ingest(ws, STEWARD, [folder], source, accept_proposed=True)
    seconds = time.perf_counter() - started
    schema = generator_schema(catalog_store.latest(ws, source))
    for spec in schema.tables.values():  # fakes the product adds are not learned: neither generator gets them
        spec.columns = {c: s for c, s in spec.columns.items() if not s.synthetic_only and s.kind != "identifier"}
    files = {t.name: t.path for t in resolve([folder])}
    frames = {name: _read(files[name], schema, name) for name in schema.tables}
    if source == "northwind2":
        schema, frames = _part(schema, frames, NORTHWIND2)
    for name in schema.order():  # dirty references dropped for both generators (HMA refuses them)
        spec = schema.tables[name]
        for fk in spec.foreign_keys:
            df = frames[name]
            frames[name] = df[df[fk.column].isna() | df[fk.column].isin(frames[fk.parent][fk.parent_column])]
        for ref in spec.self_references:
            df = frames[name]
            df.loc[~df[ref.column].isin(df[ref.parent_column]), ref.column] = pd.NA
    return frames, schema, seconds


def _part(schema: Schema, frames: dict[str, pd.DataFrame], keep: tuple[str, ...]
          ) -> tuple[Schema, dict[str, pd.DataFrame]]:
    """Only ``keep`` tables; references to others left out (columns and links)."""
    part = schema.model_copy(deep=True)
    part.tables = {t: part.tables[t] for t in keep}
    for name, spec in part.tables.items():
        gone = [fk.column for fk in spec.foreign_keys if fk.parent not in keep]
        spec.foreign_keys = [fk for fk in spec.foreign_keys if fk.parent in keep]
        spec.columns = {c: s for c, s in spec.columns.items() if c not in gone}
        frames[name] = frames[name].drop(columns=gone)
    return part, {t: frames[t] for t in keep}


def _split(frames: dict[str, pd.DataFrame], schema: Schema) -> tuple[dict, dict]:
    """Hold out ``HOLDOUT`` of the root rows of the largest table's tree with their descendants (first links)."""
    largest = max(frames, key=lambda t: len(frames[t]))
    root = largest
    while (fk := schema.parent_of(root)) is not None:
        root = fk.parent
    rng = np.random.default_rng(0)
    keep = {root: rng.random(len(frames[root])) >= HOLDOUT}
    for name in schema.order():
        fk = schema.parent_of(name)
        if fk is not None and fk.parent in keep:
            parent = frames[fk.parent]
            train_keys = set(parent.loc[keep[fk.parent], fk.parent_column])
            keep[name] = frames[name][fk.column].isin(train_keys).to_numpy()
    train = {t: f[keep[t]].reset_index(drop=True) if t in keep else f for t, f in frames.items()}
    holdout = {t: f[~keep[t]].reset_index(drop=True) if t in keep else f for t, f in frames.items()}
    return train, holdout


def _for_hma(frames: dict[str, pd.DataFrame], schema: Schema) -> tuple[dict[str, pd.DataFrame], Schema]:
    """HMA's input: the same rows without hierarchy columns (HMA has no reference of a table into itself)."""
    plain = schema.model_copy(deep=True)
    out = dict(frames)
    for name, spec in plain.tables.items():
        for ref in spec.self_references:
            spec.columns.pop(ref.column, None)
            out[name] = out[name].drop(columns=[ref.column])
        spec.self_references = []
    return out, plain


def _hma(train: dict[str, pd.DataFrame], schema: Schema) -> tuple[dict[str, pd.DataFrame], float, float]:
    from sdv.multi_table import HMASynthesizer

    tables, plain = _for_hma(train, schema)
    started = time.perf_counter()
    synth = HMASynthesizer(_sdv_metadata(tables, plain), verbose=False)
    synth.fit(dict(tables))
    fitted = time.perf_counter()
    out = synth.sample_scale(scale=1.0)
    return out, fitted - started, time.perf_counter() - fitted


def _integrity(synthetic: dict[str, pd.DataFrame], schema: Schema) -> float:
    """Share of synthetic references (every foreign key) that resolve to a parent row."""
    hits = total = 0
    for name, spec in schema.tables.items():
        for fk in spec.foreign_keys:
            values = synthetic[name][fk.column].dropna().astype(str)
            hits += int(values.isin(synthetic[fk.parent][fk.parent_column].astype(str)).sum())
            total += len(values)
    return hits / total if total else 1.0


def _tree_ok(synthetic: dict[str, pd.DataFrame], schema: Schema) -> str:
    """For hierarchies: every reference resolves inside its table and no chain of references comes back."""
    out = []
    for name, spec in schema.tables.items():
        for ref in spec.self_references:
            if ref.column not in synthetic[name]:
                out.append(f"{name}.{ref.column} not generated")
                continue
            keys = [_text(k) for k in synthetic[name][ref.parent_column]]
            up = {k: _text(v) for k, v in zip(keys, synthetic[name][ref.column], strict=True) if pd.notna(v)}
            resolves = set(up.values()) <= set(keys)
            out.append(f"{name}.{ref.column}: {'tree' if resolves and not _cycle(up) else 'broken'}")
    return "; ".join(out) or "-"


def _text(value: object) -> str:
    """A key as text: 11.0 (an integer column with gaps read as floats) is 11."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _cycle(up: dict[str, str]) -> bool:
    for start in up:
        seen, row = set(), start
        while row in up:
            if row in seen:
                return True
            seen.add(row)
            row = up[row]
    return False


def _sdv_quality(holdout: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], schema: Schema) -> float:
    from sdv.evaluation import evaluate_quality

    real, plain = _for_hma(holdout, schema)
    syn = {}
    for t, f in real.items():
        frame = synthetic[t][list(f.columns)].copy()
        for c in frame.columns:
            if plain.tables[t].columns[c].kind == "key":
                frame[c] = frame[c].astype("string")
        syn[t] = frame
    real = {t: f.reset_index(drop=True) for t, f in real.items()}
    return float(evaluate_quality(real, syn, _sdv_metadata(real, plain), verbose=False).get_score())


def _depth(schema: Schema, name: str) -> int:
    depth = 1
    while (fk := schema.parent_of(name)) is not None:
        depth, name = depth + 1, fk.parent
    return depth


_WARM: set[str] = set()  # generators run once untimed: one-time imports and setup are charged to neither side


def _fit_sample(label: str, train: dict[str, pd.DataFrame], schema: Schema) -> tuple[dict[str, pd.DataFrame], float,
                                                                                       float]:
    if label == "cart":
        run = run_ours("cart", train, schema, None)
        return run.synthetic, run.fit_s, run.sample_s
    return _hma(train, schema)


def bench(name: str) -> list[list[object]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        folder.mkdir()
        frames, schema, ingest_s = _inferred(_export(name, folder), name)
    links = ", ".join(f"{t}.{fk.column}->{fk.parent}.{fk.parent_column}"
                      for t, s in schema.tables.items() for fk in s.foreign_keys + s.self_references)
    depth = max(_depth(schema, t) for t in schema.tables)
    print(f"\n## {name}: {len(schema.tables)} tables, {depth} levels, {sum(len(f) for f in frames.values())} rows; "
          f"keys and links inferred by ingest in {ingest_s:.1f} s: {links}", flush=True)
    train, holdout = _split(frames, schema)
    rows: list[list[object]] = []
    for label in ("cart", "sdv HMASynthesizer"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if label not in _WARM:
                    _fit_sample(label, train, schema)
                    _WARM.add(label)
                synthetic, fit_s, sample_s = _fit_sample(label, train, schema)
            except Exception as exc:  # HMA refuses some schemas: the bench says so and goes on
                rows.append([name, label, None, None, None, None, None, f"refused: {str(exc).splitlines()[0][:90]}"])
                print(f"{label}: {rows[-1][-1]}", flush=True)
                continue
            quality = _sdv_quality(holdout, synthetic, schema)
        rows.append([name, label, quality, _integrity(synthetic, schema), fit_s, sample_s, fit_s + sample_s,
                     _tree_ok(synthetic, schema) if label == "cart" else "hierarchy not modelled"
                     if any(s.self_references for s in schema.tables.values()) else "-"])
        print(f"{label}: quality {quality:.3f}, {fit_s + sample_s:.1f} s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", default="northwind,northwind2,sales,retail2,retail3")
    args = parser.parse_args()
    rows = [r for s in args.schemas.split(",") for r in bench(s)]
    print("\n" + table(["schema", "generator", "SDV quality (holdout)", "RI", "fit s", "sample s", "total s",
                        "notes"], rows))
    for s in dict.fromkeys(r[0] for r in rows):
        cart, hma = ([r for r in rows if r[0] == s and r[1] == g] for g in ("cart", "sdv HMASynthesizer"))
        if cart and hma and isinstance(hma[0][6], float) and isinstance(cart[0][6], float) and cart[0][6]:
            print(f"{s}: cart {hma[0][6] / cart[0][6]:.1f}x faster than HMA, quality {cart[0][2]:.3f} vs "
                  f"{hma[0][2]:.3f}")


if __name__ == "__main__":
    main()
