"""Coherent forecasts across the area tree and the category totals (MinT with a diagonal covariance).

The bottom series are area x category. Aggregate nodes are the area totals, the category totals, the
grand total and, with a child -> parent area mapping, every ancestor area (and its category split). The
reconciled bottom means solve the generalized least squares problem of MinT-WLS (Wickramasuriya,
Athanasopoulos and Hyndman 2019) with each node's forecast variance on the diagonal:

    b~ = b^ + W_b A' (W_a + A W_b A')^-1 (a^ - A b^)

which needs only an (aggregates x aggregates) solve per horizon step, so 100,000 bottom series are
cheap; with thousands of areas that system is solved as the sparse matrix it is. Negative
reconciled bottom means are set to zero and every aggregate is then the sum of its bottom series, so
the result is exactly coherent and never negative.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import linalg as splinalg

from foresight.errors import ConfigError
from foresight.panel import ALL  # the one label of a summed-away key, as in foresight.panel.rollup

__all__ = ["ALL", "aggregation", "reconcile_wls"]

#: Up to this many aggregate nodes the reconciliation solves dense systems, beyond it sparse ones.
DENSE_NODES = 2000


def _ancestors(area: str, parent: Mapping[str, str]) -> list[str]:
    out, seen = [], {area}
    cur = parent.get(area)
    while cur is not None and cur != "" and not (isinstance(cur, float) and np.isnan(cur)):
        if cur in seen:
            raise ConfigError(f"the area tree has a cycle through {cur!r}: fix the parent column")
        out.append(str(cur))
        seen.add(cur)
        cur = parent.get(cur)
    return out


def _groups(labels: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    """Sorted distinct labels and, for each, the ascending positions that hold it."""
    uniq, inv = np.unique(labels, return_inverse=True)
    order = np.argsort(inv.ravel(), kind="stable")
    return uniq.tolist(), np.split(order, np.cumsum(np.bincount(inv.ravel(), minlength=len(uniq)))[:-1])


def aggregation(keys: pd.DataFrame, *, parent: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, sparse.csr_matrix]:
    """Aggregate nodes and the summing matrix ``A`` (nodes x bottom series).

    Parameters
    ----------
    keys : DataFrame
        ``area, category`` of the bottom series.
    parent : mapping, optional
        Area tree as child -> parent area code; ancestors of every area are added as nodes.

    Returns
    -------
    nodes : DataFrame
        ``area, category, level`` of every aggregate node (``ALL`` marks a summed dimension); level is
        one of ``total``, ``category``, ``area`` (an area of the bottom series), ``parent area`` and
        ``parent area x category`` (an ancestor area and its split by category).
    A : scipy.sparse.csr_matrix
        ``A[i, j] = 1`` when bottom series j belongs to node i.

    Examples
    --------
    >>> keys = pd.DataFrame({"area": ["a", "a", "b"], "category": ["x", "y", "x"]})
    >>> nodes, A = aggregation(keys)
    >>> nodes["area"].tolist(), nodes["category"].tolist()
    (['(all)', '(all)', '(all)', 'a', 'b'], ['(all)', 'x', 'y', '(all)', '(all)'])
    >>> A.toarray().tolist()[1]
    [1.0, 0.0, 1.0]
    """
    area = keys["area"].astype(str).to_numpy()
    cat = keys["category"].astype(str).to_numpy()
    n = len(keys)
    rows: list[tuple[str, str, str]] = [(ALL, ALL, "total")]
    members: list[np.ndarray] = [np.arange(n)]
    for c, idx in zip(*_groups(cat), strict=True):
        rows.append((ALL, c, "category"))
        members.append(idx)
    ua, per_area = _groups(area)  # one pass over the series, not one per area
    area_members: dict[str, list[np.ndarray]] = {}
    for a, idx in zip(ua, per_area, strict=True):
        for node in [a, *(_ancestors(a, parent) if parent else [])]:
            area_members.setdefault(node, []).append(idx)
    leaf_areas = set(ua)
    for a in sorted(area_members):
        idx = np.sort(np.concatenate(area_members[a])).astype(np.int64, copy=False)
        rows.append((a, ALL, "area" if a in leaf_areas else "parent area"))
        members.append(idx)
        if a not in leaf_areas:
            for c in sorted(set(cat[idx])):
                rows.append((a, c, "parent area x category"))
                members.append(idx[cat[idx] == c])
    nodes = pd.DataFrame(rows, columns=["area", "category", "level"])
    ri = np.concatenate([np.full(len(m), i) for i, m in enumerate(members)])
    ci = np.concatenate(members)
    A = sparse.csr_matrix((np.ones(len(ri)), (ri, ci)), shape=(len(rows), n))
    return nodes, A


def _distinct_rows(A: sparse.csr_matrix) -> np.ndarray:
    """Indices of the first of each group of nodes with the same members: a node that sums the same
    bottom series as another is the same aggregate and must not count twice."""
    seen: dict[bytes, int] = {}
    for i in range(A.shape[0]):
        seen.setdefault(A.indices[A.indptr[i]:A.indptr[i + 1]].tobytes(), i)
    return np.array(sorted(seen.values()), dtype=np.int64)


def reconcile_wls(
    bottom: np.ndarray, agg: np.ndarray, A: sparse.csr_matrix, var_bottom: np.ndarray, var_agg: np.ndarray
) -> np.ndarray:
    """Reconciled bottom means (n x H) from base bottom and aggregate means and their variances.

    Aggregate nodes with the same members (the total of a panel with one category and that
    category's total) are counted once: the first of them is used.

    Examples
    --------
    >>> A = sparse.csr_matrix(np.array([[1.0, 1.0]]))
    >>> b = reconcile_wls(np.array([[1.0], [1.0]]), np.array([[4.0]]), A,
    ...                   np.array([[1.0], [1.0]]), np.array([[1e-9]]))
    >>> np.round(b.ravel(), 3).tolist()
    [2.0, 2.0]
    """
    A = sparse.csr_matrix(A)
    A.sort_indices()
    keep = _distinct_rows(A)
    if keep.size < A.shape[0]:  # the same aggregate twice (one category: its total is the total)
        A, agg, var_agg = A[keep], agg[keep], var_agg[keep]
    At = A.T.tocsr()
    H = bottom.shape[1]
    wb = np.maximum(var_bottom, 0.0)
    gap = agg - A @ bottom  # m x H
    va = np.maximum(var_agg, 1e-9)
    m = A.shape[0]
    if m <= DENSE_NODES:
        M = np.stack([(A @ sparse.diags(wb[:, h]) @ At).toarray() for h in range(H)])
        M[:, np.arange(m), np.arange(m)] += va.T
        lam = np.linalg.solve(M, gap.T[:, :, None])[:, :, 0].T  # m x H
    else:
        # many areas: W_a + A W_b A' is sparse (areas are disjoint, so the area x area block is
        # diagonal); a sparse LU per horizon step costs milliseconds where a dense m x m solve
        # costs seconds and m * m * H * 8 bytes of memory
        lam = np.empty((m, H))
        for h in range(H):
            Mh = (A @ sparse.diags(wb[:, h]) @ At + sparse.diags(va[:, h])).tocsc()
            lam[:, h] = splinalg.splu(Mh).solve(np.ascontiguousarray(gap[:, h]))
    out = bottom + wb * (At @ lam)
    return np.maximum(out, 0.0)
