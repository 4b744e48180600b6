"""Sequential CART over the variables of one table (synthpop-style), with privacy controls inside.

Every variable is modelled by a decision tree on (at most ``max_parents`` of) the variables before it,
plus context columns such as the parent row of a child table. Sampling routes synthetic rows to the
tree's leaves and draws a training value from the same leaf (donors are stored per leaf, so a draw is
``values[start[leaf] + floor(u * size[leaf])]``). A categorical variable is drawn instead from a logistic
model on its leaf plus binned predictors where that predicts held-out rows better (``_cart_logit``: weak
effects a tree drops survive). Privacy controls:

* leaves hold at least ``min_leaf`` rows (default 60), and each tree is grown on 75% of the rows and
  pruned on the other 25% (reduced-error pruning: a subtree is cut when its root, as one leaf, predicts
  the held-out rows as well). Structure learnt on one part and donors drawn from all rows is what
  brought the DCR share down (Telco 0.557 -> 0.527 for categorical trees alone, 0.507 for all trees);
* values fewer than k (``min_count``, default 3) training rows hold are never reproduced verbatim: category
  levels are pooled (``_cart_codec``), numbers are clipped to the k-th smallest and largest training values
  (extremes single people out);
* a number that fewer than k training rows hold is moved by Gaussian noise: the leaf's kernel bandwidth
  (Silverman's rule, synthpop's ``smoothing="density"``) and at least the distance to its 5th nearest
  training value, reflected at the clip bounds; values many rows share are kept (``smooth_common`` smooths
  those too). A clip bound is one person's value, so it stays rare unless k rows held it before clipping.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.tree._tree import Tree

from generators._cart_logit import Bins, Logit, fit_logit
from generators._cart_tree import reduced_error_prune, renumbered, thinned, truncated

__all__ = ["Params", "SequentialCart", "Var"]

_MAX_CLASSES = 64  # a classification tree splits on the most frequent levels; leaves keep them all
_BINS = 16  # for the mutual information that picks each tree's predictors
_NOISE_REACH = 5  # a rare number's noise reaches at least its 5th nearest neighbour: as wide as when min_count
# was 5, so lowering min_count to 3 made fewer values rare but did not narrow the noise of those that are
_LOOKUP_GROUP = 5  # fewest rows of a value that can prove a lookup (groups of 3: Bank 9,600 rank 0.886 -> 0.867)


@dataclass(frozen=True)
class Params:
    """How the trees are grown and values drawn (see the module docstring)."""

    min_leaf: int = 60
    min_count: int = 3  # k of the value-level controls (5 cost Bank 4,000 quality 0.958 -> 0.911, same DCR)
    smoothing: float = 1.0
    smooth_common: bool | Literal["auto"] = False
    prune: Literal["none", "categorical", "all"] = "all"
    validation: float = 0.25
    max_parents: int | None = None
    rank_split: bool = True
    focus: tuple[str, ...] = ()  # outcome columns: modelled first; a tree's root split on one is never pruned
    lookups: bool = True  # values an earlier column determines are looked up, not drawn from a leaf
    logit: float = 0.02  # categorical variables' logistic models (``_cart_logit``): C per 1,000 rows; 0: none
    tree_rows: int = 250_000  # rows a tree's splits are chosen on (a sample beyond that; donors: every row)
    logit_rows: int = 100_000  # rows a logistic model is fitted on (a sample beyond that, weighted up)


@dataclass
class Var:
    """One modelled variable: categorical codes or numbers (NaN = missing, flagged by ``missing``)."""

    name: str
    kind: Literal["cat", "num"]
    in_x: bool = True  # whether later trees may split on it
    decimals: int | None = None  # numeric rounding in model space
    missing: str | None = None  # name of the 0/1 variable that says where this one is missing
    # fitted state
    xcol: int = -1
    parents: np.ndarray | None = None  # predictor columns the tree splits on
    tree: Tree | None = None  # features renumbered to columns of the full predictor matrix
    node_leaf: np.ndarray | None = None  # per tree node: its leaf number (-1 for inner nodes)
    node_start: np.ndarray | None = None  # per tree node: where its leaf's donors start
    node_size: np.ndarray | None = None
    start: np.ndarray | None = None
    size: np.ndarray | None = None
    values: np.ndarray | None = None
    scale: np.ndarray | None = None
    lo: float = -np.inf
    hi: float = np.inf
    lookup_col: int = -1  # predictor column whose value determines this variable (see _lookup)
    lookup_keys: np.ndarray | None = None  # sorted values of that column ...
    lookup_values: np.ndarray | None = None  # ... and the value each one determines
    logit: Logit | None = None  # draws this categorical variable instead of its leaf donors, when set


class SequentialCart:
    """Trees over ``vars`` in order; context columns come first in the predictor matrix."""

    def __init__(self, vars: list[Var], params: Params, seed: int = 0, threads: int = 1) -> None:
        self.vars = vars
        self.params = params
        self.seed = seed
        self.threads = threads  # trees grown at once (sklearn releases the GIL while it grows one)
        self.n_context = 0
        self.width = 0
        self.bins: list[Bins] = []  # per predictor column: its bins in the logistic models

    def fit(self, context: np.ndarray, data: dict[str, np.ndarray]) -> np.ndarray:
        """Fit every tree; return the predictor matrix of the training rows (context + vars)."""
        n, self.n_context = context.shape
        self.width = self.n_context + sum(v.in_x for v in self.vars)
        x = np.empty((n, self.width), dtype=np.float32)
        x[:, : self.n_context] = context
        binned = [_binned(context[:, j], False) for j in range(self.n_context)]
        logit = self.params.logit > 0
        self.bins = [Bins.fit(x[:, j]) for j in range(self.n_context)] if logit else []  # float32, as sampled
        codes = [b.codes(x[:, j]).astype(np.int32) for j, b in enumerate(self.bins)]  # int32: n x width in memory
        focus: list[int] = []  # predictor columns of the focus variables
        cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

        def groups(j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """Distinct values of predictor column ``j``, each row's group and group sizes (computed once)."""
            if j not in cache:
                cache[j] = np.unique(x[:, j], return_inverse=True, return_counts=True)
            return cache[j]

        jobs: list[tuple[Var, np.ndarray, np.ndarray, int, np.ndarray]] = []
        for i, var in enumerate(self.vars):
            y = data[var.name]
            rows = np.flatnonzero(~np.isnan(y)) if var.kind == "num" else np.arange(n)
            if self.params.lookups and "#" not in var.name and var.missing is None and not np.isnan(y).any():
                _lookup(var, [groups(j) for j in range(len(binned))], y, self.params.min_count)
            if var.lookup_keys is not None:  # the tree learns the rows the lookup leaves open, and only those
                rows = rows[~np.isin(x[rows, var.lookup_col], var.lookup_keys)]
            var.parents = self._parents(binned, y, var.kind == "cat", rows)
            protect = np.flatnonzero(np.isin(var.parents, focus))
            jobs.append((var, rows, y, _derived_seed(self.seed, i), protect))
            if var.in_x:
                var.xcol = len(binned)
                x[:, var.xcol] = y
                binned.append(_binned(y, var.kind == "cat"))
                if logit:
                    self.bins.append(Bins.fit(x[:, var.xcol]))
                    codes.append(self.bins[-1].codes(x[:, var.xcol]).astype(np.int32))
                if var.name in self.params.focus:
                    focus.append(var.xcol)

        def grow(job: tuple[Var, np.ndarray, np.ndarray, int, np.ndarray]) -> None:
            # trees learn from real columns only, so all of them can grow at once (each has its own seed)
            var, rows, y, seed, protect = job
            assert var.parents is not None
            self._fit_var(var, x[np.ix_(rows, var.parents)], y[rows], seed=seed, protect=protect,
                          codes=[codes[j][rows] for j in var.parents] if logit and var.kind == "cat" else [])

        if self.threads > 1 and len(jobs) > 1:
            with ThreadPoolExecutor(self.threads) as pool:
                list(pool.map(grow, sorted(jobs, key=lambda job: -job[1].size * job[0].parents.size)))
        else:
            for job in jobs:
                grow(job)
        return x

    def _parents(self, binned: list[np.ndarray], y: np.ndarray, categorical: bool, rows: np.ndarray) -> np.ndarray:
        """The predictor columns of a tree: all earlier ones, or the ``max_parents`` most informative."""
        limit = self.params.max_parents
        if limit is None or len(binned) <= limit:
            return np.arange(len(binned))
        if rows.size == 0:  # a lookup settles every row: the tree is a single leaf anyway
            return np.arange(0)
        target = _binned(y[rows], categorical)
        gain = [_mutual_information(target, b[rows]) for b in binned]
        return np.sort(np.argsort(gain, kind="stable")[::-1][:limit])

    def _fit_var(self, var: Var, x: np.ndarray, y: np.ndarray, seed: int, protect: np.ndarray,
                 codes: list[np.ndarray]) -> None:
        """Fit the tree (or lookup rest) of ``var``, and its logistic model on the bin ``codes`` of its
        parents when categorical."""
        if var.kind == "num":
            y = self._prepare_numeric(var, y)
        if y.size == 0:
            y = np.array([np.nan if var.kind == "num" else 0])
            var.scale = np.zeros(1)
            x = x[:1]
        leaf = np.zeros(y.size, dtype=np.int64)
        held_out = np.zeros(y.size, dtype=bool)
        if x.shape[1] and y.size >= 2 * self.params.min_leaf:
            leaf, held_out = self._grow(var, x, y, seed, protect)
            if var.kind == "cat" and self.params.logit > 0:
                assert var.parents is not None
                sizes = [self.bins[j].size for j in var.parents]
                var.logit = fit_logit(var.parents, codes, sizes, y, leaf, held_out, self.params.logit,
                                      rows=self.params.logit_rows, seed=seed)
        order = np.argsort(leaf, kind="stable")
        var.size = np.bincount(leaf, minlength=int(leaf.max()) + 1)
        var.start = np.concatenate([[0], np.cumsum(var.size)[:-1]])
        var.values = y[order]
        if var.node_leaf is not None:
            inner = var.node_leaf < 0
            var.node_start = np.where(inner, 0, var.start[np.maximum(var.node_leaf, 0)])
            var.node_size = np.where(inner, 0, var.size[np.maximum(var.node_leaf, 0)])
        if var.kind == "num":
            assert var.scale is not None
            self._leaf_scale(var, var.scale[order])

    def _grow(self, var: Var, x: np.ndarray, y: np.ndarray, seed: int,
              protect: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grow (and prune) the tree of ``var``; return every training row's leaf number, and which rows
        were held out to prune it."""
        target = self._split_target(var, y)
        prune = self.params.prune == "all" or (self.params.prune == "categorical" and var.kind == "cat")
        held_out = np.zeros(y.size, dtype=bool)
        if prune:
            held_out = np.random.default_rng(seed).random(y.size) < self.params.validation
        grow, check = thinned(~held_out, held_out, self.params.tree_rows, seed)
        model = DecisionTreeClassifier if var.kind == "cat" else DecisionTreeRegressor
        tree = model(min_samples_leaf=self.params.min_leaf, random_state=seed)
        tree.fit(x[grow], target[grow])
        if prune and held_out.any():
            top = reduced_error_prune(tree, x[grow], target[grow], x[check], target[check], protect)
        else:
            top = np.where(tree.tree_.children_left == -1, np.arange(tree.tree_.node_count), -1)  # leaves only
        cut = truncated(tree.tree_, top)
        is_leaf = cut.children_left == -1
        var.node_leaf = np.full(cut.node_count, -1, dtype=np.int64)
        var.node_leaf[is_leaf] = np.arange(int(is_leaf.sum()))
        leaf = var.node_leaf[cut.apply(x)]
        assert var.parents is not None
        var.tree = renumbered(cut, var.parents) if cut.node_count > 1 else None
        return leaf, held_out

    def _split_target(self, var: Var, y: np.ndarray) -> np.ndarray:
        if var.kind == "cat":
            return np.minimum(y, _MAX_CLASSES - 1)
        return rankdata(y) / y.size if self.params.rank_split else y

    def _prepare_numeric(self, var: Var, y: np.ndarray) -> np.ndarray:
        """Clip extremes to the k-th order statistics; give rare values a noise scale."""
        if y.size == 0:
            return y
        ordered = np.sort(y)
        k = min(self.params.min_count, (y.size + 1) // 2)
        var.lo, var.hi = float(ordered[k - 1]), float(ordered[-k])
        y = np.clip(y, var.lo, var.hi)
        # a bound is one person's value: the rows clipped onto it are rare unless k rows held it already
        var.scale = _rare_scale(np.clip(ordered, var.lo, var.hi), y, self.params.min_count, held=ordered)
        return y

    def _leaf_scale(self, var: Var, rare: np.ndarray) -> None:
        """Noise per donor: the leaf's bandwidth (all values, or rare ones only), at least ``rare``."""
        assert var.values is not None and var.start is not None and var.size is not None
        bandwidth = np.repeat(_leaf_bandwidth(var.values, var.start, var.size), var.size)
        common = self.params.smooth_common
        if common == "auto":  # continuous columns: more distinct values than sqrt(rows)
            common = np.unique(var.values).size ** 2 > var.values.size
        if common:
            var.scale = np.where(bandwidth > 0, bandwidth, rare)
        else:
            var.scale = np.where(rare > 0, np.maximum(bandwidth, rare), 0.0)

    def sample(self, context: np.ndarray, rng: np.random.Generator, start: int = 0, x: np.ndarray | None = None,
               known: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Draw one synthetic row per context row; return the predictor matrix and every variable.

        With ``start`` > 0, only the variables from that position on are drawn, given the rows' predictor
        matrix ``x`` and the ``known`` values of the variables before it (a draw from the conditional).
        """
        m = context.shape[0]
        if start:
            assert x is not None and known is not None
            x, out = x.copy(), {v.name: known[v.name] for v in self.vars[:start]}
        else:
            x, out = np.empty((m, self.width), dtype=np.float32, order="F"), {}
            x[:, : self.n_context] = context
        codes: dict[int, np.ndarray] = {}
        for var in self.vars[start:]:
            assert var.start is not None and var.size is not None and var.values is not None
            u = np.asarray(rng.random(m))
            pos = None
            if var.lookup_keys is not None:
                pos = pd.Index(var.lookup_keys).get_indexer(x[:, var.lookup_col])  # a hash: 3x searchsorted's speed
            if pos is not None and bool((pos >= 0).all()):  # every row determined: no tree to walk
                assert var.lookup_values is not None
                out[var.name] = values = var.lookup_values[pos].astype(var.values.dtype, copy=False)
                if var.in_x:
                    x[:, var.xcol] = values
                continue
            node = var.tree.apply(x) if var.tree is not None else np.zeros(m, dtype=np.int64)
            if var.logit is not None:  # categorical: no donor, the level is drawn from the model
                assert var.node_leaf is not None
                for j in var.logit.columns:
                    if j not in codes:  # each column is binned once, for every model that reads it
                        codes[j] = self.bins[j].codes(x[:, j])
                leaf = np.asarray(var.node_leaf[node]) if var.tree is not None else node
                values = var.logit.draw([codes[j] for j in var.logit.columns], leaf, u)
                values = values.astype(var.values.dtype, copy=False)
            else:
                if var.tree is None:
                    idx = (u * var.size[0]).astype(np.int64)
                else:
                    assert var.node_start is not None and var.node_size is not None
                    idx = var.node_start[node] + (u * var.node_size[node]).astype(np.int64)
                values = var.values[idx]
            if var.kind == "num":
                values = self._smooth(var, values, idx, rng)
                if var.missing is not None:
                    values[out[var.missing] == 1] = np.nan
            if pos is not None:
                assert var.lookup_values is not None
                values = np.where(pos >= 0, var.lookup_values[pos], values).astype(values.dtype, copy=False)
            out[var.name] = values
            if var.in_x:
                x[:, var.xcol] = values
        return x, out

    def _smooth(self, var: Var, values: np.ndarray, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        assert var.scale is not None
        noise = rng.standard_normal(values.size)
        if self.params.smoothing > 0:  # reflected at the bounds: clipping piled noisy values onto them
            values = _reflect(values + noise * var.scale[idx] * self.params.smoothing, var.lo, var.hi)
        if var.decimals is not None:
            values = np.round(values, var.decimals)
        return values


def _lookup(var: Var, columns: list[tuple[np.ndarray, np.ndarray, np.ndarray]], y: np.ndarray, k: int,
            purity: float = 0.99, chance: float = 0.01) -> None:
    """Find an earlier column that determines ``var`` for most rows (city -> region, price index -> month).

    A tree whose leaves hold at least ``min_leaf`` rows cannot follow a mapping with many small groups (Bank
    at 2,000 training rows: 26 price-index values -> 10 months, month/price-index pair trend 0.26 against
    0.95 between real halves). A value of the column is kept in the lookup when at least ``k`` rows hold it,
    at least ``purity`` of them share one value of ``var``, and the group is big enough that such purity is
    not chance: the most common value's overall share, to the power of the group size, is below ``chance``
    (with 89% "no", a group of five all-"no" rows proves nothing). The column covering most rows this way
    wins; under a fifth of the rows covered, no lookup. Values of the lookup are shared by at least ``k``
    rows, so it reproduces no individual. ``columns``: per earlier predictor column, ``np.unique`` of it
    with inverse and counts.
    """
    n = y.size
    levels, y_codes, y_counts = np.unique(y, return_inverse=True, return_counts=True)
    if y_counts.size < 2 or n == 0:
        return
    top = y_counts.max() / n
    min_group = max(k, _LOOKUP_GROUP, int(np.ceil(np.log(chance) / np.log(top))) if top < 1 else n + 1)
    best = (0.2 * n, -1, None, None)
    for col, (keys, gid, sizes) in enumerate(columns):
        if keys.size < 2 or keys.size > n // min_group:
            continue
        pairs, pair_counts = np.unique(gid.astype(np.int64) * y_counts.size + y_codes, return_counts=True)
        group = pairs // y_counts.size
        mode_count = np.zeros(keys.size, dtype=np.int64)
        np.maximum.at(mode_count, group, pair_counts)
        mode_code = np.zeros(keys.size, dtype=np.int64)
        is_mode = pair_counts == mode_count[group]
        mode_code[group[is_mode][::-1]] = (pairs % y_counts.size)[is_mode][::-1]  # lowest code among ties
        good = (sizes >= min_group) & (mode_count >= purity * sizes) & ~np.isnan(keys)
        covered = float(sizes[good].sum())
        if covered > best[0]:
            best = (covered, col, keys[good], levels[mode_code[good]])
    if best[1] >= 0:
        var.lookup_col, var.lookup_keys, var.lookup_values = best[1], best[2], best[3]


def _derived_seed(*parts: int) -> int:
    """A 32-bit seed (what sklearn accepts) drawn from any tuple of integers."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


def _reflect(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Values mirrored back into [lo, hi] at whichever bound they crossed (then clipped, for far crossings)."""
    values = np.where(values < lo, 2 * lo - values, values)
    values = np.where(values > hi, 2 * hi - values, values)
    return np.clip(values, lo, hi)


def _rare_scale(ordered: np.ndarray, y: np.ndarray, k: int, reach: int = _NOISE_REACH,
                held: np.ndarray | None = None) -> np.ndarray:
    """Per value: 0 when at least ``k`` rows hold it (in ``held``, the sorted values before clipping, when
    given), else the distance to its ``reach``-th nearest other row (at least the k-th)."""
    uniq, first, counts = np.unique(ordered, return_index=True, return_counts=True)
    common = counts >= k
    if held is not None:
        held_values, held_counts = np.unique(held, return_counts=True)
        common &= np.isin(uniq, held_values[held_counts >= k])
    last = first + counts - 1
    n = ordered.size
    r = max(k, reach)
    below = np.where(first - r >= 0, uniq - ordered[np.maximum(first - r, 0)], np.inf)
    above = np.where(last + r < n, ordered[np.minimum(last + r, n - 1)] - uniq, np.inf)
    scale = np.minimum(below, above)
    spread = float(np.std(ordered)) if n > 1 else 0.0
    scale = np.where(np.isinf(scale), spread, scale)
    scale[common] = 0.0
    return scale[np.searchsorted(uniq, y)]


def _leaf_bandwidth(values: np.ndarray, start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Silverman's rule per leaf: 0.9 min(sd, IQR / 1.34) n^(-1/5); 0 where the IQR is 0."""
    leaf = np.repeat(np.arange(size.size), size)
    order = np.lexsort((values, leaf))
    v = values[order]  # sorted within each leaf
    n = size.astype(np.float64)
    q1 = v[start + np.floor(0.25 * (size - 1)).astype(np.int64)]
    q3 = v[start + np.floor(0.75 * (size - 1)).astype(np.int64)]
    mean = np.bincount(leaf, weights=values, minlength=size.size) / n
    var = np.bincount(leaf, weights=values**2, minlength=size.size) / n - mean**2
    sd = np.sqrt(np.maximum(var, 0.0))
    out = 0.9 * np.minimum(sd, (q3 - q1) / 1.34) * n ** -0.2
    out[size < 2] = 0.0
    return out


def _binned(values: np.ndarray, categorical: bool) -> np.ndarray:
    """Codes 0.._BINS for mutual information: top levels, or quantile bins (missing = its own bin)."""
    present = ~np.isnan(values)
    if categorical:
        return np.minimum(np.nan_to_num(values), _BINS - 1).astype(np.int64)
    if not present.any():
        return np.zeros(values.size, dtype=np.int64)
    edges = np.unique(np.quantile(values[present], np.linspace(0, 1, _BINS + 1)[1:-1]))
    out = np.searchsorted(edges, values, side="right").astype(np.int64)
    out[~present] = edges.size + 1
    return out


def _mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in mutual information minus the Miller-Madow bias (ka - 1)(kb - 1) / 2n."""
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    joint = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb) / a.size
    pa, pb = joint.sum(axis=1, keepdims=True), joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    mi = float((joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])).sum())
    used_a, used_b = int((pa > 0).sum()), int((pb > 0).sum())
    return mi - (used_a - 1) * (used_b - 1) / (2 * a.size)
