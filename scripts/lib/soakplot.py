#!/usr/bin/env python3
"""soak.png from a soak's samples.csv: live heap (and heap in use), RSS, file descriptors and
threads over time, one line per process. Needs matplotlib; soakreport.plot picks a Python that
has it.

    soakplot.py SAMPLES_CSV OUT_PNG
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)


def main():
    csv_path, png_path = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(csv_path)))
    processes = list(dict.fromkeys(r["process"] for r in rows))
    panels = [("live heap (after a forced full GC), MiB", "live_heap_kib", 1024, "o-"),
              ("heap in use (sawtooth between collections), MiB", "heap_used_kib", 1024, "-"),
              ("RSS, MiB", "rss_kib", 1024, "-"),
              ("file descriptors other than ESTABLISHED TCP connections", "other_fds", 1, "-"),
              ("ESTABLISHED TCP connections (pools follow the requests in flight)", "connections",
               1, "-"),
              ("threads outside the applications' own pools (pool-N-thread-M)", "own_threads", 1,
               "-"),
              ("threads in all", "threads", 1, "-")]
    # One colour per process in every panel (the Python app has no heap panel lines).
    colour = {p: "C%d" % i for i, p in enumerate(processes)}
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 18), sharex=True)
    for ax, (title, field, scale, style) in zip(axes, panels):
        for p in processes:
            pts = [(float(r["t"]) / 60, float(r[field]) / scale) for r in rows
                   if r["process"] == p and r[field] != ""]
            if pts:
                ax.plot([x for x, _ in pts], [y for _, y in pts], style, label=p, markersize=3,
                        color=colour[p])
        ax.set_title(title, fontsize=10)
        ax.grid(True, alpha=0.3)
    axes[2].legend(fontsize=8, ncol=len(processes))
    axes[-1].set_xlabel("minutes since the traffic started")
    fig.tight_layout()
    fig.savefig(png_path, dpi=80)


if __name__ == "__main__":
    main()
