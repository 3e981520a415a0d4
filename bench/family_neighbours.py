#!/usr/bin/env python3
# family_neighbours.py - what sits beside a family's occurrences in a JSON report of `overlap scan --format json --families 0 --passages all` (every occurrence listed): the families next to it and in how many documents, or the text before each occurrence (bench/README.md, texts alike in the parts' join).
#
# usage: bench/family_neighbours.py REPORT.json FAMILY_ID [--gap CHARS] [--before CHARS [--sample K]]
#   default      the families whose occurrences end at most --gap characters (200) before one of
#                FAMILY_ID's or start at most that after one, with the documents where they do
#   --before N   instead, the last N characters (whitespace runs as one space) before each
#                occurrence, counted by text; --sample K marks the K occurrences spread over the
#                family (k * occurrences / K) that the widening reads first
# Paths in the report are read relative to the current directory (run it where the scan ran).
import collections
import json
import signal
import sys


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__ or "usage: family_neighbours.py REPORT.json FAMILY_ID [--gap N] [--before N [--sample K]]")
    report, fid = argv[1], int(argv[2])
    opts = dict(zip(argv[3::2], argv[4::2]))
    gap, before, sample = int(opts.get("--gap", 200)), int(opts.get("--before", 0)), int(opts.get("--sample", 0))
    fams = json.load(open(report, encoding="utf-8"))["families"]
    byid = {f["id"]: f for f in fams}
    fam = byid[fid]
    spans = fam["spans"]
    if before:
        picked = {k * len(spans) // sample for k in range(sample)} if sample else set()
        count, inpick = collections.Counter(), collections.Counter()
        for i, s in enumerate(spans):
            text = open(s["path"], encoding="utf-8", errors="replace").read()
            key = " ".join(text[max(0, s["char_start"] - 4 * before):s["char_start"]].split())[-before:]
            count[key] += 1
            inpick[key] += i in picked
        print(f"family {fid}: {len(spans)} occurrences listed ({fam['documents']} documents with copies)")
        for key, n in count.most_common():
            print(f"{n:6d} {inpick[key]:3d}  {key!r}")
        return
    occ = collections.defaultdict(list)
    for f in fams:
        for s in f["spans"]:
            occ[s["path"]].append((s["char_start"], s["char_end"], f["id"]))
    docs = {s["path"] for s in spans}
    side = collections.Counter()
    for path in docs:
        mine = [(a, b) for a, b, k in occ[path] if k == fid]
        near = set()
        for a, b, k in occ[path]:
            if k == fid:
                continue
            for x, y in mine:
                if 0 <= x - b <= gap:
                    near.add(("before", k))
                if 0 <= a - y <= gap:
                    near.add(("after", k))
        for n in near:
            side[n] += 1
    print(f"family {fid}: {len(docs)} documents listed ({fam['documents']} with copies): {fam['text'][:70]!r}")
    for (where, k), n in side.most_common(20):
        print(f"{n:6d}  {where:6s} family {k}: {byid[k]['text'][:70]!r}")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # (piped into head: no traceback)
    main(sys.argv)
