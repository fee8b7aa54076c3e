#!/usr/bin/env python3
"""bench/vuln/gen.py - synthetic inputs for bench/vuln/run.sh.

  gen.py tracker OUT.json [--issues N] [--sources N]
      a Debian Security Tracker JSON of the real one's shape and size: N issues
      spread over sources (a few with thousands, as linux has), each on five
      releases with the statuses in the real feed's proportions.
  gen.py hosts DB --hosts N --packages N [--sources N]
      N hosts in a ward data directory's database, each with a packages section of
      that many installed packages (sources shared with the tracker's names, so
      matching finds work to do), a bookworm system section and an upgrades section.
Deterministic (a fixed seed), so runs compare.
"""
import argparse
import json
import random
import sqlite3
import sys
import time

RELEASES = ["buster", "bullseye", "bookworm", "trixie", "sid"]
URGENCIES = ["low", "medium", "high", "unimportant", "not yet assigned", "low**", "medium**"]


def source_name(i):
    return "src%05d" % i


def version(i, rev):
    return "%d.%d.%d-%d" % (1 + i % 7, i % 13, i % 5, rev)


def tracker(out, issues, sources):
    rng = random.Random(6)
    # a skewed spread: source 0 ("linux") gets about a tenth of the issues, as in the real file
    weights = [40.0] + [1.0 / (1 + (k % 97)) for k in range(1, sources)]
    picks = rng.choices(range(sources), weights=weights, k=issues)
    data = {}
    for n, s in enumerate(picks):
        cve = "CVE-%d-%05d" % (2000 + n % 26, n)
        rels = {}
        for r in RELEASES:
            x = rng.random()
            e = {"status": "resolved", "repositories": {r: version(s, 1)}, "urgency": rng.choice(URGENCIES)}
            if x < 0.55:
                e["fixed_version"] = version(s, rng.randint(1, 4))
            elif x < 0.65:
                e["fixed_version"] = "0"
            elif x < 0.80:
                e["status"] = "open"
            elif x < 0.90:
                e["status"] = "open"
                e["nodsa"] = "Minor issue"
                e["nodsa_reason"] = rng.choice(["ignored", "postponed", ""])
            elif x < 0.95:
                e["status"] = "open"
                e["urgency"] = "end-of-life"
            else:
                e["status"] = "undetermined"
            rels[r] = e
        data.setdefault(source_name(s), {})[cve] = {
            "description": "synthetic issue %d in %s: a buffer overflow in the parser of a file format, "
            "which a remote attacker can trigger with a crafted file to crash or run code" % (n, source_name(s)),
            "scope": rng.choice(["local", "remote"]),
            "debianbug": 1000000 + n,
            "releases": rels,
        }
    with open(out, "w") as f:
        json.dump(data, f, indent=2)


def hosts(db, n_hosts, n_packages, sources):
    rng = random.Random(7)
    con = sqlite3.connect(db)
    now = int(time.time())
    system = json.dumps({"os": {"id": "debian", "version_id": "12", "codename": "bookworm",
                                "pretty_name": "Debian GNU/Linux 12 (bookworm)"}}, separators=(",", ":"))
    for h in range(n_hosts):
        items = []
        srcs = rng.sample(range(sources), min(sources, n_packages // 2))
        for k in range(n_packages):
            s = srcs[k % len(srcs)]
            # most machines are kept up to date: the newest revision, one in ten behind
            ver = version(s, 4 if rng.random() < 0.9 else rng.randint(1, 3))
            items.append({"name": "bin%05d-%d" % (s, k // len(srcs)), "version": ver, "architecture": "amd64",
                          "source": source_name(s), "source_version": ver, "status": "installed",
                          "manager": "dpkg"})
        items.sort(key=lambda p: p["name"])
        ups = [{"name": p["name"], "architecture": "amd64", "installed": p["version"],
                "candidate": p["version"][:-1] + "9", "security": True, "archives": ["bookworm-security"]}
               for p in items[: n_packages // 30]]
        cur = con.execute("INSERT INTO hosts (uid, name, secret_hash, enrolled_at, last_report_at, os, packages) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)",
                          ("%032x" % (h + 1), "bench%04d" % h, bytes(32), now, now,
                           "Debian GNU/Linux 12 (bookworm)", n_packages))
        hid = cur.lastrowid
        sections = {
            "packages": json.dumps({"count": len(items), "items": items}, separators=(",", ":")),
            "system": system,
            "upgrades": json.dumps({"upgrades": ups, "held": [], "counts": {"upgrades": len(ups)}},
                                   separators=(",", ":")),
        }
        for name, text in sections.items():
            con.execute("INSERT INTO host_sections (host_id, section, digest, data, updated_at) "
                        "VALUES (?, ?, ?, ?, ?)", (hid, name, "0" * 64, text, now))
    con.commit()
    con.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["tracker", "hosts"])
    p.add_argument("out")
    p.add_argument("--issues", type=int, default=45000)
    p.add_argument("--sources", type=int, default=6000)
    p.add_argument("--hosts", type=int, default=1000)
    p.add_argument("--packages", type=int, default=3000)
    a = p.parse_args()
    if a.what == "tracker":
        tracker(a.out, a.issues, a.sources)
    else:
        hosts(a.out, a.hosts, a.packages, a.sources)
    return 0


if __name__ == "__main__":
    sys.exit(main())
