#!/usr/bin/env python3
"""vercorpus.py: the version pairs t0020-vercmp.sh checks, and the check against the
real dpkg binary.

  vercorpus.py pairs OUT_DIR [--lists DIR] [--status FILE] [--max N] [--sample N]
      Reads every version of this machine's apt lists (through apt-helper cat-file, so
      any compression apt keeps them in) and dpkg status file, and writes
        OUT_DIR/pairs.tsv   "A<tab>B" lines: neighbours after sorting, random pairs,
                            pairs within one package, each version against itself, and
                            edits of real versions (~, +b1, epochs, -0 revisions)
        OUT_DIR/kinds.txt   the kind of each pair, line by line
        OUT_DIR/sample.tsv  a spread of the pairs for the dpkg binary, one call each
      and prints "versions N pairs N sample N lists N".

  vercorpus.py dpkg SAMPLE.tsv ANSWERS
      For each pair and Ward's answer (-1, 0, 1), runs dpkg --compare-versions A lt|eq|gt
      B (two at a time) and prints every pair where dpkg disagrees, then
      "dpkg-checked N disagreed N". Exit 1 on any disagreement.
"""
import concurrent.futures
import glob
import os
import random
import subprocess
import sys


def read_index(path, out, by_pkg):
    if path.endswith("_Packages"):
        with open(path, "rb") as f:
            data = f.read()
    else:
        helper = "/usr/lib/apt/apt-helper"
        if not os.access(helper, os.X_OK):
            return False
        data = subprocess.run([helper, "cat-file", path], check=True, capture_output=True).stdout
    pkg = None
    for line in data.decode("utf-8", "replace").split("\n"):
        if line.startswith("Package:"):
            pkg = line[8:].strip()
        elif line.startswith("Version:"):
            v = line[8:].strip()
            out.add(v)
            if pkg:
                by_pkg.setdefault(pkg, set()).add(v)
        elif not line:
            pkg = None
    return True


def sort_v(versions):
    """Close to Debian's order (GNU sort -V), for neighbours: exactness is not needed."""
    r = subprocess.run(["sort", "-V"], input="\n".join(versions) + "\n", capture_output=True, text=True, check=True)
    return [v for v in r.stdout.split("\n") if v]


def make_pairs(args):
    out_dir = args[0]
    lists, status, most, sample_n = "/var/lib/apt/lists", "/var/lib/dpkg/status", 200000, 3000
    i = 1
    while i < len(args):
        if args[i] == "--lists":
            lists = args[i + 1]
        elif args[i] == "--status":
            status = args[i + 1]
        elif args[i] == "--max":
            most = int(args[i + 1])
        elif args[i] == "--sample":
            sample_n = int(args[i + 1])
        else:
            sys.exit("vercorpus.py: unknown argument " + args[i])
        i += 2
    versions, by_pkg = set(), {}
    nlists = 0
    for path in sorted(glob.glob(os.path.join(lists, "*_Packages*"))):
        if path.endswith((".diff_Index",)) or "diff" in os.path.basename(path):
            continue
        if read_index(path, versions, by_pkg):
            nlists += 1
    if os.path.exists(status):
        read_index(status, versions, by_pkg)
    versions = sorted(v for v in versions if "\t" not in v)
    rng = random.Random(20261127)
    pairs = []

    def add(kind, a, b):
        pairs.append((kind, a, b))

    ordered = sort_v(versions)
    for a, b in zip(ordered, ordered[1:]):
        add("neighbour", a, b)
        add("neighbour", b, a)
    for v in versions:
        add("self", v, v)
    for name in sorted(by_pkg):
        vs = sorted(by_pkg[name])
        for x in range(len(vs)):
            for y in range(x + 1, min(len(vs), x + 6)):
                add("package", vs[x], vs[y])
    edits = [lambda v: v + "~", lambda v: v + "~~", lambda v: v + "+b1", lambda v: v + "-0",
             lambda v: v + "a", lambda v: v + ".0", lambda v: "1:" + v if ":" not in v else v.split(":", 1)[1],
             lambda v: v.replace("-", "~", 1), lambda v: v.replace(".", "", 1), lambda v: "0:" + v if ":" not in v else v]
    for v in rng.sample(versions, min(len(versions), 4000)):
        for e in edits:
            add("edit", v, e(v))
    n_random = max(0, min(60000, most - len(pairs)))
    for _ in range(n_random):
        add("random", rng.choice(versions), rng.choice(versions))
    if len(pairs) > most:
        rng.shuffle(pairs)
        pairs = pairs[:most]
    with open(os.path.join(out_dir, "pairs.tsv"), "w") as f, open(os.path.join(out_dir, "kinds.txt"), "w") as k:
        for kind, a, b in pairs:
            f.write(a + "\t" + b + "\n")
            k.write(kind + "\n")
    # The sample: every kind represented, neighbours (the close calls) most of all.
    by_kind = {}
    for p in pairs:
        by_kind.setdefault(p[0], []).append(p)
    share = {"neighbour": 0.4, "edit": 0.25, "package": 0.15, "random": 0.15, "self": 0.05}
    sample = []
    for kind, frac in share.items():
        got = by_kind.get(kind, [])
        sample += rng.sample(got, min(len(got), int(sample_n * frac)))
    with open(os.path.join(out_dir, "sample.tsv"), "w") as f:
        for _, a, b in sample:
            f.write(a + "\t" + b + "\n")
    print("versions %d pairs %d sample %d lists %d" % (len(versions), len(pairs), len(sample), nlists))


def check_dpkg(args):
    pairs = [l.rstrip("\n").split("\t") for l in open(args[0])]
    answers = [l.strip() for l in open(args[1])]
    if len(pairs) != len(answers):
        sys.exit("vercorpus.py: %d pairs but %d answers" % (len(pairs), len(answers)))
    ops = {"-1": "lt", "0": "eq", "1": "gt"}

    def one(i):
        a, b = pairs[i]
        op = ops.get(answers[i])
        if op is None:
            return (i, "ward said " + answers[i])
        r = subprocess.run(["dpkg", "--compare-versions", a, op, b], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return None if r.returncode == 0 else (i, "dpkg --compare-versions '%s' %s '%s' exits %d" % (a, op, b,
                                                                                                     r.returncode))

    bad = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for res in ex.map(one, range(len(pairs))):
            if res:
                bad.append(res)
    for i, why in bad[:20]:
        print("disagree: %s" % why)
    print("dpkg-checked %d disagreed %d" % (len(pairs), len(bad)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "pairs":
        make_pairs(sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "dpkg":
        check_dpkg(sys.argv[2:])
    else:
        sys.exit(__doc__)
