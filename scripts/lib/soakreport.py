"""The soak's verdict and what it writes: report.md, samples.csv and soak.png (scripts/soak).

Thresholds (they are printed in every report):
- requests: zero failures; no answer routed by an older config after a newer one was seen.
- config: every change written is seen on both paths before the next one is written.
- certificates: each workload rotates at least floor(window / rotation period) - 1 times (at least
  once).
- file descriptors and threads of each JVM: descriptors other than ESTABLISHED TCP connections,
  threads less those of the applications' own cached pools (pool-N-thread-M); both pools grow with
  the requests a stall holds in flight and keep what they made, a leak shows in the rest. After a
  warm-up of the first 20 % of the window, the median of the last 10 % differs from the median of
  the 10 % after the warm-up by at most FD_BOUND and THREAD_BOUND. The connections themselves: at
  most 4 x the peak of requests in flight + 32 at the end (a connection per request would be
  thousands). The Python app is reported, not judged:
  it is the soak's own stand-in, with a thread per connection mesh-proxy keeps open to it.
- heap, judged in runs of JUDGE_MINUTES or more: the live heap (what survives a full collection,
  forced once a minute) has a floor that a leak raises and a transient does not (requests in
  flight during a stall, caches that a later collection drops). The lowest live heap of the last
  quarter of the window may exceed the lowest of the first half after warm-up (20-50 %) by at most
  HEAP_FLOOR_KIB: at the 20-minute soak's rate (25 requests/s through each JVM, the two compared
  stretches about 10 minutes apart) that is about 140 bytes kept per request. The least-squares
  slope over the second half is reported too; single samples swing with whatever was in flight.
- RSS, judged in runs of JUDGE_MINUTES or more: the least-squares slope over the second half of
  the window at most RSS_SLOPE_KIB per minute (the heap is fixed and pre-touched, so this is the
  memory outside it).
"""
import csv
import math
import os
import statistics
import subprocess
import sys

import soaktraffic

FD_BOUND = 16
THREAD_BOUND = 8
HEAP_FLOOR_KIB = 2048
RSS_SLOPE_KIB = 1024
JUDGE_MINUTES = 10
FIELDS = ["t", "process", "rss_kib", "threads", "pool_threads", "own_threads", "fds",
          "connections", "other_fds",
          "heap_used_kib", "old_used_kib",
          "live_heap_kib", "metaspace_kib", "heap_committed_kib", "young_gcs", "full_gcs",
          "cert_expiry"]


def slope_per_minute(points):
    """Least-squares slope of (seconds, value) points, per minute; None with fewer than 3."""
    if len(points) < 3:
        return None
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def series(samples, process, field, since=None):
    return [(s["t"], s[field]) for s in samples
            if s["process"] == process and s.get(field) is not None
            and (since is None or s["t"] >= since)]


def heap_floor_growth(points, window):
    """(floor of 20-50 % of the window, floor of the last quarter, growth), or None without
    samples in both."""
    first = [v for t, v in points if 0.2 * window <= t <= 0.5 * window]
    last = [v for t, v in points if 0.75 * window <= t <= window + 1]
    if not first or not last:
        return None
    return min(first), min(last), min(last) - min(first)


def median_between(points, start, end):
    values = [v for t, v in points if start <= t <= end]
    return statistics.median(values) if values else None


def rotations(samples, process):
    """The times at which the workload's certificate expiry changed: one per renewal."""
    times, last = [], None
    for t, expiry in series(samples, process, "cert_expiry"):
        if last is not None and expiry != last:
            times.append(t)
        last = expiry
    return times


class Verdict:
    def __init__(self):
        self.checks = []  # (ok, text)

    def check(self, ok, text):
        self.checks.append((bool(ok), text))

    @property
    def passed(self):
        return all(ok for ok, _ in self.checks)


