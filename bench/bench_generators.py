"""Benchmark every registered generator, side by side with plain SDV GaussianCopula, on the shared data.

Single tables (Bank Marketing, Telco; and, as tables the defaults were not tuned on, Olist's lead funnel
and its orders flattened to one table): a 50/50 train/holdout split; as many synthetic rows as holdout
rows; quality, segment fidelity and privacy scored against the holdout with ``sandbox.release.evaluation``.
Linked tables (Olist): fit on every table, multi-table quality, referential integrity, KS distance of
children per parent; SDV HMASynthesizer against cart on customers -> orders. Last, sampling throughput
of a fitted single-table cart model into DuckDB, with peak memory, in a fresh process.

Run: ``python bench/bench_generators.py --datasets bank,telco,funnel,orders,olist,sequences [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_data import (  # noqa: E402
    SPLIT_SEED,
    load_bank,
    load_funnel,
    load_olist,
    load_orders,
    load_telco,
    split,
)
from generators import registry  # noqa: E402
from generators.base import Generator  # noqa: E402
from generators.schema import Schema  # noqa: E402

# ------------------------------------------------------------------------------------ generators


@dataclass
class Run:
    """A fitted-and-sampled generator with its timings."""

    synthetic: dict[str, pd.DataFrame]
    fit_s: float
    sample_s: float


def run_ours(name: str, tables: Mapping[str, pd.DataFrame], schema: Schema, rows: int | None,
             seed: int = 0, **settings: object) -> Run:
    start = time.perf_counter()
    model = registry.create(name, seed=seed, **settings).fit(tables, schema)
    fitted = time.perf_counter()
    synthetic = model.sample_frames(rows=rows)
    return Run(synthetic, fitted - start, time.perf_counter() - fitted)


def _sdv_metadata(tables: Mapping[str, pd.DataFrame], schema: Schema) -> object:
    from sdv.metadata import Metadata

    sdtypes = {"numerical": "numerical", "categorical": "categorical", "datetime": "datetime",
               "boolean": "boolean", "key": "id", "identifier": "id"}
    meta: dict = {"tables": {}, "relationships": []}
    for name, spec in schema.tables.items():
        cols = {c: {"sdtype": sdtypes[s.kind]} for c, s in spec.columns.items() if c in tables[name]}
        meta["tables"][name] = {"columns": cols}
        if spec.primary_key:
            meta["tables"][name]["primary_key"] = spec.primary_key
        meta["relationships"] += [
            {"parent_table_name": fk.parent, "parent_primary_key": fk.parent_column,
             "child_table_name": name, "child_foreign_key": fk.column} for fk in spec.foreign_keys]
    return Metadata.load_from_dict(meta)


def run_sdv_copula(df: pd.DataFrame, schema: Schema, rows: int) -> Run:
    """Plain SDV GaussianCopulaSynthesizer, used directly (not through our interface)."""
    from sdv.single_table import GaussianCopulaSynthesizer

    (name,) = schema.tables
    start = time.perf_counter()
    synth = GaussianCopulaSynthesizer(_sdv_metadata({name: df}, schema))
    synth.fit({name: df})
    fitted = time.perf_counter()
    out = synth.sample(rows)
    out = out[name] if isinstance(out, dict) else out
    return Run({name: out}, fitted - start, time.perf_counter() - fitted)


def run_hma(tables: Mapping[str, pd.DataFrame], schema: Schema) -> Run:
    from sdv.multi_table import HMASynthesizer

    start = time.perf_counter()
    synth = HMASynthesizer(_sdv_metadata(tables, schema), verbose=False)
    synth.fit(dict(tables))
    fitted = time.perf_counter()
    (root,) = schema.roots()
    out = synth.sample(num_rows=len(tables[root]), main_table_name=root)
    return Run(out, fitted - start, time.perf_counter() - fitted)


# --------------------------------------------------------------------------------------- metrics


def single_scores(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema,
                  target: str) -> dict[str, float | None]:
    from sandbox.release.evaluation.fidelity import segment_fidelity
    from sandbox.release.evaluation.privacy import distance_to_closest_records
    from sandbox.release.evaluation.quality import single_table_quality

    (spec,) = schema.tables.values()
    cols = [c for c, s in spec.columns.items() if s.kind not in ("key", "identifier")]
    quality = single_table_quality(holdout[cols], synthetic[cols], {c: spec.columns[c].kind for c in cols})
    fidelity = segment_fidelity(holdout[cols], synthetic[cols], target)
    privacy = distance_to_closest_records(train[cols], holdout[cols], synthetic[cols])
    return {"quality": quality.overall, "sign": fidelity.sign_agreement, "rank": fidelity.rank_correlation,
            "dcr": privacy.dcr_share, "id_train": privacy.identical_match_share_train,
            "id_holdout": privacy.identical_match_share_holdout}


def referential_integrity(synthetic: Mapping[str, pd.DataFrame], schema: Schema) -> float:
    """Share of foreign key values (over every foreign key) that resolve to a parent row."""
    hits = total = 0
    for name, spec in schema.tables.items():
        for fk in spec.foreign_keys:
            values = synthetic[name][fk.column]
            hits += int(values.isin(synthetic[fk.parent][fk.parent_column]).sum())
            total += len(values)
    return hits / total if total else 1.0


def children_ks(real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame],
                schema: Schema) -> dict[str, float]:
    """KS distance of the number of children per parent row, per foreign key."""
    from scipy.stats import ks_2samp

    out = {}
    for name, spec in schema.tables.items():
        for fk in spec.foreign_keys:
            per_parent = [
                t[fk.parent][fk.parent_column].map(t[name][fk.column].value_counts()).fillna(0).to_numpy()
                for t in (real, synthetic)]
            out[f"{name}.{fk.column}"] = float(ks_2samp(*per_parent).statistic)
    return out


# ----------------------------------------------------------------------------------------- output


def table(header: list[str], rows: list[list[object]]) -> str:
    def fmt(v: object) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4f}" if abs(v) < 1 else f"{v:.1f}"
        return str(v)

    cells = [header] + [[fmt(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ parts


def bench_single(name: str, loader: Callable[[], tuple[pd.DataFrame, Schema, str]], quick: bool,
                 seeds: int) -> None:
    """Every generator once (seed 0), the default with the declared target as its focus over ``seeds`` seeds,
    and plain SDV GaussianCopula."""
    df, schema, target = loader()
    if quick:
        df = df.sample(n=min(len(df), 8000), random_state=SPLIT_SEED)
    train, holdout = split(df)
    (tname,) = schema.tables
    print(f"\n## {name}: {len(train):,} train / {len(holdout):,} holdout rows, target {target}")
    rows = []
    runs: dict[str, Callable[[], Run]] = {
        g: (lambda g=g: run_ours(g, {tname: train}, schema, len(holdout))) for g in registry.names()}
    default = registry.create(registry.DEFAULT)
    if default.accepts_focus:  # what the product does when the catalog declares the target
        for seed in range(seeds):
            runs[f"{registry.DEFAULT} focus={target} seed {seed}"] = (
                lambda seed=seed: run_ours(registry.DEFAULT, {tname: train}, schema, len(holdout), seed=seed,
                                           focus=[target]))
    runs["sdv GaussianCopula (direct)"] = lambda: run_sdv_copula(train, schema, len(holdout))
    for label, run in runs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run()
        scores = single_scores(train, holdout, result.synthetic[tname], schema, target)
        rows.append([label, *scores.values(), result.fit_s, result.sample_s])
    print(table(["generator", "quality", "sign agreement", "rank corr", "DCR share", "identical train",
                 "identical holdout", "fit s", "sample s"], rows))
    focused = [r for r in rows if " focus=" in str(r[0])]
    if len(focused) > 1:
        cols = np.array([r[1:5] for r in focused], dtype=float)
        print(f"{registry.DEFAULT} focus={target} over {len(focused)} seeds: "
              + ", ".join(f"{k} mean {m:.4f} min {lo:.4f} max {hi:.4f}" for k, m, lo, hi in zip(
                  ("quality", "sign", "rank", "DCR"), cols.mean(0), cols.min(0), cols.max(0), strict=True)))


def bench_olist(quick: bool) -> None:
    from sandbox.release.evaluation.quality import multi_table_quality

    tables, schema = load_olist()
    print(f"\n## olist: {', '.join(f'{t} {len(f):,}' for t, f in tables.items())} rows")
    rows = []
    for g in registry.names():
        result = run_ours(g, tables, schema, None)
        quality = multi_table_quality(tables, result.synthetic, schema)
        ks = children_ks(tables, result.synthetic, schema)
        worst = max(ks, key=ks.get)
        rows.append([g, quality.overall, referential_integrity(result.synthetic, schema), ks[worst], worst,
                     result.fit_s, result.sample_s])
    print(table(["generator", "multi-table quality", "RI", "max KS children/parent", "where",
                 "fit s", "sample s"], rows))
    if "cart" in registry.names():
        ks = children_ks(tables, run_ours("cart", tables, schema, None).synthetic, schema)
        print("cart KS children per parent: " + ", ".join(f"{k} {v:.4f}" for k, v in ks.items()))
    bench_hma(tables, schema, quick)


def bench_hma(tables: dict[str, pd.DataFrame], schema: Schema, quick: bool) -> None:
    from sandbox.release.evaluation.quality import multi_table_quality

    sub = Schema(tables={t: schema.tables[t] for t in ("customers", "orders")})
    n = 1500 if quick else 3000
    customers = tables["customers"].sample(n=n, random_state=SPLIT_SEED)
    pair = {"customers": customers,
            "orders": tables["orders"][tables["orders"]["customer_id"].isin(customers["customer_id"])]}
    full = {t: tables[t] for t in ("customers", "orders")}
    print(f"\n## customers -> orders: SDV HMASynthesizer vs cart ({n:,} sampled customers; "
          "HMA on all 15,000 took 73 s fit + 251 s sample when measured, so it is re-run on a sample)")
    rows = []
    for label, data, runner in (
        ("sdv HMASynthesizer", pair, lambda d: run_hma(d, sub)),
        ("cart", pair, lambda d: run_ours("cart", d, sub, None)),
        ("cart (all 15,000)", full, lambda d: run_ours("cart", d, sub, None)),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = runner(data)
        quality = multi_table_quality(data, result.synthetic, sub)
        rows.append([label, quality.overall, referential_integrity(result.synthetic, sub),
                     result.fit_s, result.sample_s, result.fit_s + result.sample_s])
    print(table(["generator", "multi-table quality", "RI", "fit s", "sample s", "total s"], rows))
    hma, cart = rows[0], rows[1]
    print(f"speed-up of cart over HMA on the same sample: {hma[5] / cart[5]:.1f}x")


def bench_sequences(customers: int) -> None:
    """Event sequences through the product (demo CRM: customers -> deals -> interactions, ingested, fitted
    on the training split): events per deal, gaps between a deal's events, channel mix, time order."""
    from scipy.stats import ks_2samp

    from generators.demo_crm import write_demo_crm
    from sandbox.governance.access import User
    from sandbox.release.datasets import open_dataset
    from sandbox.release.synthesize import synthesize
    from sandbox.vault.ingest import ingest
    from sandbox.vault.snapshots import latest_snapshot, open_snapshot, read_split
    from sandbox.workspace import Workspace

    steward = User(name="bench", role="steward")

    def gaps(events: pd.DataFrame, order: list[str]) -> np.ndarray:
        events = events.sort_values(order)
        stamps = pd.to_datetime(events["occurred_at"]).astype("int64").to_numpy() / 1e9
        same = events["deal_id"].to_numpy()[1:] == events["deal_id"].to_numpy()[:-1]
        return np.diff(stamps)[same]

    def shape(deals: pd.DataFrame, events: pd.DataFrame) -> dict[str, np.ndarray | pd.Series | float]:
        per_deal = deals["deal_id"].map(events["deal_id"].value_counts()).fillna(0).to_numpy()
        # real keys are pseudonyms (no order): gaps between a deal's events in time order; for synthetic
        # rows also whether key order (the order they were generated in) is time order
        return {"per_deal": per_deal, "gaps": np.log1p(gaps(events, ["deal_id", "occurred_at"])),
                "ordered": float((gaps(events, ["deal_id", "interaction_id"]) >= 0).mean()),
                "channels": events["channel"].value_counts(normalize=True),
                "hours": pd.to_datetime(events["occurred_at"]).dt.hour.value_counts(normalize=True)}

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_crm(Path(tmp) / "export", customers=customers, seed=0)
        ws = Workspace(Path(tmp) / "ws")
        ingest(ws, steward, [Path(tmp) / "export"], "demo", accept_proposed=True)
        with open_snapshot(ws, steward, latest_snapshot(ws, steward, "demo").id) as con:
            real = shape(read_split(con, "deals", holdout=False), read_split(con, "interactions", holdout=False))
        print(f"\n## event sequences: demo CRM, {customers:,} customers (interactions per deal, ordered in time)")
        rows = []
        for g in registry.names():
            start = time.perf_counter()
            info = synthesize(ws, steward, "demo", generator=g, seed=0)
            seconds = time.perf_counter() - start
            with open_dataset(ws, steward, info.id) as con:
                syn = shape(con.table("deals").df(), con.table("interactions").df())
            tvd = 0.5 * real["channels"].sub(syn["channels"], fill_value=0).abs().sum()
            hours = 0.5 * real["hours"].sub(syn["hours"], fill_value=0).abs().sum()
            rows.append([g, float(ks_2samp(real["per_deal"], syn["per_deal"]).statistic),
                         float(ks_2samp(real["gaps"], syn["gaps"]).statistic), float(tvd), float(hours),
                         syn["ordered"], seconds])
    print(table(["generator", "KS events per deal", "KS log gap", "channel mix TVD", "hour of day TVD",
                 "key order = time order", "fit + sample s"], rows))


