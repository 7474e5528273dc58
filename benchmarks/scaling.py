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
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))


def prepare(series: int, districts: int, n_cases: int, out: Path, seed: int) -> None:
    """Write the province one district at a time (memory: one district's panel and cases, not the whole)."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    from speed import synthetic_cases

    if districts < 1 or series < districts:
        raise SystemExit(f"--series {series} --districts {districts}: need at least one series per district")
    if (out / "cases").exists():
        shutil.rmtree(out / "cases")
    codes, towns, total = [], [], 0
    for d in range(districts):
        code = f"D{d:02d}"
        n = series // districts + (d < series % districts)  # the series spread as evenly as possible
        cases = n_cases // districts + (d < n_cases % districts)
        table = synthetic_cases(n, cases, seed=seed + d)  # each district its own draw
        area = table.column("area").combine_chunks()
        names = pa.array([f"{code}-{a}" for a in area.dictionary.to_pylist()])  # town codes unique per province
        table = table.set_column(table.schema.get_field_index("area"), "area",
                                 pa.DictionaryArray.from_arrays(area.indices, names))
        folder = out / "cases" / f"top_area={code}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-0.parquet")
        codes.append(code)
        towns.extend(names.to_pylist())
        total += table.num_rows
        del table, area
    tree = pd.DataFrame({
        "code": [*codes, *towns],
        "name": [*codes, *towns],
        "parent": [""] * len(codes) + [t.split("-", 1)[0] for t in towns],
        "level": ["district"] * len(codes) + ["town"] * len(towns),
    })
    tree.to_csv(out / "areas.csv", index=False)
    print(json.dumps({"cases": total, "series": series, "towns": len(towns), "districts": districts}))


def _usage() -> tuple[float, float]:
    """This process' CPU seconds (user + system) and peak RSS in MB."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def run(folder: Path, workers: int, horizon: int, progress: bool = False) -> dict:
    from foresight.distributed import run_pipeline

    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    kw = dict(areas=folder / "areas.csv", horizon=horizon, freq="W", max_flags=None, progress=progress)
    worker_cpu, worker_rss = 0.0, []
    if workers == 0:
        res = run_pipeline(folder / "cases", engine="local", **kw)
    else:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          memory_limit=0) as cluster, Client(cluster) as client:
            res = run_pipeline(folder / "cases", engine="dask", cluster=client, **kw)
            usage = client.run(_usage).values()
            worker_cpu, worker_rss = sum(u[0] for u in usage), [round(u[1]) for u in usage]
    wall = time.perf_counter() - t0
    driver_cpu, driver_rss = _usage()
    return {"workers": workers, "partitions": len(res.partitions), "series": res.series,
            "panel_rows": res.panel_rows, "wall_s": round(wall, 1),
            **{f"{k}_s": v for k, v in res.timings.items()}, "flags": len(res.flags),
            "forecast_rows": len(res.forecasts), "driver_cpu_s": round(driver_cpu, 1),
            "worker_cpu_s": round(worker_cpu, 1), "driver_peak_rss_mb": round(driver_rss),
            "worker_peak_rss_mb": worker_rss, "load_start": round(load0, 2),
            "load_end": round(os.getloadavg()[0], 2)}


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
    r.add_argument("--progress", action="store_true", help="a progress bar over partitions (on stderr)")
    args = ap.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args.series, args.districts, args.cases, args.out, args.seed)
    else:
        print(json.dumps(run(args.folder, args.workers, args.horizon, args.progress)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
