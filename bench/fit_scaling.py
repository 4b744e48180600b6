"""Fit time of the CART generator against training size, beside SDV GaussianCopula, with quality and fidelity.

Demo CRM (customers with their deals, interactions and tickets; the schema the product derives when it
ingests the demo) and UCI Bank Marketing, at 20k, 200k and 1M root rows. Bank has 41,188 rows: 10,000 are
the holdout, the training rows are drawn from the other 31,188 (with replacement beyond that, so at 200k and
1M Bank measures time on real columns, not what more people would teach). The demo's holdout is 20,000
customers made with another seed. Each generator samples as many root rows as the holdout has; quality
(SDMetrics' overall score) and hypothesis fidelity (sign agreement and rank correlation of segment effects
on the target: deals.stage=won, y=yes) are scored against the holdout with ``sandbox.release.evaluation``, as the
gate does.

``cart`` is the default generator (trees grown on at most 250,000 rows, logistic models on at most 100,000,
donors from every row; 2 threads on this machine); ``cart-all`` is the same with no caps (tree_rows=0,
logit_rows=0), run up to ``--uncapped`` root rows, to show what the caps cost; ``copula`` is SDV's
GaussianCopulaSynthesizer through ``generators.sdv_copula``, run up to ``--copula`` training rows. ``fit s``
is wall time, ``cpu s`` the process's CPU time over all threads (the machine is shared: wall time under load
says little, CPU time divided by the free cores says what an idle machine takes).

Run: .venv/bin/python bench/fit_scaling.py [--sizes 20000,200000,1000000] [--datasets demo,bank]
     [--uncapped 200000] [--copula 500000] [--out bench/results/fit-scaling-DATE.txt]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generators import registry  # noqa: E402
from generators.schema import Schema  # noqa: E402

DATA = Path(os.environ.get("CRM_DATASETS", ROOT.parent / "shared" / "datasets"))
DEMO_HOLDOUT, BANK_HOLDOUT = 20_000, 10_000


def demo_schema() -> Schema:
    """The generator schema the product derives from the demo CRM's catalog (a small ingest)."""
    from generators.demo_crm import write_demo_crm
    from sandbox.catalog.model import Catalog
    from sandbox.governance.access import User
    from sandbox.release.schema_bridge import generator_schema
    from sandbox.vault.ingest import ingest
    from sandbox.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        write_demo_crm(Path(tmp) / "csv", customers=500, seed=3)
        ingest(ws, User(name="bench", role="steward"), [str(Path(tmp) / "csv")], "demo_crm",
               accept_proposed=True, target="deals.stage=won")
        with ws.governance() as g:
            row = g.execute("SELECT catalog FROM catalogs WHERE source = 'demo_crm'").fetchone()
    return generator_schema(Catalog.model_validate(json.loads(row[0])))


def demo_tables(customers: int, seed: int, schema: Schema) -> dict[str, pd.DataFrame]:
    from generators.demo_crm import make_demo_crm

    frames = make_demo_crm(customers, seed=seed)
    return {t: f[[c for c, s in schema.tables[t].columns.items() if not s.synthetic_only]]
            for t, f in frames.items()}


def bank() -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    from bench.bench_data import load_bank

    df, schema, _ = load_bank()
    df = df.sample(frac=1.0, random_state=0).reset_index(drop=True)
    return df.iloc[BANK_HOLDOUT:].reset_index(drop=True), df.iloc[:BANK_HOLDOUT].reset_index(drop=True), schema


def synthetic(model, schema: Schema, roots: int) -> dict[str, pd.DataFrame]:
    """``roots`` root rows with their descendants, as frames of the columns a real table has (no fakes)."""
    batches: dict[str, list[pa.RecordBatch]] = {t: [] for t in schema.tables}
    for table, batch in model.sample(rows=roots, seed=0):
        batches[table].append(batch)
    real = {t: [c for c, s in spec.columns.items() if s.kind != "identifier"] for t, spec in schema.tables.items()}
    return {t: pa.Table.from_batches(b).to_pandas()[real[t]] for t, b in batches.items()}


