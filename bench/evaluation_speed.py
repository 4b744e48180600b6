"""How long the release-gate evaluations take on Bank Marketing-sized data.

Run: ``.venv/bin/python bench/evaluation_speed.py [path/to/bank-additional-full.csv]``

Train, holdout and synthetic rows are resamples (with replacement) of the real 41,188 contacts, numeric
columns jittered by 1% of their standard deviation so that resampled rows are not exact duplicates.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sandbox.release.evaluation.fidelity import segment_fidelity
from sandbox.release.evaluation.privacy import distance_to_closest_records
from sandbox.release.evaluation.quality import single_table_quality

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SANDBOX_SHARED", REPO.parent / "shared"))
DEFAULT = SHARED / "datasets" / "bank-marketing" / "bank-additional-full.csv"


def resample(real: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows drawn with replacement, numeric columns jittered by 1% of their std."""
    rng = np.random.default_rng(seed)
    rows = real.sample(n=n, replace=True, random_state=seed).reset_index(drop=True)
    for column in rows.select_dtypes("number"):
        rows[column] = rows[column] + rng.normal(0.0, 0.01 * real[column].std(), n)
    return rows


def timed(label: str, run: Callable[[], object], describe: Callable[[object], str]) -> None:
    started = time.perf_counter()
    result = run()
    print(f"| {label:<46} | {time.perf_counter() - started:7.1f} | {describe(result)} |", flush=True)


def main(path: Path) -> None:
    real = pd.read_csv(path, sep=";")
    train, holdout = resample(real, 50_000, 1), resample(real, 50_000, 2)
    synthetic = {n: resample(real, n, 3 + n) for n in (10_000, 50_000)}
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"rows: real {len(real):,} x {real.shape[1]} columns; CPUs: {os.cpu_count()}; load average {load}")
    started = time.perf_counter()
    import sdmetrics.reports  # noqa: F401  (imported on first use; timed apart from the reports)

    print(f"importing sdmetrics: {time.perf_counter() - started:.1f} s\n")
    print(f"| {'evaluation':<46} | seconds | result |")
    print(f"|{'-' * 48}|---------|--------|")
    for n, rows in synthetic.items():
        timed(f"DCR {n // 1000}k synthetic vs 50k train + 50k holdout",
              lambda rows=rows: distance_to_closest_records(train, holdout, rows),
              lambda r: f"dcr_share {r.dcr_share:.3f}, median DCR {r.median_dcr_train:.4f} "
                        f"(baseline {r.median_dcr_baseline:.4f}), nndr {r.nndr:.3f}")
    timed("DCR copier: 10k train rows vs 50k + 50k",
          lambda: distance_to_closest_records(train, holdout, train.sample(n=10_000, random_state=0)),
          lambda r: f"dcr_share {r.dcr_share:.3f}, identical train {r.identical_match_share_train:.3f}, "
                    f"holdout {r.identical_match_share_holdout:.3f}")
    for max_rows in (20_000, 41_188):
        timed(f"SDMetrics quality, 21 columns, {max_rows:,} rows",
              lambda max_rows=max_rows: single_table_quality(real, synthetic[50_000], max_rows=max_rows),
              lambda r: f"overall {r.overall:.3f}, shapes {r.column_shapes:.3f}, "
                        f"pairs {r.column_pair_trends:.3f}")
    timed("segment fidelity, y, 41k real vs 50k synthetic",
          lambda: segment_fidelity(real, synthetic[50_000], "y"),
          lambda r: f"{r.segments} segments, {r.significant} significant, rank {r.rank_correlation:.3f}, "
                    f"mae {r.mae:.4f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
