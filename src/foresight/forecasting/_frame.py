"""Column names of a forecast frame: the ``pNN`` quantile columns."""

from __future__ import annotations

from foresight.errors import ConfigError

__all__ = ["qcol", "quantile_columns"]


def qcol(q: float) -> str:
    """Name of the forecast column holding quantile ``q`` (``pNN``, ``NN = round(q * 100)``).

    Examples
    --------
    >>> qcol(0.05), qcol(0.5), qcol(0.975)
    ('p5', 'p50', 'p98')
    """
    return f"p{round(q * 100)}"


def quantile_columns(quantiles: tuple[float, ...]) -> list[str]:
    """Column names ``pNN`` for the quantiles; raises ConfigError on a bad level."""
    qs = tuple(float(q) for q in quantiles)
    if not qs or any(not 0.0 < q < 1.0 for q in qs):
        raise ConfigError(f"quantiles must be levels strictly between 0 and 1, got {quantiles!r}")
    names = [qcol(q) for q in qs]
    if len(set(names)) != len(names):
        raise ConfigError(f"quantiles {quantiles!r} round to the same column names {names}")
    return names
