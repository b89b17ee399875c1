#!/usr/bin/env python3
"""Lines up the traces of one `drover-rpc-bench --trace --work-dir DIR` fleet directory.

For each kind of call (direct or broadcast, by action) it prints medians, in ms from
the client's send, of: when each simulator took its first and last copy of the request
off its sockets, when it queued its last reply, and when the client saw its first,
middle and last reply. All processes read the same wall clock (request time has ms
resolution, the rest us).

    bench/tools/trace_summary.py DIR/fleet-1000
"""
import glob
import json
import statistics
import sys


def load(directory):
    client = [json.loads(line) for line in open(f"{directory}/client.trace.jsonl")]
    sims = {}
    for path in sorted(glob.glob(f"{directory}/fleet-*.trace.jsonl")):
        k = path.rsplit("/", 1)[1].split(".")[0]
        for line in open(path):
            entry = json.loads(line)
            sims.setdefault(entry["id"], {})[k] = entry
    return client, sims


def row(call, sims):
    t0 = call["start_us"]
    r = {}
    for k, e in sorted(sims.items()):
        r[f"{k} first in"] = (e["first_arrival_us"] - t0) / 1000
        r[f"{k} last in"] = (e["last_arrival_us"] - t0) / 1000
        r[f"{k} last reply"] = (e["last_reply_us"] - t0) / 1000
    arrivals = call["arrivals_us"]
    if arrivals:
        r["client first"] = arrivals[0] / 1000
        r["client middle"] = arrivals[len(arrivals) // 2] / 1000
        r["client last"] = arrivals[-1] / 1000
    if call["direct"]:
        r["publish"] = (call["wall_us"] - call["collect_us"]) / 1000
    return r


def main():
    client, sims = load(sys.argv[1])
    kinds = {}
    for call in client:
        if call["id"] in sims:
            kind = ("direct " if call["direct"] else "broadcast ") + call["action"]
            kinds.setdefault(kind, []).append(row(call, sims[call["id"]]))
    for kind, rows in kinds.items():
        print(f"{kind}: {len(rows)} calls (warm-up included)")
        for key in rows[0]:
            values = [r[key] for r in rows if key in r]
            print(f"  {key:24s} median {statistics.median(values):8.2f}"
                  f"  min {min(values):8.2f}  max {max(values):8.2f}")


if __name__ == "__main__":
    main()
