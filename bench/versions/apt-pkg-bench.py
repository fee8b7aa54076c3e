#!/usr/bin/python3
"""apt-pkg-bench.py: python3-apt's side of bench/versions.

  apt-pkg-bench.py PAIRS.tsv --seconds S     compares every pair with
      apt_pkg.version_compare in a loop for at least S seconds of CPU time and prints the
      comparisons per second
  apt-pkg-bench.py PAIRS.tsv --answers FILE  prints how many pairs apt_pkg orders
      differently from the -1/0/1 lines in FILE (Ward's answers)

Run it with Debian's /usr/bin/python3, which python3-apt is built for.
"""
import sys
import time

import apt_pkg


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("--seconds", "--answers"):
        sys.exit(__doc__)
    apt_pkg.init_system()
    pairs = []
    with open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            a, _, b = line.rstrip("\n").partition("\t")
            pairs.append((a, b))
    compare = apt_pkg.version_compare
    if sys.argv[2] == "--answers":
        with open(sys.argv[3]) as f:
            answers = [int(x) for x in f]
        sign = lambda v: (v > 0) - (v < 0)
        print(sum(1 for (a, b), w in zip(pairs, answers) if sign(compare(a, b)) != w))
        return
    seconds = float(sys.argv[3])
    for a, b in pairs:  # warm up
        compare(a, b)
    done = 0
    start = time.process_time()
    while True:
        for a, b in pairs:
            compare(a, b)
        done += len(pairs)
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            break
    print("%.0f" % (done / elapsed))


if __name__ == "__main__":
    main()
