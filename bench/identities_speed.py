"""Print how many rows per second ``fake_identities`` makes for name + email + phone.

Run: ``python bench/identities_speed.py [rows]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from generators.identities import fake_identities

KINDS = {"name": "full_name", "email": "email", "phone": "phone"}


def main(rows: int = 200_000) -> None:
    """Time one warm call per locale and print rows/s."""
    for locale in ("ru_RU", "en_US"):
        fake_identities(KINDS, 10, locale, np.random.default_rng(0))  # build the pools first
        start = time.perf_counter()
        fake_identities(KINDS, rows, locale, np.random.default_rng(0))
        elapsed = time.perf_counter() - start
        print(f"{locale}: {rows:,} rows in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