def bench_throughput(rows: int) -> None:
    df, schema, _ = load_bank()
    train, _ = split(df)
    model = registry.create("cart", seed=0).fit({"contacts": train}, schema)
    print(f"\n## sampling throughput (cart, Bank Marketing model, {len(train.columns)} columns, fresh process each)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.pkl"
        model.save(path)
        for n, where in ((min(rows, 1_000_000), "none"), (min(rows, 1_000_000), "file"), (rows, "file")):
            cmd = [sys.executable, __file__, "--stream", str(path), str(n), where if where == "none" else tmp]
            out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            what = ("generated (Arrow batches, no DuckDB)" if where == "none"
                    else "written into a DuckDB file by sandbox.release.synthesize.write_batches")
            print(f"{out['rows']:,} rows {what} in {out['seconds']:.1f} s = "
                  f"{out['rows'] / out['seconds']:,.0f} rows/s; peak RSS {out['peak_mb']:,.0f} MB "
                  f"({out['start_mb']:,.0f} MB after imports and loading the model)")


def stream(path: str, rows: int, where: str) -> None:
    """Child process: load a model, stream ``rows`` rows (into DuckDB unless ``where`` is "none").

    The product's writer inserts each batch while the generator's threads make the next ones, so at
    most a few batches are ever in memory.
    """
    from sandbox.release.synthesize import write_batches

    def mb() -> float:
        """Peak resident memory of this process (VmHWM: ru_maxrss would include the parent's, kept over exec)."""
        try:
            status = Path("/proc/self/status").read_text()
            return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
        except (OSError, StopIteration):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    model = Generator.load(path)
    (table,) = model.schema.tables
    start_mb = mb()
    start = time.perf_counter()
    if where == "none":
        written = sum(batch.num_rows for _, batch in model.sample(rows=rows))
    else:
        written = write_batches(Path(where) / "out.duckdb", model.sample(rows=rows), rows, table)[table]
    print(json.dumps({"rows": written, "seconds": time.perf_counter() - start, "peak_mb": mb(),
                      "start_mb": start_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="bank,telco,funnel,orders,olist,sequences",
                        help="comma-separated: bank, telco, funnel, orders, olist, sequences")
    parser.add_argument("--quick", action="store_true", help="smaller samples; 1M rows for throughput")
    parser.add_argument("--rows", type=int, default=None,
                        help="rows for the throughput run (default 10M, 1M with --quick; 0 skips it)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the focused default generator (default 3)")
    parser.add_argument("--stream", nargs=3, metavar=("MODEL", "ROWS", "WHERE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream:
        stream(args.stream[0], int(args.stream[1]), args.stream[2])
        return
    print(f"generators: {', '.join(registry.names())} (default {registry.DEFAULT}); "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    wanted = [d.strip() for d in args.datasets.split(",") if d.strip()]
    loaders = {"bank": ("Bank Marketing", load_bank), "telco": ("Telco churn", load_telco),
               "funnel": ("Olist marketing funnel (generality)", load_funnel),
               "orders": ("Olist orders, one table (generality)", load_orders)}
    for name in wanted:
        if name in loaders:
            bench_single(*loaders[name], args.quick, args.seeds)
        elif name == "olist":
            bench_olist(args.quick)
        elif name == "sequences":
            bench_sequences(3000 if args.quick else 10_000)
        else:
            parser.error(f"unknown dataset {name!r}; choose from bank, telco, funnel, orders, olist, sequences")
    rows = args.rows if args.rows is not None else 1_000_000 if args.quick else 10_000_000
    if rows:
        bench_throughput(rows)


if __name__ == "__main__":
    main()
