#!/usr/bin/env python3
"""bench/helpdesk/client.py: times GET requests to Ward one at a time, on one
keep-alive connection to 127.0.0.1, and prints key=value lines for run.sh.

  client.py latency --url URL --token-file F --paths FILE [--rounds R] [--warmup W] [--raw OUT]
      FILE has one "label<TAB>path" a line; every path is requested once per round,
      in order, R rounds (after W unrecorded rounds). Every answer must be 200 with
      the JSON key the path's listing has.
  client.py walk --url URL --token-file F --path PATH [--max-pages N] [--raw OUT]
      Follows a ticket listing's cursor ("next" -> after=) from the first page to the
      last (or N pages), checking the order of the pages and that no ticket repeats.

Latencies are wall-clock times from sending the request to reading the whole body.
"""

import argparse
import http.client
import json
import math
import sys
import time
import urllib.parse


def percentile(values, q):
    """Nearest-rank percentile of values (q in 0..100); nan for none."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(1, math.ceil(q / 100.0 * len(v)))
    return v[k - 1]


class Client:
    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http" or u.hostname != "127.0.0.1":
            sys.exit("client.py: only http://127.0.0.1 is allowed, not %r" % url)
        self.host, self.port = u.hostname, u.port
        self.headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
        self.conn = None
        self.reconnects = 0

    def get(self, path):
        """(status, body bytes, seconds) of GET path; reconnects once if the server
        closed the connection."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
                if attempt or self.reconnects:
                    self.reconnects += 1
            t0 = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=self.headers)
                resp = self.conn.getresponse()
                body = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            dt = time.perf_counter() - t0
            if resp.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return resp.status, body, dt
        raise RuntimeError("unreachable")


def expected_key(path):
    if path.startswith("/api/v1/search"):
        return "results"
    if path.startswith("/api/v1/kb/"):
        return "articles"
    return "tickets"


def summary(prefix, lat_ms):
    out = {
        prefix + "requests": len(lat_ms),
        prefix + "p50_ms": percentile(lat_ms, 50),
        prefix + "p95_ms": percentile(lat_ms, 95),
        prefix + "p99_ms": percentile(lat_ms, 99),
        prefix + "max_ms": max(lat_ms) if lat_ms else float("nan"),
        prefix + "mean_ms": sum(lat_ms) / len(lat_ms) if lat_ms else float("nan"),
    }
    return out


def emit(kv):
    for k, v in kv.items():
        if isinstance(v, float):
            v = "nan" if math.isnan(v) else "%.3f" % v
        print("%s=%s" % (k, v))


def cmd_latency(a, client):
    items = []
    with open(a.paths) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            label, path = line.split("\t", 1)
            items.append((label, path))
    if not items:
        sys.exit("client.py: no paths in " + a.paths)
    errors, first_error = 0, ""
    per = {label: [] for label, _ in items}
    hits = {}
    lat = []
    raw = []
    for r in range(a.warmup + a.rounds):
        for label, path in items:
            status, body, dt = client.get(path)
            ok = status == 200
            n = None
            if ok:
                try:
                    doc = json.loads(body)
                    n = len(doc[expected_key(path)])
                except (ValueError, KeyError, TypeError) as e:
                    ok = False
                    body = ("bad JSON: %s" % e).encode()
            if not ok:
                errors += 1
                if not first_error:
                    first_error = "%s %d %s" % (path, status, body[:200].decode("utf-8", "replace"))
                continue
            hits[label] = n
            if r >= a.warmup:
                ms = dt * 1000.0
                lat.append(ms)
                per[label].append(ms)
                raw.append("%s\t%.3f\t%d" % (label, ms, n))
    kv = summary("", lat)
    kv["errors"] = errors
    kv["first_error"] = first_error.replace("\n", " ")
    kv["reconnects"] = client.reconnects
    kv["queries"] = len(items)
    kv["empty"] = sum(1 for label, _ in items if hits.get(label) == 0)
    # The slowest paths by their median: where the time goes.
    med = sorted(((percentile(v, 50), k) for k, v in per.items() if v), reverse=True)
    kv["slowest"] = "; ".join("%s %.1f ms (%d hits)" % (k, m, hits.get(k, 0)) for m, k in med[:6])
    kv["fastest"] = "; ".join("%s %.1f ms (%d hits)" % (k, m, hits.get(k, 0)) for m, k in med[-3:])
    emit(kv)
    if a.raw:
        with open(a.raw, "w") as f:
            f.write("\n".join(raw) + "\n")
    return 0


def cmd_walk(a, client):
    path = a.path
    by_due = "sort=due" in path
    seen = set()
    lat, errors, first_error, order_errors = [], 0, "", 0
    prev_key = None
    pages = tickets = 0
    after = None
    while pages < a.max_pages:
        p = path if after is None else path + "&after=" + urllib.parse.quote(after)
        status, body, dt = client.get(p)
        if status != 200:
            errors += 1
            first_error = "%s %d %s" % (p, status, body[:200].decode("utf-8", "replace"))
            break
        doc = json.loads(body)
        lat.append(dt * 1000.0)
        pages += 1
        for t in doc["tickets"]:
            n = t["number"]
            if n in seen:
                order_errors += 1
            seen.add(n)
            if by_due:
                due = t["resolve_due_at"] if t["resolve_due_at"] is not None else 2**63 - 1
                key = (due, n)
                if prev_key is not None and key <= prev_key:
                    order_errors += 1
            else:
                key = -n
                if prev_key is not None and key <= prev_key:
                    order_errors += 1
            prev_key = key
            tickets += 1
        after = doc.get("next")
        if not after:
            break
    kv = summary("", lat)
    kv.update({"pages": pages, "tickets": tickets, "errors": errors, "first_error": first_error,
               "order_errors": order_errors, "first_ms": lat[0] if lat else float("nan"),
               "last_ms": lat[-1] if lat else float("nan"), "complete": 0 if after else 1,
               "reconnects": client.reconnects})
    emit(kv)
    if a.raw:
        with open(a.raw, "w") as f:
            f.write("\n".join("page%d\t%.3f" % (i + 1, v) for i, v in enumerate(lat)) + "\n")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["latency", "walk"])
    ap.add_argument("--url", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--paths")
    ap.add_argument("--path")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--max-pages", type=int, default=1000)
    ap.add_argument("--raw")
    a = ap.parse_args()
    with open(a.token_file) as f:
        token = f.read().strip()
    client = Client(a.url, token)
    if a.command == "latency":
        if not a.paths:
            sys.exit("client.py: latency needs --paths")
        return cmd_latency(a, client)
    if not a.path:
        sys.exit("client.py: walk needs --path")
    return cmd_walk(a, client)


if __name__ == "__main__":
    sys.exit(main())