def scores(real: dict[str, pd.DataFrame], syn: dict[str, pd.DataFrame], schema: Schema,
           target: str, positive: str) -> dict[str, float | None]:
    from sandbox.release.evaluation.fidelity import linked_fidelity, segment_fidelity
    from sandbox.release.evaluation.quality import multi_table_quality, single_table_quality

    if len(schema.tables) == 1:
        (table, spec), = schema.tables.items()
        cols = spec.data_columns()
        kinds = {c: spec.columns[c].kind for c in cols}
        quality = single_table_quality(real[table][cols], syn[table][cols], kinds)
        fidelity = segment_fidelity(real[table][cols], syn[table][cols], target.split(".")[-1], positive=positive)
    else:
        plain = schema.model_copy(deep=True)  # quality compares the columns real rows have, as the gate does
        for spec in plain.tables.values():
            spec.columns = {c: s for c, s in spec.columns.items() if s.kind != "identifier"}
        quality = multi_table_quality(real, syn, plain)
        fidelity = linked_fidelity(real, syn, schema, target=target, positive=positive)
    return {"quality": quality.overall, "sign": fidelity.sign_agreement, "rank": fidelity.rank_correlation}


def run(name: str, settings: dict, train: dict[str, pd.DataFrame], holdout: dict[str, pd.DataFrame],
        schema: Schema, target: str, positive: str) -> dict:
    generator = "gaussian_copula" if name == "copula" else "cart"
    model = registry.create(generator, seed=1, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        began, cpu = time.perf_counter(), time.process_time()
        model.fit(train, schema)
        fit_s, cpu_s = time.perf_counter() - began, time.process_time() - cpu
        root = schema.roots()[0]
        syn = synthetic(model, schema, len(holdout[root]))
        result = scores(holdout, syn, schema, target, positive)
    return {"generator": name, "fit_s": fit_s, "cpu_s": cpu_s, **result}


def line(out, text: str) -> None:
    print(text, flush=True)
    out.write(text + "\n")
    out.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,200000,1000000")
    parser.add_argument("--datasets", default="demo,bank")
    parser.add_argument("--uncapped", type=int, default=200_000, help="largest size for cart without caps")
    parser.add_argument("--copula", type=int, default=500_000,
                        help="most training rows (all tables) SDV GaussianCopula is run on")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / f"fit-scaling-{date.today()}.txt"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with open(args.out, "w") as out:
        line(out, f"fit time against training size; {os.cpu_count()} cores shared with other work; "
                  f"cart threads = {min(4, os.cpu_count() or 1)}")
        line(out, f"{'dataset':>7} {'roots':>9} {'rows':>10} {'generator':>9} {'fit s':>7} {'cpu s':>7} {'quality':>7} "
                  f"{'sign':>6} {'rank':>6} {'peak MB':>8}")
        for dataset in args.datasets.split(","):
            if dataset == "demo":
                schema = demo_schema()
                holdout = demo_tables(DEMO_HOLDOUT, 4, schema)
                target, positive = "deals.stage", "won"
            else:
                pool, real, schema = bank()
                (table,) = schema.tables
                holdout = {table: real}
                target, positive = f"{table}.y", "yes"
            for roots in sizes:
                if dataset == "demo":
                    train = demo_tables(roots, 3, schema)
                else:
                    take = np.random.default_rng(roots).choice(len(pool), roots, replace=roots > len(pool))
                    train = {table: pool.iloc[np.sort(take)].reset_index(drop=True)}
                rows = sum(len(f) for f in train.values())
                configs = [("cart", {})]
                if roots <= args.uncapped:
                    configs.append(("cart-all", {"tree_rows": 0, "logit_rows": 0}))
                if rows <= args.copula:
                    configs.append(("copula", {}))
                for name, settings in configs:
                    r = run(name, settings, train, holdout, schema, target, positive)
                    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                    sign = "-" if r["sign"] is None else f"{r['sign']:.3f}"
                    rank = "-" if r["rank"] is None else f"{r['rank']:.3f}"
                    line(out, f"{dataset:>7} {roots:>9,} {rows:>10,} {name:>9} {r['fit_s']:>7.1f} "
                              f"{r['cpu_s']:>7.1f} {r['quality']:>7.3f} {sign:>6} {rank:>6} {peak:>8.0f}")
                    gc.collect()
                del train
                gc.collect()


if __name__ == "__main__":
    main()
