#!/usr/bin/env python3
"""Write a large finance-sentence file in the bundled format, for benchmarks.

Same JSON lines as assets/data/finance_sentences.jsonl ({"sentence": ...,
"label": ...}), from the same templates and building blocks
(make_finance_sentences.generate), drawn with another seed and scaled to N
sentences in the bundled file's label mix. Deterministic: the same N gives the
same bytes. Sentences may repeat (a template with few fields has few distinct
fillings), as they do in a real news feed; the count of distinct ones is printed.
Not committed: the bundled 700 are the data set, this is for timing.

Usage (from the repository root):
    python3 scripts/grow_finance_sentences.py 100000 /tmp/finance_100k.jsonl
"""

import argparse
import pathlib
import sys

# The generator lives beside this script; import it whatever the working directory.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import make_finance_sentences as bundled  # noqa: E402

# Not the bundled seed, so a grown file is not the bundled one plus more.
GROW_SEED = 90


def scaled_counts(total: int) -> dict[str, int]:
    """The bundled label mix scaled to `total`, rounding so the counts add up exactly."""
    bundled_total = sum(bundled.LABEL_COUNTS.values())
    exact = {label: n * total / bundled_total for label, n in bundled.LABEL_COUNTS.items()}
    counts = {label: int(x) for label, x in exact.items()}
    # Largest remainders get the sentences that flooring left over.
    short = total - sum(counts.values())
    for label in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:short]:
        counts[label] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="how many sentences to write")
    parser.add_argument("out", type=pathlib.Path, help="the JSON-lines file to write")
    parser.add_argument("--seed", type=int, default=GROW_SEED)
    args = parser.parse_args()
    if args.n < 0:
        parser.error("N must be 0 or more")

    counts = scaled_counts(args.n)
    rows = bundled.generate(counts, args.seed, unique=False)
    bundled.write_jsonl(rows, args.out)
    distinct = len({row["sentence"] for row in rows})
    mix = ", ".join(f"{label} {n}" for label, n in counts.items())
    print(f"wrote {len(rows)} sentences ({mix}; {distinct} distinct) to {args.out}")


if __name__ == "__main__":
    main()