def judge(run):
    """run: the soak's results (see scripts/soak); returns (Verdict, per-process table rows)."""
    v = Verdict()
    window, traffic = run["window"], run["traffic"]
    failures = sum(traffic["failed"].values())
    v.check(failures == 0, "failed requests: %d (must be 0)" % failures)
    v.check(not traffic["regressions"],
            "answers routed by an older config after a newer one was seen: %d (must be 0)"
            % len(traffic["regressions"]))
    changes = traffic["changes"]
    applied = [c for c in changes if c.applied(run["paths"])
               and max(c.propagation(p) for p in run["paths"]) < run["config_every"]]
    v.check(changes and len(applied) == len(changes),
            "config changes applied on both paths within %d s: %d of %d"
            % (run["config_every"], len(applied), len(changes)))
    expected = max(1, math.floor(window / run["rotate_every"]) - 1)
    for w in run["workloads"]:
        n = len([t for t in rotations(run["samples"], w) if t >= 0])
        v.check(n >= expected, "certificate rotations of %s in the window: %d (at least %d)"
                % (w, n, expected))
    warm = 0.2 * window
    rows = []
    judged = run["minutes"] >= JUDGE_MINUTES
    for process in run["processes"]:
        row = {"process": process}
        jvm = process in run["jvms"]
        for field, bound, title in (
            ("other_fds", FD_BOUND, "file descriptors other than TCP connections"),
            ("own_threads", THREAD_BOUND, "threads (outside the applications' pools)")):
            pts = series(run["samples"], process, field)
            start = median_between(pts, warm, warm + 0.1 * window)
            if start is None:  # a stalled sampler: the first sample after the warm-up
                start = next((v for t, v in pts if t >= warm), None)
            end = median_between(pts, 0.9 * window, window + 1)
            if end is None:
                end = next((v for t, v in reversed(pts) if t <= window + 1), None)
            row[field] = (start, end)
            if jvm:
                v.check(start is not None and end is not None and abs(end - start) <= bound,
                        "%s %s after warm-up: %s -> %s (within %d)" % (
                            process, title, _num(start), _num(end), bound))
        connections = [v for _, v in series(run["samples"], process, "connections")]
        row["connections"] = connections
        if jvm and connections:
            limit = 4 * run["traffic"]["max_in_flight"] + 32
            v.check(connections[-1] <= limit, "%s TCP connections at the end: %d (at most 4 x the"
                    " %d requests once in flight + 32 = %d: pools, not a connection per request)"
                    % (process, connections[-1], run["traffic"]["max_in_flight"], limit))
        for field in ("live_heap_kib", "rss_kib"):
            pts = series(run["samples"], process, field)
            if not pts:
                continue
            # The last sample, taken after the traffic stopped, is an end point but not fitted.
            slope = slope_per_minute([p for p in pts if window / 2 <= p[0] <= window + 1])
            row[field] = (pts[0][1], pts[-1][1], slope)
            if field == "rss_kib" and judged and slope is not None and jvm:
                v.check(slope <= RSS_SLOPE_KIB, "%s RSS slope over the second half: %+.0f KiB/min"
                        " (at most %d)" % (process, slope, RSS_SLOPE_KIB))
        floor = heap_floor_growth(series(run["samples"], process, "live_heap_kib"), window)
        row["floor"] = floor
        if judged and floor is not None:
            v.check(floor[2] <= HEAP_FLOOR_KIB, "%s live-heap floor: %.1f MiB in 20-50 %% of the"
                    " window, %.1f MiB in the last quarter (%+.0f KiB, at most +%d)"
                    % (process, floor[0] / 1024, floor[1] / 1024, floor[2], HEAP_FLOOR_KIB))
        rows.append(row)
    return v, rows


def write_csv(path, samples):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS, extrasaction="ignore")
        w.writeheader()
        for s in samples:
            w.writerow({k: ("" if s.get(k) is None else s[k]) for k in FIELDS})


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _kib(value):
    return "-" if value is None else "%.1f MiB" % (value / 1024)


