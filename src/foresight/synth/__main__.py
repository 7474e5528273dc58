"""``python -m foresight.synth --seed S --out DIR``: generate and write the sample district."""

from __future__ import annotations

import argparse
import sys
import time

from foresight.errors import ForesightError
from foresight.synth import DEFAULT_END, DEFAULT_SEED, DEFAULT_START, generate_district, write_district


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate the district, write it; return the exit code (0 ok, 2 usage/config)."""
    ap = argparse.ArgumentParser(prog="python -m foresight.synth", description=__doc__)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    ap.add_argument("--out", default="data/samples/district", help="output folder (default data/samples/district)")
    ap.add_argument("--start", default=DEFAULT_START, help=f"first day received (default {DEFAULT_START})")
    ap.add_argument("--end", default=DEFAULT_END, help=f"last day received (default {DEFAULT_END})")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies case volume (default 1.0)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        d = generate_district(seed=args.seed, start=args.start, end=args.end, scale=args.scale)
        paths = write_district(d, args.out)
    except ForesightError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(d.cases)} cases, {len(d.areas)} areas, {len(paths)} files in {args.out} "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
