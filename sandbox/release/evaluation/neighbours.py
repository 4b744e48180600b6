"""Nearest and second-nearest reference rows of every query row, over references split into shards.

A float32 search proposes each shard's nearest rows: FAISS's exact flat L2 index when faiss-cpu is installed
(the ``scale`` extra; 8 rows per shard), else a blocked matrix product in numpy (the nearest and, when asked,
the second-nearest). Every proposal is measured again in float64 and the smallest two over all shards are
the result. A shard holds at most ``shard_rows`` reference rows, so memory stays bounded (the numpy search of
one block of 1,024 queries against 1M rows would hold a 4 GB matrix) and a reference of millions of rows can
be compared at all. FAISS searches run one OpenMP thread each, shards side by side in threads: 10k queries x
50k rows x 50 dimensions took 1.5 s of CPU time with one FAISS thread, 3.5 s with two (spinning) and 2.6 s
in numpy (two BLAS threads), on this 2-core machine under load.

Why 8 proposals: against 1M demo customers the nearest distances (median 0.0015) come down to float32's
resolution, and two float32 searches that proposed only their top two disagreed on the second neighbour
among near-ties (NNDR 0.716 with FAISS, 0.724 with numpy; bench/results/dcr-shards-2026-12-06.txt).

With one shard the result is the one the search of the whole reference gives; with several it is the same
unless two rows of different shards tie within float32 rounding, where the float64 reduction picks the
truly nearer one (tests/test_dcr_shards.py: sharded equals unsharded exactly on a small table).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["SHARD_ROWS", "faiss_available", "nearest"]

SHARD_ROWS = 250_000  # reference rows per shard
_BLOCK_CELLS = 2**24  # query x reference distances held at once by the numpy search (64 MB of float32)
_FAISS_PROPOSALS = 8  # rows FAISS proposes per query and shard, all measured in float64 (see the docstring)


def faiss_available() -> bool:
    """Whether FAISS can be imported (the ``scale`` extra)."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def nearest(query: np.ndarray, ref: np.ndarray, second: bool, shard_rows: int = SHARD_ROWS,
            use_faiss: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Squared distances (float64) from every row of ``query`` to its nearest row of ``ref`` and, when
    ``second``, to its second-nearest (NaN without it or with a single reference row).

    ``use_faiss``: None uses FAISS when it can be imported; False forces the numpy search."""
    if use_faiss is None:
        use_faiss = faiss_available()
    center = ref.mean(axis=0)
    q32 = (query - center).astype(np.float32)
    k = 2 if second and ref.shape[0] > 1 else 1
    proposals = _FAISS_PROPOSALS if use_faiss else k
    starts = list(range(0, ref.shape[0], max(shard_rows, 1)))

    def search(start: int) -> np.ndarray:
        shard = ref[start:start + max(shard_rows, 1)] - center
        return _faiss_search(q32, shard, proposals) if use_faiss else _numpy_search(q32, shard, k)

    if use_faiss and len(starts) > 1:  # one FAISS thread per shard, shards side by side (it frees the GIL)
        with ThreadPoolExecutor(min(len(starts), os.cpu_count() or 1)) as pool:
            found = list(pool.map(search, starts))
    else:
        found = [search(start) for start in starts]
    measured = np.column_stack([_squared(query, ref, center, idx[:, j], start)
                                for start, idx in zip(starts, found, strict=True) for j in range(idx.shape[1])])
    measured.sort(axis=1)
    if k == 1:
        return measured[:, 0], np.full(len(query), np.nan)
    return measured[:, 0], measured[:, 1]


def _squared(query: np.ndarray, ref: np.ndarray, center: np.ndarray, idx: np.ndarray, start: int) -> np.ndarray:
    """Float64 squared distances to the rows ``start + idx`` of ``ref`` (inf where ``idx`` is -1), computed
    from coordinates centred as the search's (so one shard gives bit for bit what the whole search gives)."""
    found = idx >= 0
    diff = (query - center) - (ref[start + np.maximum(idx, 0)] - center)
    return np.where(found, (diff * diff).sum(axis=1), np.inf)


def _faiss_search(q32: np.ndarray, shard: np.ndarray, k: int) -> np.ndarray:
    import faiss

    faiss.omp_set_num_threads(1)  # OpenMP threads spin: on 2 shared cores one thread used half the CPU time
    index = faiss.IndexFlatL2(shard.shape[1])
    index.add(np.ascontiguousarray(shard, dtype=np.float32))
    _, idx = index.search(np.ascontiguousarray(q32), k)
    return idx.astype(np.int64)


def _numpy_search(q32: np.ndarray, shard: np.ndarray, k: int) -> np.ndarray:
    """Indices of each query's ``k`` nearest shard rows by |r|^2 - 2 q.r in float32, in blocks of queries."""
    r_norm = (shard * shard).sum(axis=1)
    ref_aug = np.hstack([-2 * shard, r_norm[:, None]]).astype(np.float32).T.copy()
    q_aug = np.hstack([q32, np.ones((len(q32), 1), dtype=np.float32)])
    out = np.full((len(q32), k), -1, dtype=np.int64)
    block = max(1, min(1024, _BLOCK_CELLS // max(shard.shape[0], 1)))
    for start in range(0, len(q32), block):
        partial = q_aug[start:start + block] @ ref_aug
        idx = partial.argmin(axis=1)
        out[start:start + block, 0] = idx
        if k == 2 and shard.shape[0] > 1:
            partial[np.arange(len(idx)), idx] = np.inf
            out[start:start + block, 1] = partial.argmin(axis=1)
    return out
