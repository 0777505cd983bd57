#!/usr/bin/env python3
"""The parts of scripts/demo that are easier in Python than in bash (standard library only).

    demo.py apply CONFIG_DIR FILE...        kubectl-apply Istio YAML into the watched directory
    demo.py delete CONFIG_DIR KIND NAME     remove one applied resource
    demo.py await-config CP_HTTP VERSION    wait for a config newer than VERSION to reach everyone
    demo.py config-version CP_HTTP          the control plane's current config version
    demo.py burst URL N [HEADER:VALUE]      N GETs, 4 at a time; prints the status codes
    demo.py scrape OUT NAME=ADMIN_URL...    the agents' Istio metrics, summed per service/version
    demo.py table BEFORE AFTER STEP TITLE   the table of what changed in between

`apply` gives each resource a file of its own, named by kind and name, so applying a file that
holds a VirtualService `reviews` replaces the one applied before, as `kubectl apply` does (two
files defining one VirtualService would be a duplicate the control plane rejects).

With DEMO_RESULTS=FILE, `table` and `note` also append one JSON line per step to FILE, for
testsuite/.../demo/DemoTest.
"""
import concurrent.futures
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
SAMPLE = re.compile(r"^(\w+)\{(.*)\}\s+(\S+)")


def fail(message):
    print("demo: " + message, file=sys.stderr)
    sys.exit(1)


def get(url, headers=None, timeout=30.0):
    """(status, body) of a GET; status 0 and the error text when there is no HTTP answer."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e)


# --- apply -------------------------------------------------------------------------------------


def documents(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for doc in re.split(r"(?m)^---\s*$", text):
        if doc.strip():
            yield doc.strip() + "\n"


def kind_and_name(doc, path):
    kind = re.search(r"(?m)^kind:\s*(\S+)", doc)
    metadata = re.search(r"(?ms)^metadata:\s*\n((?:[ \t]+.*\n?)+)", doc)
    name = re.search(r"(?m)^\s+name:\s*(\S+)", metadata.group(1)) if metadata else None
    if not kind or not name:
        fail(path + ": a document without kind or metadata.name; each resource needs both")
    return kind.group(1), name.group(1).strip("\"'")


def apply(config_dir, files):
    for path in files:
        for doc in documents(path):
            kind, name = kind_and_name(doc, path)
            target = os.path.join(config_dir, (kind + "-" + name).lower() + ".yaml")
            tmp = target + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write("# from " + os.path.basename(path) + "\n" + doc)
            # The control plane watches the directory: a rename is never seen half-written.
            os.replace(tmp, target)
            print("   applied %s %s  (%s)" % (kind, name, os.path.basename(path)))


def delete(config_dir, kind, name):
    target = os.path.join(config_dir, (kind + "-" + name).lower() + ".yaml")
    if os.path.exists(target):
        os.remove(target)
        print("   deleted %s %s" % (kind, name))


# --- config propagation ------------------------------------------------------------------------


def config_version(cp_http):
    status, body = get("http://%s/debug/configz" % cp_http, timeout=10)
    if status != 200:
        fail("the control plane's /debug/configz on %s answered %s: %s" % (cp_http, status, body))
    return int(json.loads(body)["version"])


def await_config(cp_http, previous, timeout=60.0):
    """Waits until the control plane read a version after `previous` and every workload ACKed
    what it was sent: only then does the next burst measure the new config."""
    deadline = time.monotonic() + timeout
    while config_version(cp_http) <= previous:
        if time.monotonic() > deadline:
            fail("the control plane did not pick up the change within %.0f s "
                 "(its log says why: a rejected resource is reported with file and line)" % timeout)
        time.sleep(0.2)
    # A push follows the new version within milliseconds; let it leave before judging the ACKs.
    time.sleep(1.0)
    while True:
        status, body = get("http://%s/debug/syncz" % cp_http, timeout=10)
        states = re.findall(r'"(SYNCED|STALE|NACKED)"', body) if status == 200 else ["?"]
        if states and all(s == "SYNCED" for s in states):
            return
        if "NACKED" in states:
            fail("a workload refused the new config (NACK): scripts/mesh status "
                 "--control-plane %s says which and why" % cp_http)
        if time.monotonic() > deadline:
            fail("not every workload took the new config within %.0f s: scripts/mesh status "
                 "--control-plane %s" % (timeout, cp_http))
        time.sleep(0.2)


# --- traffic -----------------------------------------------------------------------------------


def burst(url, n, header=None, concurrency=4):
    headers = {}
    if header:
        key, _, value = header.partition(":")
        headers[key.strip()] = value.strip()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda _: get(url, headers), range(n)))
    codes = {}
    for status, _ in results:
        codes[status] = codes.get(status, 0) + 1
    shown = ", ".join("%s x%d" % (c if c else "no answer", k) for c, k in sorted(codes.items()))
    print("   sent %d x GET %s%s: %s" % (n, url, " (" + header + ")" if header else "", shown))


# --- metrics -----------------------------------------------------------------------------------


def labels(text):
    return {k: v for k, v in LABEL.findall(text)}


def scrape(out, targets):
    """Sums the server side (reporter="destination") of every workload, per service and
    version: each workload counts the requests it served itself, with its own version label."""
    series = {}
    for target in targets:
        name, _, url = target.partition("=")
        status, body = get(url, timeout=15)
        if status != 200:
            fail("cannot read %s's metrics at %s: %s %s" % (name, url, status, body[:200]))
        for line in body.splitlines():
            m = SAMPLE.match(line)
            if not m or m.group(1) not in (
                "istio_requests_total",
                "istio_request_duration_milliseconds_bucket",
            ):
                continue
            lab = labels(m.group(2))
            if lab.get("reporter") != "destination":
                continue
            key = lab.get("destination_service_name", "?") + " " + lab.get(
                "destination_version", "?")
            entry = series.setdefault(key, {"codes": {}, "buckets": {}})
            value = float(m.group(3))
            if m.group(1) == "istio_requests_total":
                code = lab.get("response_code", "0")
                entry["codes"][code] = entry["codes"].get(code, 0) + value
            else:
                le = lab.get("le", "+Inf")
                entry["buckets"][le] = entry["buckets"].get(le, 0) + value
    with open(out, "w", encoding="utf-8") as f:
        json.dump(series, f)


def bound(le):
    return float("inf") if le == "+Inf" else float(le)


def quantile(q, buckets):
    """Prometheus's histogram_quantile over cumulative buckets {le: count}."""
    ordered = sorted(((bound(le), c) for le, c in buckets.items()), key=lambda b: b[0])
    if not ordered or ordered[-1][1] <= 0:
        return None
    rank = q * ordered[-1][1]
    lower, below = 0.0, 0.0
    for upper, count in ordered:
        if count >= rank:
            if upper == float("inf"):
                return lower
            if count == below:
                return upper
            return lower + (upper - lower) * (rank - below) / (count - below)
        lower, below = upper, count
    return lower


