"""Sampling throughput of --engine local (one DuckDB file) vs --engine ray (shards into Iceberg).

The demo CRM (TRAIN customers) is ingested and fitted once per run exactly as `sandbox synthesize` does; each
configuration runs in its own process so peak memory is its own. rows/s counts every table's rows over the
sampling-and-commit time (fit excluded; Ray started before the clock). Ends with a paper projection for 100M
customers from the measured per-core rate. Run: .venv/bin/python bench/ray_engine_speed.py [ROOTS ...]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAIN = 5_000
CONFIGS = (("local", 1), ("ray", 1), ("ray", 2))


def one(home: str, engine: str, shards: int, roots: int) -> dict:
    from sandbox.governance.access import User
    from sandbox.release.synthesize import synthesize
    from sandbox.workspace import Workspace

    if engine == "ray":
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ws = Workspace(Path(home))
    steward = User(name="bench", role="steward")
    began = time.perf_counter()
    info = synthesize(ws, steward, "demo_crm", seed=1, rows=roots, engine=engine, shards=shards)
    wall = time.perf_counter() - began
    with ws.governance() as g:
        details = json.loads(g.execute("SELECT CAST(details AS VARCHAR) FROM audit WHERE action = 'synthesize' "
                                       "AND object = ? ", [info.id]).fetchone()[0])
    rows = sum(info.rows.values())
    workers = details.get("shards", [])
    return {"engine": engine, "shards": shards, "roots": roots, "rows": rows, "fit_s": details["fit_seconds"],
            "sample_s": details["sample_seconds"], "wall_s": round(wall, 1),
            "rows_per_s": rows / details["sample_seconds"],
            "driver_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_mb": max((w["peak_rss_mb"] for w in workers), default=0.0),
            "worker_rows_per_s": [round(w["rows"] / w["seconds"]) for w in workers]}


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
    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        home = Path(tmp) / "ws"
        prepare(home)
        print(f"demo CRM, {TRAIN} training customers; 2 cores shared with other work")
        print(f"{'engine':>6} {'shards':>6} {'roots':>9} {'rows':>10} {'fit s':>6} {'sample s':>8} {'rows/s':>9} "
              f"{'driver MB':>9} {'worker MB':>9}  per-worker rows/s")
        per_core = []
        for roots in sizes:
            per_core = []  # the projection uses the largest size's per-worker rates
            for engine, shards in CONFIGS:
                done = subprocess.run([sys.executable, __file__, "--one", str(home), engine, str(shards),
                                       str(roots)], capture_output=True, text=True)
                lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
                if done.returncode or not lines:
                    print(f"{engine:>6} {shards:>6} {roots:>9,} failed: {done.stderr.strip().splitlines()[-3:]}")
                    continue
                r = json.loads(lines[-1])
                print(f"{engine:>6} {shards:>6} {roots:>9,} {r['rows']:>10,} {r['fit_s']:>6.1f} {r['sample_s']:>8.1f} "
                      f"{r['rows_per_s']:>9,.0f} {r['driver_peak_mb']:>9.0f} {r['worker_peak_mb']:>9.0f}  "
                      f"{r['worker_rows_per_s']}", flush=True)
                if engine == "ray":
                    per_core += r["worker_rows_per_s"]
                rows_per_root = r["rows"] / roots
        rate = min(per_core)  # the slowest worker's rate at the largest size: the conservative figure
        target = 100_000_000 * rows_per_root
        print(f"\nprojection, 100M customers (~{target / 1e9:.1f}B rows at {rows_per_root:.1f} rows per customer), "
              f"{rate:,.0f} rows/s per core measured:")
        for nodes, cores in ((1, 2), (4, 16), (16, 16), (64, 16)):
            print(f"  {nodes:>3} nodes x {cores:>2} cores: {target / (rate * nodes * cores) / 60:>8.1f} min sampling")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))))
    else:
        main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
