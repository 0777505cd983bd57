"""Where a proxy's answers stall, and who had its core meanwhile (scripts/bench/proxy-ab, GAPS=1).

Under a closed-loop load every connection has a request in flight, so a proxy that sends nothing
to the load generator for half a millisecond is a proxy that is not running: its core went to
something else. A p99 at a few times the median is made of such stalls, each delaying every
in-flight request at once. This records, for a few seconds of one measured run, when the proxy
sent each packet to the load generator (tcpdump on loopback, the proxy's port as source) and every
scheduler switch on every CPU (perf sched, on the monotonic clock), then charges each gap to the
tasks that ran on the proxy's cores inside it. Needs root, tcpdump (Debian's package) and perf.
A diagnostic, not a test: the tasks it names are the evidence, the numbers move with the machine,
and the recorded run's own req/s and p99 are not comparable (tcpdump shares the load generator's
core; its p99 came out 2-4x the unrecorded rounds').

Run alone, it reads a recording again (proxy-ab leaves PREFIX.pcap, PREFIX.sched and PREFIX.offset):
  perf sched timehist -i gaps-NAME.sched > gaps-NAME.txt
  python3 scripts/bench/sendgaps.py gaps-NAME.pcap gaps-NAME.txt "$(cat gaps-NAME.offset)" SERVER_CPUS
and prints the summary as JSON.
"""
import collections
import json
import os
import shutil
import struct
import subprocess
import sys
import time

TOOLS = {"tcpdump": "tcpdump", "perf": "linux-perf"}  # the tool, and the Debian package with it

GAP_SECONDS = 0.0005  # a stall: no data to the load generator for longer than this


class Recording:
    """tcpdump and perf sched started together; finish() stops them and reads what they saw."""

    def __init__(self, path_prefix, port, load_cpus, server_cpus, seconds):
        self.port, self.seconds = port, seconds
        self.pcap, self.sched = path_prefix + ".pcap", path_prefix + ".sched"
        self.server_cpus = cpu_set(server_cpus)
        for stale in (self.pcap, self.sched):  # an earlier run's files must not pass for this one's
            if os.path.exists(stale):
                os.remove(stale)
        # Packets carry wall-clock times, perf the monotonic clock: the offset joins them.
        self.offset = time.time() - time.monotonic()
        with open(path_prefix + ".offset", "w") as f:
            f.write(f"{self.offset:.9f}\n")
        # Only the proxy's packets that carry data, headers only: a few MB for seconds of load.
        data_only = (f"tcp src port {port} and "
                     "(((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)")
        self.tcpdump = subprocess.Popen(
            ["taskset", "-c", load_cpus, "timeout", str(seconds), "tcpdump", "-i", "lo", "-s",
             "96", "-B", "65536", "-w", self.pcap, data_only],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.perf = subprocess.Popen(
            ["taskset", "-c", load_cpus, "perf", "sched", "record", "-k", "CLOCK_MONOTONIC", "-a",
             "-o", self.sched, "--", "sleep", str(seconds)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finish(self):
        self.tcpdump.wait()
        self.perf.wait()
        if not (os.path.exists(self.pcap) and os.path.exists(self.sched)):
            return None
        sends = sorted({t - self.offset for t in send_times(self.pcap)})
        timehist = subprocess.run(["perf", "sched", "timehist", "-i", self.sched],
                                  capture_output=True, text=True).stdout
        runs = stints(timehist, self.server_cpus)
        return summarize(sends, runs)


def missing_packages():
    """The Debian packages of the tools a recording needs that this machine lacks."""
    return sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})


def cpu_set(spec):
    """taskset's list form ("1", "2-3", "1,3") as a set of CPU numbers."""
    cpus = set()
    for part in spec.split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def send_times(path):
    """The capture's packet times (seconds, wall clock); a classic pcap file, any resolution."""
    with open(path, "rb") as f:
        header = f.read(24)
        if len(header) < 24:
            return []
        nanos = struct.unpack("<I", header[:4])[0] == 0xa1b23c4d
        times = []
        while True:
            record = f.read(16)
            if len(record) < 16:
                return times
            seconds, fraction, captured, _ = struct.unpack("<IIII", record)
            f.seek(captured, 1)
            times.append(seconds + fraction / (1e9 if nanos else 1e6))


def stints(timehist, cpus):
    """(start, end, task) of every run on one of cpus, from perf sched timehist's lines."""
    runs = []
    for line in timehist.splitlines():
        fields = line.split()
        if len(fields) < 6 or not fields[1].startswith("["):
            continue
        try:
            end, cpu, ran = float(fields[0]), int(fields[1].strip("[]")), float(fields[-1])
        except ValueError:
            continue
        if cpu in cpus:
            task = " ".join(fields[2:-3]).split("[")[0]
            runs.append((end - ran / 1e3, end, task))
    return runs


def summarize(sends, runs):
    """The gaps between sends, and each task's time on the proxy's cores inside them."""
    if len(sends) < 2 or not runs:
        return None
    # Only the stretch both recordings cover: perf starts later than tcpdump.
    first, last = max(sends[0], runs[0][0]), min(sends[-1], runs[-1][1])
    sends = [t for t in sends if first <= t <= last]
    gaps = [(a, b) for a, b in zip(sends, sends[1:]) if b - a > GAP_SECONDS]
    runs = sorted(runs)
    by_task, worst = collections.Counter(), collections.Counter()
    i = 0
    for a, b in gaps:
        while i < len(runs) and runs[i][1] < a - 0.05:
            i += 1
        inside = collections.Counter()
        for start, end, task in runs[i:]:
            if start > b:
                break
            overlap = min(end, b) - max(start, a)
            if overlap > 0:
                inside[task] += overlap
        by_task.update(inside)
        if inside:
            worst[inside.most_common(1)[0][0]] += 1
    return {"seconds": last - first, "sends": len(sends), "gaps": len(gaps),
            "gap_ms": sum(b - a for a, b in gaps) * 1e3,
            "longest_ms": max((b - a for a, b in gaps), default=0) * 1e3,
            "tasks_ms": {t: s * 1e3 for t, s in by_task.most_common(6)},
            "gaps_led_by": dict(worst.most_common(6))}


def report(name, summary):
    if summary is None:
        return (f"        {name:20} stalls: nothing recorded (tcpdump or perf failed, or saw no "
                "traffic)")
    s = summary
    return (f"        {name:20} {s['gaps']} stalls > {GAP_SECONDS * 1e3:.1f} ms in "
            f"{s['seconds']:.1f} s ({s['gap_ms']:.0f} ms, longest {s['longest_ms']:.1f} ms); "
            "its cores inside them: "
            + ", ".join(f"{t} {ms:.1f} ms" for t, ms in s["tasks_ms"].items())
            + "; stalls led by: " + ", ".join(f"{t} {n}" for t, n in s["gaps_led_by"].items()))


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: sendgaps.py PCAP TIMEHIST_TEXT OFFSET SERVER_CPUS (see the module's doc)")
    pcap, timehist, offset, cpus = argv
    for path in (pcap, timehist):
        if not os.path.isfile(path):
            sys.exit(f"sendgaps.py: {path} is not a file")
    try:
        offset, cpus = float(offset), cpu_set(cpus)
    except ValueError as e:
        sys.exit(f"sendgaps.py: OFFSET must be seconds and SERVER_CPUS a CPU list like 1 or 2-3: {e}")
    with open(timehist) as f:
        runs = stints(f.read(), cpus)
    print(json.dumps(summarize(sorted({t - offset for t in send_times(pcap)}), runs)))


if __name__ == "__main__":
    main(sys.argv[1:])