def table(before_file, after_file, step, title):
    with open(before_file, encoding="utf-8") as f:
        before = json.load(f)
    with open(after_file, encoding="utf-8") as f:
        after = json.load(f)
    rows = []
    for key in sorted(after):
        old = before.get(key, {"codes": {}, "buckets": {}})
        codes = {c: n - old["codes"].get(c, 0) for c, n in after[key]["codes"].items()}
        codes = {c: int(round(n)) for c, n in codes.items() if n > 0}
        total = sum(codes.values())
        if total == 0:
            continue
        buckets = {le: n - old["buckets"].get(le, 0) for le, n in after[key]["buckets"].items()}
        errors = sum(n for c, n in codes.items() if not c.startswith(("2", "3")))
        p99 = quantile(0.99, buckets)
        service, version = key.split(" ", 1)
        rows.append({
            "service": service,
            "version": version,
            "requests": total,
            "errors": errors,
            "errorRate": errors / total,
            "p99Ms": None if p99 is None else round(p99, 1),
            "codes": codes,
        })
    print()
    print("   %-12s %-8s %9s %7s %11s   %s" % (
        "SERVICE", "VERSION", "REQUESTS", "SHARE", "ERROR RATE", "P99 (ms)   codes"))
    for service in sorted({r["service"] for r in rows}):
        mine = [r for r in rows if r["service"] == service]
        all_requests = sum(r["requests"] for r in mine)
        for r in mine:
            print("   %-12s %-8s %9d %6.0f%% %10.1f%% %11s   %s" % (
                r["service"], r["version"], r["requests"], 100.0 * r["requests"] / all_requests,
                100.0 * r["errorRate"], "-" if r["p99Ms"] is None else "%.0f" % r["p99Ms"],
                " ".join("%s x%d" % kv for kv in sorted(r["codes"].items()))))
    if not rows:
        print("   (no requests reached a meshed server)")
    print("   (%s; from istio_requests_total and istio_request_duration_milliseconds_bucket, "
          "reporter=destination)" % title)
    record({"step": step, "title": title, "rows": rows})


def note(step, pairs):
    """A step's result that is not a metric (a plaintext connection refused), for DemoTest."""
    entry = {"step": step}
    for pair in pairs:
        key, _, value = pair.partition("=")
        entry[key] = value
    record(entry)


def record(entry):
    results = os.environ.get("DEMO_RESULTS")
    if results:
        with open(results, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    command, args = argv[1], argv[2:]
    if command == "apply" and len(args) >= 2:
        apply(args[0], args[1:])
    elif command == "delete" and len(args) == 3:
        delete(*args)
    elif command == "config-version" and len(args) == 1:
        print(config_version(args[0]))
    elif command == "await-config" and len(args) == 2:
        await_config(args[0], int(args[1]))
    elif command == "burst" and len(args) in (2, 3):
        burst(args[0], int(args[1]), args[2] if len(args) == 3 else None)
    elif command == "scrape" and len(args) >= 2:
        scrape(args[0], args[1:])
    elif command == "table" and len(args) == 4:
        table(*args)
    elif command == "note" and len(args) >= 1:
        note(args[0], args[1:])
    else:
        fail("bad command line: " + " ".join(argv[1:]) + "\n" + __doc__)


if __name__ == "__main__":
    main(sys.argv)
