"""The soak's verdict and what it writes: report.md, samples.csv and soak.png (scripts/soak).

Thresholds (they are printed in every report):
- requests: zero failures; no answer routed by an older config after a newer one was seen.
- config: every change written is seen on both paths before the next one is written.
- certificates: each workload rotates at least floor(window / rotation period) - 1 times (at least
  once).
- file descriptors and threads (less those of the applications' own cached pools, named
  pool-N-thread-M, which follow the concurrency a stall causes): after a warm-up of the first 20 % of the window, the median of
  the last 10 % of the window differs from the median of the 10 % after the warm-up by at most
  FD_BOUND and THREAD_BOUND.
- heap and RSS, judged in runs of JUDGE_MINUTES or more (shorter runs report them): the slope of
  a least-squares line through the second half of the window, for the heap through the live heap
  (what survives a full collection, sampled by forcing one), at most HEAP_SLOPE_KIB and
  RSS_SLOPE_KIB per minute. At the 20-minute soak's rate, HEAP_SLOPE_KIB is about 10 bytes kept
  per request per JVM (25 requests/s through each path).
"""
import csv
import math
import os
import statistics
import subprocess
import sys

FD_BOUND = 16
THREAD_BOUND = 8
HEAP_SLOPE_KIB = 256
RSS_SLOPE_KIB = 1024
JUDGE_MINUTES = 10
FIELDS = ["t", "process", "rss_kib", "threads", "pool_threads", "own_threads", "fds",
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
        for field, bound in (("fds", FD_BOUND), ("own_threads", THREAD_BOUND)):
            pts = series(run["samples"], process, field)
            start = median_between(pts, warm, warm + 0.1 * window)
            end = median_between(pts, 0.9 * window, window + 1)
            row[field] = (start, end)
            if start is not None and end is not None:
                v.check(abs(end - start) <= bound, "%s %s after warm-up: %g -> %g (within %d)"
                        % (process, "file descriptors" if field == "fds"
                           else "threads (outside the applications' pools)",
                           start, end, bound))
        for field, limit in (("live_heap_kib", HEAP_SLOPE_KIB), ("rss_kib", RSS_SLOPE_KIB)):
            pts = series(run["samples"], process, field)
            if not pts:
                continue
            slope = slope_per_minute([p for p in pts if p[0] >= window / 2])
            row[field] = (pts[0][1], pts[-1][1], slope)
            if judged and slope is not None:
                v.check(slope <= limit, "%s %s slope over the second half: %+.0f KiB/min (at most"
                        " %d)" % (process, "live heap" if field == "live_heap_kib" else "RSS",
                                  slope, limit))
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
    out.append("| requests | %d sent, %d succeeded, %d failed |" % (t["sent"], ok, failed))
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
        out.append("- (heap and RSS slopes are reported, not judged, in runs shorter than %d"
                   " minutes)" % JUDGE_MINUTES)
    out.append("")
    out.append("## Processes")
    out.append("")
    out.append("Start and end values; the slope is a least-squares fit over the second half of the"
               " window. Live heap: the old generation right after a full collection forced with"
               " `jcmd GC.run` (serial collector), i.e. what the JVM still references. RSS with a"
               " fixed, pre-touched 128 MiB heap, so it moves only with memory outside the heap."
               " FDs and threads: medians of the 10 % after the warm-up (first 20 %) and of the"
               " last 10 %.")
    out.append("")
    out.append("| process | live heap start | end | slope | RSS start | end | slope | FDs | threads (own) |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        heap = row.get("live_heap_kib", (None, None, None))
        rss = row.get("rss_kib", (None, None, None))
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            row["process"], _kib(heap[0]), _kib(heap[1]), _slope(heap[2]), _kib(rss[0]),
            _kib(rss[1]), _slope(rss[2]), _pair(row.get("fds")), _pair(row.get("own_threads"))))
    out.append("")
    out.append("![heap, RSS, file descriptors and threads over the soak](soak.png)")
    out.append("")
    out.append("## Thresholds")
    out.append("")
    out.append("Zero failed requests (any non-200, exception, answer without the client's SPIFFE ID"
               " in x-forwarded-client-cert, or no answer in 70 s); every config change seen on both"
               " paths before the next; at least max(1, floor(window / %d s) - 1) rotations per"
               " workload; FDs within %d and threads within %d after warm-up; in runs of %d"
               " minutes or more, live-heap slope at most %d KiB/min and RSS slope at most %d KiB/min"
               " over the second half." % (run["rotate_every"], FD_BOUND, THREAD_BOUND,
                                          JUDGE_MINUTES, HEAP_SLOPE_KIB, RSS_SLOPE_KIB))
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
