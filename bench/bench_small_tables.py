"""How the default generator holds up on small tables and unseen shapes, over seeds, against the ceiling.

The targets of the generators issue are set on full Bank Marketing and Telco; real CRM exports are often a
few thousand rows, with dates, gaps and rare levels. This runs cart (with any settings given as JSON) on
Bank and Telco and samples of them, and on two tables it was not tuned on (Olist's lead funnel and its
orders as one table, see ``bench_generators.load_funnel`` / ``load_orders``), seeds 0..N-1, and prints mean
and worst quality, sign agreement, rank correlation and DCR share next to the ceiling: the real training
half scored as if it were synthetic.

Run: ``python bench/bench_small_tables.py [--settings '{"min_leaf": 40}'] [--seeds 3]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_data import load_bank, load_funnel, load_orders, load_telco, split  # noqa: E402
from bench_generators import single_scores, table  # noqa: E402

from generators import registry  # noqa: E402

CASES = {  # label: (dataset, rows sampled or None for all, sampling seed)
    "bank 41,188": ("bank", None, 0), "bank 9,600": ("bank", 9600, 0), "bank 4,000": ("bank", 4000, 1),
    "telco 7,043": ("telco", None, 0), "telco 3,000": ("telco", 3000, 2), "funnel 8,000": ("funnel", None, 0),
    "orders 15,000": ("orders", None, 0), "orders 4,000": ("orders", 4000, 3),
}
LOADERS = {"bank": load_bank, "telco": load_telco, "funnel": load_funnel, "orders": load_orders}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="{}", help="cart settings as JSON")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--focus", action="store_true", help="the target as focus (what synthesize --focus does)")
    parser.add_argument("--cases", default=";".join(CASES), help="semicolon-separated, from: " + "; ".join(CASES))
    args = parser.parse_args()
    settings = json.loads(args.settings)
    cases = {label: CASES[label] for label in args.cases.split(";")}
    loaded = {name: LOADERS[name]() for name in {name for name, _, _ in cases.values()}}
    rows = []
    for label, (name, n, sample_seed) in cases.items():
        df, schema, target = loaded[name]
        if n is not None:
            df = df.sample(n, random_state=sample_seed).reset_index(drop=True)
        train, holdout = split(df)
        (tname,) = schema.tables
        ceiling = single_scores(train, holdout, train, schema, target)
        scores = []
        for seed in range(args.seeds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                focus = {"focus": [target]} if args.focus else {}
                model = registry.create(registry.DEFAULT, seed=seed, **settings, **focus).fit({tname: train}, schema)
                synthetic = model.sample_frames(rows=len(holdout))[tname]
            s = single_scores(train, holdout, synthetic, schema, target)
            scores.append([s["quality"], s["sign"], s["rank"], s["dcr"]])
        a = np.array(scores, dtype=float)
        rows.append([label, f"{a[:, 0].mean():.3f} ({ceiling['quality']:.3f})",
                     f"{a[:, 1].mean():.3f} min {a[:, 1].min():.3f} ({ceiling['sign']:.3f})",
                     f"{a[:, 2].mean():.3f} min {a[:, 2].min():.3f} ({ceiling['rank']:.3f})",
                     f"{a[:, 3].mean():.4f} max {a[:, 3].max():.4f}"])
    focused = " focus=target" if args.focus else ""
    print(f"{registry.DEFAULT} {settings or 'defaults'}{focused}, seeds 0-{args.seeds - 1}; "
          "(ceiling) = real train half")
    print(table(["data", "quality", "sign agreement", "rank corr", "DCR share"], rows))


if __name__ == "__main__":
    main()
