"""Sampling throughput of --engine local (one DuckDB file) vs --engine ray (shards into Iceberg).

The demo CRM (TRAIN customers) is ingested once; each configuration fits and samples exactly as `sandbox
synthesize` does, in its own process so peak memory is its own (the driver's, and each Ray worker's). Ray runs
with 1 or 2 CPUs (workers) and 1, 2 or 4 shards. rows/s counts every table's rows over the
sampling-and-commit time (fit excluded; Ray started before the clock); the Iceberg commit (one per table, plus
the views file) is timed on its own. Each dataset is removed after its run (disk). Ends with a paper projection
for 100M customers from the measured per-core rate and commit cost.
Run: .venv/bin/python bench/ray_engine_speed.py [ROOTS ...]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAIN = 5_000
CONFIGS = (("local", 1, 0), ("ray", 1, 1), ("ray", 2, 2), ("ray", 4, 2))  # engine, shards, Ray CPUs (workers)


def one(home: str, engine: str, shards: int, cpus: int, roots: int) -> dict:
    from sandbox.governance.access import User
    from sandbox.release.engines import iceberg_store
    from sandbox.release.synthesize import synthesize
    from sandbox.workspace import Workspace

    commits: list[tuple[float, int]] = []
    if engine == "ray":
        import ray

        for attempt in range(3):  # Ray waits a fixed 30 s for its raylet: too short on a busy machine
            try:
                ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
                break
            except Exception:
                ray.shutdown()
                if attempt == 2:
                    raise
        commit = iceberg_store.commit

        def timed(*args, **kw):  # the driver's commit: every table's add_files, then the views file
            began = time.perf_counter()
            out = commit(*args, **kw)
            commits.append((time.perf_counter() - began, sum(len(p) for p in args[2].values())))
            return out

        iceberg_store.commit = timed
    ws = Workspace(Path(home))
    steward = User(name="bench", role="steward")
    began = time.perf_counter()
    info = synthesize(ws, steward, "demo_crm", seed=1, rows=roots, engine=engine, shards=shards)
    wall = time.perf_counter() - began
    if engine == "ray":
        iceberg_store.drop(ws, info.id)
    ws.staging_path(info.id).unlink(missing_ok=True)
    with ws.governance() as g:
        details = json.loads(g.execute("SELECT CAST(details AS VARCHAR) FROM audit WHERE action = 'synthesize' "
                                       "AND object = ? ", [info.id]).fetchone()[0])
    rows = sum(info.rows.values())
    workers = details.get("shards", [])
    return {"engine": engine, "shards": shards, "roots": roots, "rows": rows, "fit_s": details["fit_seconds"],
            "sample_s": details["sample_seconds"], "wall_s": round(wall, 1),
            "rows_per_s": rows / details["sample_seconds"],
            "driver_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_mb": [round(w["peak_rss_mb"]) for w in workers if w["shard"] >= 0],
            "worker_rows_per_s": [round(w["rows"] / w["seconds"]) for w in workers if w["shard"] >= 0],
            "commit_s": round(commits[0][0], 2) if commits else 0.0, "files": commits[0][1] if commits else 0}


def prepare(home: Path) -> None:
    from generators.demo_crm import write_demo_crm
    from sandbox.governance.access import User
    from sandbox.vault.ingest import ingest
    from sandbox.workspace import Workspace

    ws = Workspace(home)
    with tempfile.TemporaryDirectory() as folder:
        write_demo_crm(Path(folder), customers=TRAIN, seed=3)
        ingest(ws, User(name="bench", role="steward"), [folder], "demo_crm", accept_proposed=True,
               target="deals.stage=won")


def main(sizes: list[int]) -> None:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ray-bench-", dir=os.environ.get("BENCH_TMP")) as tmp:
        home = Path(tmp) / "ws"
        prepare(home)
        print(f"demo CRM, {TRAIN} training customers; {os.cpu_count()} cores shared with other work; load average "
              f"at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
        print(f"{'engine':>6} {'shards':>6} {'workers':>7} {'roots':>10} {'rows':>11} {'fit s':>6} {'sample s':>8} "
              f"{'rows/s':>9} {'commit s':>8} {'files':>5} {'driver MB':>9}  worker MB / per-worker rows/s")
        largest: dict = {}
        for roots in sizes:
            for engine, shards, cpus in CONFIGS:
                if shards > 2 and roots > min(sizes):  # 4 shards on 2 workers: at the smallest size only (time)
                    continue
                done = subprocess.run([sys.executable, __file__, "--one", str(home), engine, str(shards), str(cpus),
                                       str(roots)], capture_output=True, text=True)
                lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
                if done.returncode or not lines:
                    print(f"{engine:>6} {shards:>6} {cpus:>7} {roots:>10,} failed: "
                          f"{done.stderr.strip().splitlines()[-3:]}", flush=True)
                    continue
                r = json.loads(lines[-1])
                print(f"{engine:>6} {shards:>6} {cpus or '-':>7} {roots:>10,} {r['rows']:>11,} {r['fit_s']:>6.1f} "
                      f"{r['sample_s']:>8.1f} {r['rows_per_s']:>9,.0f} {r['commit_s']:>8.2f} {r['files']:>5} "
                      f"{r['driver_peak_mb']:>9.0f}  {r['worker_peak_mb']} / {r['worker_rows_per_s']}", flush=True)
                if engine == "ray" and cpus == 2 and shards == 2:
                    largest = r
        print(f"load average at end {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if largest:
        project(largest)


def project(r: dict) -> None:
    """100M customers on N nodes of 16 cores, from the largest run with 2 workers and 2 shards."""
    rate = min(r["worker_rows_per_s"])  # the slower worker: the conservative per-core figure
    per_root = r["rows"] / r["roots"]
    target = 100_000_000 * per_root
    per_file = r["commit_s"] / max(r["files"], 1)
    print(f"\nprojection, 100M customers (~{target / 1e9:.2f}B rows at {per_root:.1f} rows per customer), "
          f"{rate:,.0f} rows/s per core (slower worker, {r['roots']:,} roots, 2 workers), commit "
          f"{per_file * 1000:.0f} ms per Parquet file (driver, footers + views)")
    print(f"{'nodes':>5} x cores {'sampling min':>12} {'files':>7} {'commit min':>10}")
    for nodes, cores in ((1, 2), (1, 16), (4, 16), (16, 16), (64, 16)):
        shards = nodes * cores
        files = 4 * shards * max(1, -(-int(target / 4 / shards) // 5_000_000))  # 4 tables, a file per 5M rows
        print(f"{nodes:>5} x {cores:>5} {target / (rate * shards) / 60:>12.1f} {files:>7,} "
              f"{files * per_file / 60:>10.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))))
    else:
        main([int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000])
