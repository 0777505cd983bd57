"""What the benchmark scripts share with scripts/bench/run: the results file; and among
themselves, reading a JVM's Prometheus counters (metric_counts).

One JSON object per line, one line per configuration per round, so a run that dies half-way
still leaves every figure measured so far, and the report (scripts/bench/report) computes
medians and spreads from the rounds themselves:

  {"section": "latency", "group": "1000 req/s", "config": "jdk-httpclient direct-mtls",
   "round": 1, "status": "ok", "metrics": {"p50_us": 212.0, ...}}
  {"section": "throughput", "group": "wrk, 32 connections", "config": "nginx-mtls",
   "round": 1, "status": "failed", "reason": "wrk: connection refused"}

A configuration that failed is written as failed with its reason, never left out.
"""
import json
import os
import re
import time


class ResultsFile:
    """Appends result lines to one file; None (no --results) writes nothing."""

    def __init__(self, path, section, group=""):
        self.path = os.path.abspath(path) if path else None
        self.section, self.group = section, group

    def ok(self, config, round_, metrics, group=None):
        self._write({"config": config, "round": round_, "status": "ok",
                     "metrics": {k: round(float(v), 3) for k, v in metrics.items()}}, group)

    def failed(self, config, round_, reason, group=None):
        self._write({"config": config, "round": round_, "status": "failed",
                     "reason": " ".join(str(reason).split())[-400:]}, group)

    def _write(self, record, group):
        if not self.path:
            return
        line = {"section": self.section, "group": self.group if group is None else group}
        line.update(record)
        line["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        # One write of a whole line: concurrent writers never interleave within a line.
        with open(self.path, "a") as f:
            f.write(json.dumps(line) + "\n")


def jvm_options():
    """Options for every JVM a benchmark starts, from BENCH_JVM_OPTIONS: the smoke run makes them
    C1-only with the serial collector, as the test suite's JVMs are, because it checks that every
    configuration runs and not how fast."""
    return os.environ.get("BENCH_JVM_OPTIONS", "").split()


def add_arguments(parser, section):
    """--results FILE, --section NAME and --group LABEL for a script's argparse parser."""
    parser.add_argument("--results", default=None, metavar="FILE",
                        help="append each configuration's result (or its failure) as JSON lines")
    parser.add_argument("--section", default=section, help="the section name in --results")
    parser.add_argument("--group", default="", help="the group label in --results")


def results_file(args):
    return ResultsFile(args.results, args.section, args.group)


def metric_counts(text, name):
    """Every sample of a Prometheus counter in text (a /stats/prometheus page): a list of
    (labels dict, value)."""
    samples = []
    for line in text.splitlines():
        m = re.match(rf"{name}\{{(.*)\}} ([0-9.eE+-]+)$", line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            samples.append((labels, float(m.group(2))))
    return samples
