"""How long the release gate takes on Bank Marketing at full size (41,188 contacts) with the default generator.

Run: ``.venv/bin/python bench/gate_speed.py [path/to/bank-additional-full.csv]``

The real export goes through ingest -> synthesize (registry.DEFAULT) -> evaluate in a temporary workspace;
evaluate's own phases are timed from its progress callback. Then nearest-neighbour distances on 50k
synthetic x 50k train + 50k holdout rows (resampled from the real rows with a 1% jitter) are timed: they
must finish within 60 s; above 50k rows the privacy module samples and says so in its note.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evaluation_speed import resample  # noqa: E402  (bench/ is on sys.path when run as a script)

from generators import registry  # noqa: E402
from sandbox.governance.access import User  # noqa: E402
from sandbox.release.evaluation.privacy import distance_to_closest_records  # noqa: E402
from sandbox.release.gate import evaluate  # noqa: E402
from sandbox.release.synthesize import synthesize  # noqa: E402
from sandbox.vault.ingest import ingest  # noqa: E402
from sandbox.workspace import Workspace  # noqa: E402

SHARED = Path(os.environ.get("SANDBOX_SHARED", REPO.parent / "shared"))
DEFAULT = SHARED / "datasets" / "bank-marketing" / "bank-additional-full.csv"
NN_LIMIT_S = 60.0
STEWARD = User(name="bench", role="steward")



def row(phase: str, seconds: float, note: str = "") -> None:
    print(f"| {phase:<44} | {seconds:7.1f} | {note} |", flush=True)


def pipeline(path: Path) -> None:
    """Ingest, synthesize and evaluate the real export, timing every phase."""
    with tempfile.TemporaryDirectory(prefix="gate-speed-") as home:
        ws = Workspace(Path(home))
        started = time.perf_counter()
        result = ingest(ws, STEWARD, [path], "bank", accept_proposed=True)
        (table,) = result.tables
        row("ingest", time.perf_counter() - started, f"{result.tables[table]:,} rows, "
            f"{result.holdout_rows[table]:,} held out")
        started = time.perf_counter()
        info = synthesize(ws, STEWARD, "bank", seed=0)
        row(f"synthesize ({info.generator}: fit + sample)", time.perf_counter() - started,
            f"{sum(info.rows.values()):,} synthetic rows")
        marks: list[tuple[str, float]] = []
        started = time.perf_counter()
        report = evaluate(ws, STEWARD, info.id, target=f"{table}.y=yes",
                          progress=lambda step, done, total=None: marks.append((step, time.perf_counter())))
        total = time.perf_counter() - started
        for (step, at), (_, end) in zip(marks[:-1], marks[1:], strict=True):
            row(f"  evaluate: {step}", end - at)
        fid = report["fidelity"]
        row("evaluate (total)", total, f"gate {report['gate']}; quality {report['quality']['overall']:.3f}, "
            f"DCR share {report['privacy']['dcr_share']:.3f}, sign agreement {fid['sign_agreement']:.3f}, "
            f"rank corr {fid['rank_correlation']:.3f}")
        for reason in report["reasons"]:
            print(f"|   reason: {reason}")


def nearest_neighbours(path: Path) -> float:
    """Distances of 50k synthetic rows to 50k train and 50k holdout rows; then 60k, which is sampled."""
    real = pd.read_csv(path, sep=";")
    train, holdout = resample(real, 50_000, 1), resample(real, 50_000, 2)
    started = time.perf_counter()
    result = distance_to_closest_records(train, holdout, resample(real, 50_000, 3), histogram_bins=30)
    seconds = time.perf_counter() - started
    row("DCR 50k synthetic vs 50k train + 50k holdout", seconds,
        f"dcr_share {result.dcr_share:.3f}, sampled: {result.sampled}")
    started = time.perf_counter()
    big = distance_to_closest_records(resample(real, 60_000, 4), resample(real, 60_000, 5), resample(real, 60_000, 6))
    row("DCR 60k x 60k + 60k (sampled to 50k)", time.perf_counter() - started, big.note or "")
    return seconds


def main(path: Path) -> int:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"default generator: {registry.DEFAULT}; CPUs: {os.cpu_count()}; load average {load}\n")
    print(f"| {'phase':<44} | seconds | result |")
    print(f"|{'-' * 46}|---------|--------|")
    pipeline(path)
    seconds = nearest_neighbours(path)
    verdict = "within" if seconds <= NN_LIMIT_S else "OVER"
    print(f"\nnearest-neighbour distances on 50k x 50k: {seconds:.1f} s, {verdict} the {NN_LIMIT_S:.0f} s limit")
    return 0 if seconds <= NN_LIMIT_S else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
