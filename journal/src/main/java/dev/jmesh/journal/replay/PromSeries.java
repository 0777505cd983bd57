package dev.jmesh.journal.replay;

import java.util.List;

/**
 * One Prometheus series for remote write: its labels, {@code __name__} included and sorted by name
 * (the receiver requires it), and its samples in time order.
 */
record PromSeries(List<String[]> labels, long[] timestamps, double[] values) {}
