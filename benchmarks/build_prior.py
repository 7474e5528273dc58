"""Rebuild the shipped prior: the public logs' weekly counts per area x category, one Parquet file.

``src/foresight/warning/data/prior_weekly.parquet`` holds the weekly panels of the NYC Council cases
(office x complaint type, 2015-2021) and the Zurich "Züri wie neu" reports (district x service code,
2016-2023), exactly as the skill benchmarks build them (``_common.load_log``:
``foresight.panel.to_panel`` with ``freq="W"``: every area x category with a case, zero-filled from its
area's first case to the log's end). Columns ``log, area, category, ds, y``: counts per area x
category x week only, no case id, no date finer than the week, no free text. :func:`foresight.warning.prior.prior_panels` reads it.

The bytes are deterministic for a given pyarrow version: rows sorted, no pandas metadata, zstd. Usage
(from the checkout, with the logs under ``../shared/data``)::

    PYTHONPATH=src .venv/bin/python benchmarks/build_prior.py

Prints rows, series and the file's size per log and in all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _common import LOGS, ROOT, load_log

from foresight._io import atomic_write

TARGET = ROOT / "src" / "foresight" / "warning" / "data" / "prior_weekly.parquet"

SCHEMA = pa.schema([
    ("log", pa.dictionary(pa.int8(), pa.string())),
    ("area", pa.dictionary(pa.int16(), pa.string())),
    ("category", pa.dictionary(pa.int16(), pa.string())),
    ("ds", pa.date32()),
    ("y", pa.int16()),
])


def prior_frame() -> pd.DataFrame:
    """Every log's weekly panel, stacked with a ``log`` column and sorted (one row per series x week)."""
    parts = []
    for name in sorted(LOGS):
        panel = load_log(name)
        if panel["y"].max() > np.iinfo(np.int16).max:
            raise ValueError(f"{name}: a weekly count over 32,767 does not fit the int16 column")
        parts.append(panel[["area", "category", "ds", "y"]].assign(log=name))
    frame = pd.concat(parts, ignore_index=True)[["log", "area", "category", "ds", "y"]]
    return frame.sort_values(["log", "area", "category", "ds"], kind="stable", ignore_index=True)


def to_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table of :data:`SCHEMA` (dictionary strings, dates, int16 counts)."""
    arrays = [
        pa.array(frame["log"].astype(str).to_numpy(), pa.string()).dictionary_encode(),
        pa.array(frame["area"].astype(str).to_numpy(), pa.string()).dictionary_encode(),
        pa.array(frame["category"].astype(str).to_numpy(), pa.string()).dictionary_encode(),
        pa.array(frame["ds"].dt.date.to_numpy(), pa.date32()),
        pa.array(frame["y"].to_numpy(), pa.int16()),
    ]
    arrays = [a.cast(f.type) for a, f in zip(arrays, SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def main() -> None:
    frame = prior_frame()
    table = to_table(frame)
    atomic_write(TARGET, lambda p: pq.write_table(table, p, compression="zstd", compression_level=19,
                                                  row_group_size=1 << 20, write_statistics=False))
    series = frame.groupby(["log", "area", "category"]).ngroups
    for name, part in frame.groupby("log"):
        print(f"{name}: {len(part):,} rows, {part.groupby(['area', 'category']).ngroups:,} series, "
              f"{part['ds'].min().date()} to {part['ds'].max().date()}, {int(part['y'].sum()):,} cases")
    print(f"{TARGET.relative_to(ROOT)}: {len(frame):,} rows, {series:,} series, "
          f"{TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
