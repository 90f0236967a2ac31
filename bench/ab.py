#!/usr/bin/env python3
"""Same-run A/B of two `loupe` binaries on the workloads of `loupe bench workloads`.

Each round runs every workload once per binary, alternating which goes first, each in its
own process, so a busy spell on the shared machine hits both sides alike. Prints new/old
for the minimum and the median over all timed runs.

    python3 bench/ab.py OLD_LOUPE NEW_LOUPE W1_b8,W2_b8,W4_pgd [rounds] [-- extra bench options]
    python3 bench/ab.py /tmp/old/.build/release/loupe .build/release/loupe W2_b8,W4_pgd 3 -- --repetitions 3 --images 2000
"""
import json
import statistics
import subprocess
import sys


def main():
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    if len(args) < 3:
        raise SystemExit(__doc__)
    old, new, works = args[0], args[1], args[2].split(",")
    rounds = int(args[3]) if len(args) > 3 else 3
    times = {w: {"old": [], "new": []} for w in works}
    for r in range(rounds):
        for w in works:
            sides = [("old", old), ("new", new)]
            for tag, binary in (sides if r % 2 == 0 else sides[::-1]):
                out = subprocess.run([binary, "bench", "workloads", "--only", w, "--json"] + extra,
                                     capture_output=True, text=True, check=True)
                line = [l for l in out.stdout.splitlines() if l.startswith("{")][-1]
                entry = next(x for x in json.loads(line)["workloads"] if x.get("name") == w)
                times[w][tag] += entry["times_ms"]
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)
    for w in works:
        o, n = times[w]["old"], times[w]["new"]
        print(f"{w}: old min {min(o):.1f} med {statistics.median(o):.1f} ms | new min {min(n):.1f} "
              f"med {statistics.median(n):.1f} ms | new/old min {min(n) / min(o):.3f} "
              f"med {statistics.median(n) / statistics.median(o):.3f} (n = {len(o)}, {len(n)})")


if __name__ == "__main__":
    main()
