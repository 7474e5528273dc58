"""Scaling of the partitioned pipeline: the same synthetic province on a dask LocalCluster of 1 or 2 workers.

Usage (from the repository root)::

    .venv/bin/python benchmarks/scaling.py prepare --series 20000 --districts 8 --cases 2000000 --out /tmp/prov
    .venv/bin/python benchmarks/scaling.py run /tmp/prov --workers 1
    .venv/bin/python benchmarks/scaling.py run /tmp/prov --workers 2
    .venv/bin/python benchmarks/scaling.py run /tmp/prov --workers 0     # engine="local", no cluster

``prepare`` writes the cases of ``speed.synthetic_panel(series)`` (rescaled to ``--cases`` cases) as a
Parquet dataset partitioned by district (``top_area=Dxx``, the layout ``CaseStore.export_parquet``
writes) and its area tree (districts > towns, one town per 20 series). ``run`` times
``foresight.distributed.run_pipeline`` on it (panel -> forecast -> waves, surges -> flags per district,
then the category and total forecasts), each worker reading its own districts, and prints one JSON line:
wall seconds, the steps' seconds summed over partitions, the driver's and the workers' peak RSS.
Time the whole ``run`` command from outside (e.g. ``/usr/bin/time -v``) to include start-up.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))


def prepare(series: int, districts: int, n_cases: int, out: Path, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from speed import synthetic_cases

    table = synthetic_cases(series, n_cases, seed=seed)
    towns = np.asarray(table.column("area").combine_chunks().dictionary.to_pylist(), dtype=object)
    district_of = np.array([f"D{i % districts:02d}" for i in range(len(towns))], dtype=object)
    idx = table.column("area").combine_chunks().indices.to_numpy()
    table = table.append_column("top_area", pa.array(district_of[idx]))
    out.mkdir(parents=True, exist_ok=True)
    pq.write_to_dataset(table, out / "cases", partition_cols=["top_area"], existing_data_behavior="delete_matching")
    tree = pd.DataFrame({
        "code": [*sorted(set(district_of)), *towns],
        "name": [*sorted(set(district_of)), *towns],
        "parent": [""] * len(set(district_of)) + list(district_of),
        "level": ["district"] * len(set(district_of)) + ["town"] * len(towns),
    })
    tree.to_csv(out / "areas.csv", index=False)
    print(json.dumps({"cases": table.num_rows, "towns": len(towns), "districts": districts}))


def run(folder: Path, workers: int, horizon: int) -> dict:
    from foresight.distributed import run_pipeline

    t0 = time.perf_counter()
    kw = dict(areas=folder / "areas.csv", horizon=horizon, freq="W", max_flags=None)
    if workers == 0:
        res = run_pipeline(folder / "cases", engine="local", **kw)
        worker_rss = 0.0
    else:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          memory_limit=0) as cluster, Client(cluster) as client:
            res = run_pipeline(folder / "cases", engine="dask", cluster=client, **kw)
            worker_rss = max(client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024).values())
    wall = time.perf_counter() - t0
    return {"workers": workers, "partitions": len(res.partitions), "series": res.series, "wall_s": wall,
            **{f"{k}_s": v for k, v in res.timings.items()}, "flags": len(res.flags),
            "driver_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_rss_mb": worker_rss}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--series", type=int, default=20000)
    p.add_argument("--districts", type=int, default=8)
    p.add_argument("--cases", type=int, default=2_000_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("run")
    r.add_argument("folder", type=Path)
    r.add_argument("--workers", type=int, default=2, help="0: engine='local' (no cluster)")
    r.add_argument("--horizon", type=int, default=13)
    args = ap.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args.series, args.districts, args.cases, args.out, args.seed)
    else:
        print(json.dumps(run(args.folder, args.workers, args.horizon)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
