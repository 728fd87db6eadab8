#!/usr/bin/env python3
"""Generate the bundled regression dataset: assets/data/regression_dataset.txt.

The classic two-column file: x and y separated by a tab, no header, one sample a
line, y = SLOPE * x + INTERCEPT + Gaussian noise. Seeded, so running it again
writes the same bytes (numpy's PCG64 stream is stable across versions).

Usage (from the repository root):
    python3 scripts/make_regression_dataset.py [--rows 1000] [--seed 7] [--out PATH]

A larger file for timing the pipeline (not committed):
    python3 scripts/make_regression_dataset.py --rows 1000000 --out /tmp/regression_1m.txt
"""

import argparse
import pathlib

import numpy as np

SLOPE = 2.5
INTERCEPT = 1.0
NOISE_STD = 1.5


def main() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--out", type=pathlib.Path, default=root / "assets" / "data" / "regression_dataset.txt"
    )
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    x = rng.uniform(0.0, 10.0, size=args.rows)
    y = SLOPE * x + INTERCEPT + rng.normal(0.0, NOISE_STD, size=args.rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Six decimals: the text is the data; numpy and polars parse it to the same f64s.
    np.savetxt(args.out, np.column_stack([x, y]), fmt="%.6f", delimiter="\t")
    print(f"wrote {args.rows} rows to {args.out}")


if __name__ == "__main__":
    main()
