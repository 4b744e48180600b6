"""Distance to closest records against references of 100k and 1M rows, in shards, FAISS against numpy.

The gate compares a sample of synthetic rows with every holdout row and as many training rows. Here the
reference is demo CRM customers (birth date, city, region, gender, signup date, consent, tier: 7 columns),
training and holdout rows made with two seeds, the synthetic rows with a third (other real-looking people:
the DCR share should sit at 0.5). Each configuration runs in its own process, so its peak memory is its
own. The last configuration searches the whole reference as one shard (numpy), run only up to ``--whole``
reference rows. ``wall s`` is elapsed time, ``cpu s`` the process's CPU time over all threads (the machine
is shared: under load, CPU time says more).

Run: .venv/bin/python bench/dcr_shards_speed.py [--reference 100000,1000000] [--synthetic 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLUMNS = ["birth_date", "city", "region", "gender", "signup_date", "marketing_consent", "loyalty_tier"]


def one(reference: int, synthetic: int, search: str, shard_rows: int) -> dict:
    import sandbox.release.evaluation.neighbours as neighbours
    from generators.demo_crm import make_demo_crm
    from sandbox.release.evaluation.privacy import distance_to_closest_records

    train = make_demo_crm(reference, seed=1)["customers"][COLUMNS]
    holdout = make_demo_crm(reference, seed=2)["customers"][COLUMNS]
    syn = make_demo_crm(synthetic, seed=3)["customers"][COLUMNS]
    if search == "numpy":
        neighbours.faiss_available = lambda: False  # the fallback path, as without faiss-cpu
    began, cpu = time.perf_counter(), time.process_time()
    result = distance_to_closest_records(train, holdout, syn, max_rows=synthetic, max_reference=0,
                                         shard_rows=shard_rows)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    return {"reference": result.rows_reference, "synthetic": result.rows_synthetic, "search": search,
            "shards": result.shards, "seconds": wall, "cpu": cpu, "dcr_share": result.dcr_share,
            "median_dcr_train": result.median_dcr_train, "nndr": result.nndr,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default="100000,1000000")
    parser.add_argument("--synthetic", type=int, default=10_000)
    parser.add_argument("--whole", type=int, default=100_000, help="largest reference for the unsharded search")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / f"dcr-shards-{date.today()}.txt"))
    args = parser.parse_args()
    configs = [("faiss", 250_000), ("numpy", 250_000), ("numpy", 10**9)]
    with open(args.out, "w") as out:
        def line(text: str) -> None:
            print(text, flush=True)
            out.write(text + "\n")
            out.flush()

        line(f"DCR of {args.synthetic:,} synthetic rows against N training + N holdout rows (demo customers); "
             f"{os.cpu_count()} cores shared with other work; baseline: 10,000 holdout rows against training")
        line(f"{'reference N':>11} {'search':>6} {'shards':>6} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} "
             f"{'DCR share':>9} {'median DCR':>10} {'NNDR':>6}")
        for reference in (int(r) for r in args.reference.split(",")):
            for search, shard_rows in configs:
                if shard_rows == 10**9 and reference > args.whole:
                    continue
                done = subprocess.run([sys.executable, __file__, "--one", str(reference), str(args.synthetic),
                                       search, str(shard_rows)], capture_output=True, text=True)
                rows = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
                if done.returncode or not rows:
                    line(f"{reference:>11,} {search:>6} failed: {done.stderr.strip().splitlines()[-3:]}")
                    continue
                r = json.loads(rows[-1])
                line(f"{r['reference']:>11,} {search:>6} {r['shards']:>6} {r['seconds']:>7.1f} {r['cpu']:>7.1f} "
                     f"{r['peak_mb']:>8.0f} {r['dcr_share']:>9.4f} {r['median_dcr_train']:>10.4f} {r['nndr']:>6.3f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        print(json.dumps(one(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))))
    else:
        main()