def write_report(path, run, verdict, rows):
    t = run["traffic"]
    ok, failed = sum(t["ok"].values()), sum(t["failed"].values())
    out = []
    out.append("# jmesh soak: %s" % ("PASSED" if verdict.passed else "FAILED"))
    out.append("")
    out.append("`%s` on %s, %s." % (run["command"], run["host"], run["date"]))
    out.append("")
    out.append("| | |")
    out.append("| --- | --- |")
    out.append("| window | %.0f s (%.1f min) of traffic after the mesh was up (setup took %.0f s) |"
               % (run["window"], run["window"] / 60, run["setup_seconds"]))
    out.append("| rate | %g requests/s in all asked, alternating the two paths; %.1f/s sent (a tick"
               " the sender missed by over 1 s on the busy machine is dropped, not made up) |"
               % (run["rate"], t["sent"] / run["window"]))
    out.append("| requests | %d sent, %d succeeded, %d failed; at most %d in flight at once;"
               " %d ticks skipped because %d were in flight (the machine stalled) |"
               % (t["sent"], ok, failed, t["max_in_flight"], t.get("skipped", 0),
                  soaktraffic.MAX_IN_FLIGHT))
    for p in run["paths"]:
        lat = t["latencies"][p]
        out.append("| %s | %d ok, %d failed; latency p50 %s ms, p99 %s ms, max %s ms |" % (
            run["path_titles"][p], t["ok"][p], t["failed"][p],
            _ms(percentile(lat, 0.5)), _ms(percentile(lat, 0.99)), _ms(lat[-1] if lat else None)))
    props = [c.propagation(p) for c in t["changes"] for p in run["paths"]
             if c.propagation(p) is not None]
    out.append("| config changes | %d written (every %d s), %d seen on both paths; from the write"
               " to the first answer carrying it: median %s s, max %s s |" % (
                   len(t["changes"]), run["config_every"],
                   sum(1 for c in t["changes"] if c.applied(run["paths"])),
                   _s(statistics.median(props) if props else None), _s(max(props) if props else None)))
    for w in run["workloads"]:
        times = [x for x in rotations(run["samples"], w) if x >= 0]
        gaps = [b - a for a, b in zip(times, times[1:])]
        out.append("| rotations of %s | %d in the window (certificates live %d s; renewal due"
                   " about every %d s)%s |" % (
                       w, len(times), run["cert_ttl"], run["rotate_every"],
                       "; observed every %.0f-%.0f s" % (min(gaps), max(gaps)) if gaps else ""))
    out.append("| machine | %s |" % run["machine"])
    out.append("")
    out.append("## Verdict")
    out.append("")
    for passed, text in verdict.checks:
        out.append("- %s %s" % ("ok  " if passed else "FAIL", text))
    if run["minutes"] < JUDGE_MINUTES:
        out.append("- (heap and RSS are reported, not judged, in runs shorter than %d minutes)"
                   % JUDGE_MINUTES)
    out.append("")
    out.append("## Processes")
    out.append("")
    out.append("Live heap: the old generation right after a full collection forced with `jcmd"
               " GC.run` once a minute (serial collector), i.e. what the JVM still references;"
               " first and last sample, floor (lowest) of 20-50 % of the window and of the last"
               " quarter, and the least-squares slope over the second half. RSS with a fixed,"
               " pre-touched 128 MiB heap, so it moves only with memory outside the heap. FDs other"
               " than ESTABLISHED TCP connections (connection pools grow with the requests a stall"
               " holds in flight and keep what they opened; a leaked descriptor is not an"
               " established connection) and threads (less the applications' pool-N-thread-M):"
               " medians of the 10 % after the warm-up (first 20 %) and of the last 10 %. legacy-app is the Python server: not"
               " a JVM, reported only.")
    out.append("")
    out.append("| process | live heap first, last | floor 20-50 % -> last quarter | slope"
               " | RSS first, last | RSS slope | FDs but connections | TCP connections max, end"
               " | threads (own) | in pools at the end |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        heap = row.get("live_heap_kib", (None, None, None))
        rss = row.get("rss_kib", (None, None, None))
        floor = row.get("floor")
        pools = [v for _, v in series(run["samples"], row["process"], "pool_threads")]
        conns = row.get("connections")
        out.append("| %s | %s, %s | %s | %s | %s, %s | %s | %s | %s | %s | %s |" % (
            row["process"], _kib(heap[0]), _kib(heap[1]),
            "%s -> %s" % (_kib(floor[0]), _kib(floor[1])) if floor else "-", _slope(heap[2]),
            _kib(rss[0]), _kib(rss[1]), _slope(rss[2]), _pair(row.get("other_fds")),
            "%d, %d" % (max(conns), conns[-1]) if conns else "-",
            _pair(row.get("own_threads")), "%d" % pools[-1] if pools else "-"))
    out.append("")
    out.append("![heap, RSS, file descriptors and threads over the soak](soak.png)")
    out.append("")
    out.append("## Thresholds")
    out.append("")
    out.append("Zero failed requests (any non-200, exception, answer without the client's SPIFFE ID"
               " in x-forwarded-client-cert, or no answer in 70 s); every config change seen on both"
               " paths before the next; at least max(1, floor(window / %d s) - 1) rotations per"
               " workload; per JVM, FDs other than TCP connections within %d and threads within %d"
               " after warm-up, TCP connections at the end at most 4 x the peak of requests in"
               " flight + 32; in runs of"
               " %d minutes or more, per JVM, the live-heap floor of the last quarter at most %d KiB"
               " above that of 20-50 %% of the window, and the RSS slope over the second half at"
               " most %d KiB/min. In-flight requests: at most %d at once (stalls of the busy"
               " machine; connection pools grow to that)." % (
                   run["rotate_every"], FD_BOUND, THREAD_BOUND, JUDGE_MINUTES, HEAP_FLOOR_KIB,
                   RSS_SLOPE_KIB, t.get("max_in_flight", 0)))
    if t["failures"]:
        out.append("")
        out.append("## Failures (first 50)")
        out.append("")
        for when, path, detail in t["failures"][:50]:
            out.append("- %.1f s %s: %s" % (when, path, detail.replace("\n", " ")))
    if t["regressions"]:
        out.append("")
        out.append("## Config regressions")
        out.append("")
        for when, path, old, new in t["regressions"][:50]:
            out.append("- %.1f s %s: generation %d after %d" % (when, path, old, new))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def _num(value):
    return "none" if value is None else "%g" % value


def _ms(seconds):
    return "-" if seconds is None else "%.0f" % (seconds * 1000)


def _s(seconds):
    return "-" if seconds is None else "%.1f" % seconds


def _slope(kib_per_min):
    return "-" if kib_per_min is None else "%+.0f KiB/min" % kib_per_min


def _pair(pair):
    if not pair or pair[0] is None or pair[1] is None:
        return "-"
    return "%g -> %g" % pair


def plot(csv_path, png_path):
    """Draws soak.png with matplotlib, in whichever Python has it (this one, or the system's);
    returns None on success or the reason it could not."""
    plotter = os.path.join(os.path.dirname(os.path.abspath(__file__)), "soakplot.py")
    for python in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        if not os.path.exists(python):
            continue
        if subprocess.run([python, "-c", "import matplotlib"], capture_output=True).returncode:
            continue
        done = subprocess.run([python, plotter, csv_path, png_path], capture_output=True,
                              text=True)
        return None if done.returncode == 0 else done.stderr.strip()[-500:]
    return "no Python here has matplotlib (apt-get install python3-matplotlib)"
