#!/usr/bin/env python3
"""trace_check.py - checks a Chrome trace-event file as the snoop writes it.

    trace_check.py validate FILE   the format: a {"traceEvents": [...]}
                                   object; each event has the fields its
                                   phase requires (ph, pid, tid, ts, name;
                                   dur for X; id for flows and async
                                   slices; args.name or args.sort_index for metadata); every
                                   flow id has one start and one end, both
                                   inside a slice of their thread; async
                                   begins and ends pair up; complete
                                   slices of a thread nest.  Prints each
                                   problem, exits 1 if there is one.
    trace_check.py summary FILE    what a viewer would show, one fact a
                                   line: "process NAME", "slice PROCESS |
                                   NAME", "txn PROCESS | NAME", "flow CAT
                                   SRC-PROCESS | SRC-SLICE -> DST-PROCESS
                                   | DST-SLICE", sorted.

The format is Google's "Trace Event Format" document (the JSON Object
Format, phases X, M, i, b/e, s/f).
"""
import collections
import json
import sys

EPS = 0.0005  # timestamps are printed with 3 decimals (ns in us)

REQUIRED = {
    "X": ("name", "ts", "dur", "pid", "tid"),
    "M": ("name", "pid", "args"),
    "i": ("name", "ts", "pid", "tid"),
    "b": ("name", "cat", "id", "ts", "pid", "tid"),
    "e": ("name", "cat", "id", "ts", "pid", "tid"),
    "s": ("name", "cat", "id", "ts", "pid", "tid"),
    "f": ("name", "cat", "id", "ts", "pid", "tid"),
}


def load(path):
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        raise SystemExit("%s: not a trace-event JSON object" % path)
    return doc["traceEvents"]


def slices_by_thread(events):
    th = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            th[(e["pid"], e["tid"])].append(e)
    for v in th.values():
        v.sort(key=lambda e: (e["ts"], -e["dur"]))
    return th


def enclosing(th, e):
    """The innermost slice of e's thread that contains e's timestamp."""
    best = None
    for s in th.get((e["pid"], e["tid"]), []):
        if s["ts"] - EPS <= e["ts"] <= s["ts"] + s["dur"] + EPS:
            if best is None or s["dur"] <= best["dur"]:
                best = s
    return best


def validate(events):
    problems = []
    for i, e in enumerate(events):
        ph = e.get("ph")
        if ph not in REQUIRED:
            problems.append("event %d: unknown phase %r" % (i, ph))
            continue
        for k in REQUIRED[ph]:
            if k not in e:
                problems.append("event %d (%s): no %s" % (i, ph, k))
        if ph == "X" and e.get("dur", 0) < 0:
            problems.append("event %d: negative dur" % i)
        if ph == "M" and e.get("name") in ("process_name", "thread_name") \
                and "name" not in e.get("args", {}):
            problems.append("event %d: %s without args.name" % (i, e.get("name")))
        if ph == "M" and e.get("name", "").endswith("sort_index") \
                and "sort_index" not in e.get("args", {}):
            problems.append("event %d: %s without args.sort_index" % (i, e.get("name")))
    if problems:
        return problems
    th = slices_by_thread(events)
    flows = collections.defaultdict(list)
    asyncs = collections.defaultdict(list)
    for e in events:
        if e["ph"] in "sf":
            flows[(e["cat"], e["id"])].append(e)
        elif e["ph"] in "be":
            asyncs[(e["cat"], e["id"], e["pid"])].append(e)
    for key, v in flows.items():
        phases = sorted(x["ph"] for x in v)
        if phases != ["f", "s"]:
            problems.append("flow %s: phases %s, not one s and one f" % (key, phases))
            continue
        for x in v:
            if enclosing(th, x) is None:
                problems.append("flow %s: its %s is in no slice of its thread" % (key, x["ph"]))
    for key, v in asyncs.items():
        phases = [x["ph"] for x in sorted(v, key=lambda x: x["ts"])]
        if phases != ["b", "e"]:
            problems.append("async %s: phases %s, not b then e" % (key, phases))
    for key, v in th.items():
        stack = []
        for s in v:
            while stack and s["ts"] >= stack[-1]["ts"] + stack[-1]["dur"] - EPS:
                stack.pop()
            if stack and s["ts"] + s["dur"] > stack[-1]["ts"] + stack[-1]["dur"] + EPS:
                problems.append("thread %s: %r overlaps %r without nesting"
                                % (key, s["name"], stack[-1]["name"]))
            stack.append(s)
    return problems


def summary(events):
    names = {}
    for e in events:
        if e["ph"] == "M" and e["name"] == "process_name":
            names[e["pid"]] = e["args"]["name"]
    th = slices_by_thread(events)
    out = ["process " + n for n in names.values()]
    for e in events:
        proc = names.get(e.get("pid"), "?")
        if e["ph"] == "X":
            out.append("slice %s | %s" % (proc, e["name"]))
        elif e["ph"] == "b":
            out.append("txn %s | %s" % (proc, e["name"]))
    flows = collections.defaultdict(dict)
    for e in events:
        if e["ph"] in "sf":
            flows[(e["cat"], e["id"])][e["ph"]] = e
    for (cat, _), v in flows.items():
        s, f = v.get("s"), v.get("f")
        if not s or not f:
            continue
        a, b = enclosing(th, s), enclosing(th, f)
        out.append("flow %s %s | %s -> %s | %s" % (
            cat, names.get(s["pid"]), a and a["name"], names.get(f["pid"]), b and b["name"]))
    return sorted(out)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("validate", "summary"):
        raise SystemExit(__doc__)
    events = load(sys.argv[2])
    if sys.argv[1] == "validate":
        problems = validate(events)
        for p in problems:
            print(p)
        sys.exit(1 if problems else 0)
    for line in summary(events):
        print(line)


if __name__ == "__main__":
    main()
