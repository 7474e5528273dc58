"""Benchmark the case store on the real NYC council cases, replayed as overlapping weekly exports.

Each "export" dated E holds the cases received in the 13 weeks before E, with a closing date only
if the case had closed before E, so consecutive exports overlap and close cases: the store must
insert, update and keep unchanged without double counting. At the end the store must equal the
cases read from the full file.

Run:  .venv/bin/python benchmarks/store_ingest.py [--weeks 52] [--window 13]
Prints timings and writes benchmarks/results/store_ingest.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import types
from pathlib import Path

import pandas as pd

from foresight._io import atomic_write
from foresight.ingest import read_cases
from foresight.store import CaseStore

NYC = Path(__file__).resolve().parents[2] / "shared/data/nyc-council-cases"
MAPPING = """[columns]
case_id = "unique_key"
received = "opendate"
area = "account"
category = "complaint_type"
closed = "closedate"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=52, help="number of weekly exports (the last N weeks)")
    parser.add_argument("--window", type=int, default=13, help="weeks of cases each export holds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "nyc.toml").write_text(MAPPING, encoding="utf-8")
        t0 = time.perf_counter()
        full = read_cases(NYC / "cases_2015_2021.csv.gz", mapping=tmp / "nyc.toml", as_of="2022-01-01")
        t_read = time.perf_counter() - t0
        cases = full.cases
        print(f"read_cases full file: {len(cases)} cases in {t_read:.2f} s")

        # one big ingest of everything
        with CaseStore(tmp / "full.duckdb") as store:
            t0 = time.perf_counter()
            rec = store.ingest(full)
            t_full = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = store.ingest(full)
            t_dup = time.perf_counter() - t0
            t0 = time.perf_counter()
            back = store.cases()
            t_cases = time.perf_counter() - t0
        size_full = sum(p.stat().st_size for p in tmp.glob("full.duckdb*"))
        print(f"one ingest of {rec.accepted} cases: {t_full:.2f} s; same result again ({again.status}): "
              f"{t_dup:.2f} s; store.cases(): {t_cases:.2f} s; file {size_full / 1e6:.1f} MB")
        assert len(back) == len(cases)

        # weekly overlapping exports over the last `weeks` weeks
        last = cases["received"].max().normalize()
        end = last - pd.Timedelta(days=int(last.dayofweek)) + pd.Timedelta(weeks=1)  # Monday after
        dates = [end - pd.Timedelta(weeks=k) for k in range(args.weeks - 1, -1, -1)]
        start = dates[0] - pd.Timedelta(weeks=args.window)
        seed = cases[cases["received"] < start]
        timings, totals = [], {"inserted": 0, "updated": 0, "unchanged": 0}
        with CaseStore(tmp / "weekly.duckdb") as store:
            store.ingest(types.SimpleNamespace(cases=seed.assign(source="history"), rejects=None,
                                               rows_read=len(seed)))
            for e in dates:
                part = cases[(cases["received"] >= e - pd.Timedelta(weeks=args.window)) & (cases["received"] < e)]
                part = part.assign(closed=part["closed"].where(part["closed"] < e), source=f"export_{e:%Y%m%d}.csv")
                t0 = time.perf_counter()
                rec = store.ingest(types.SimpleNamespace(cases=part, rejects=None, rows_read=len(part)))
                timings.append(time.perf_counter() - t0)
                for k in totals:
                    totals[k] += getattr(rec, k)
            final = store.cases()
            versions = int(store.con.execute("SELECT count(*) FROM case_versions").fetchall()[0][0])
        size_weekly = sum(p.stat().st_size for p in tmp.glob("weekly.duckdb*"))
        # a case keeps the closing date of the last export that held it (or the full one if only in "history")
        truth = cases[cases["received"] < end].copy()
        stamps = pd.DatetimeIndex(dates)
        last_idx = stamps.searchsorted(truth["received"] + pd.Timedelta(weeks=args.window), side="right") - 1
        last_export = pd.Series(stamps[last_idx.clip(0)], index=truth.index)
        in_exports = truth["received"] >= start
        truth["closed"] = truth["closed"].where(~in_exports | (truth["closed"] < last_export))
        ok_ids = set(final["case_id"]) == set(truth["case_id"]) and len(final) == len(truth)
        merged = final.merge(truth, on="case_id", suffixes=("", "_t"))
        both_na = merged["closed"].isna() & merged["closed_t"].isna()
        same_closed = bool(((merged["closed"] == merged["closed_t"]) | both_na).all())
        per = pd.Series(timings)
        print(f"{args.weeks} weekly exports of {args.window} weeks each (~{int(len(part))} rows): "
              f"median {per.median():.3f} s, max {per.max():.3f} s, total {per.sum():.2f} s per ingest; "
              f"inserted {totals['inserted']}, updated {totals['updated']}, unchanged {totals['unchanged']}; "
              f"{versions} versions; file {size_weekly / 1e6:.1f} MB")
        print(f"final store equals the full read (ids once each: {ok_ids}, closing dates as of the last export: "
              f"{same_closed})")

    out = {
        "cases": len(cases), "read_cases_s": round(t_read, 3), "one_ingest_s": round(t_full, 3),
        "duplicate_ingest_s": round(t_dup, 3), "cases_query_s": round(t_cases, 3),
        "file_mb_full": round(size_full / 1e6, 2),
        "weekly_exports": args.weeks, "window_weeks": args.window, "weekly_median_s": round(float(per.median()), 4),
        "weekly_max_s": round(float(per.max()), 4), "weekly_total_s": round(float(per.sum()), 3), **totals,
        "versions": versions, "file_mb_weekly": round(size_weekly / 1e6, 2), "ids_ok": ok_ids, "closed_ok": same_closed,
    }
    target = Path(__file__).resolve().parent / "results" / "store_ingest.json"
    atomic_write(target, lambda p: p.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8"))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
