package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.ClusterConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * An immutable view of a cluster's hosts at one moment of their health: the priority levels and
 * Envoy's priority load, the share of requests each priority takes. Rebuilt whenever membership or
 * health changes; picks read it without locks.
 *
 * <p>Priority load follows Envoy: a priority's health is {@code min(100, 1.4 × healthy / hosts)}
 * percent; load goes to the highest priorities first, as much as their health allows, then to
 * degraded hosts, scaled up when the total availability is below 100. When every priority is in
 * panic (healthy plus degraded below {@code healthy_panic_threshold}), load follows host counts and
 * each priority routes to all its hosts.
 */
final class HostSet {

  final Host[] hosts;
  final PriorityLevel[] levels;

  /** Per priority, the percent of requests for its healthy, then its degraded, hosts. */
  final int[] healthyLoad;

  final int[] degradedLoad;
  final boolean[] panic;

  /** The latest time a host entered slow start, {@link Host#NO_SLOW_START} if none did. */
  final long latestSlowStartNanos;

  HostSet(List<Host> hosts, ClusterConfig config) {
    this.hosts = hosts.toArray(new Host[0]);
    int priorities = 0;
    long latest = Host.NO_SLOW_START;
    for (Host h : hosts) {
      priorities = Math.max(priorities, h.endpoint().priority() + 1);
      latest = Math.max(latest, h.slowStartFromNanos());
    }
    latestSlowStartNanos = latest;
    List<List<Host>> byPriority = new ArrayList<>();
    for (int p = 0; p < priorities; p++) {
      byPriority.add(new ArrayList<>());
    }
    for (Host h : hosts) {
      byPriority.get(h.endpoint().priority()).add(h);
    }
    levels = new PriorityLevel[priorities];
    for (int p = 0; p < priorities; p++) {
      levels[p] = new PriorityLevel(byPriority.get(p), config.lbPolicy(), config.loadBalancing());
    }
    healthyLoad = new int[priorities];
    degradedLoad = new int[priorities];
    panic = new boolean[priorities];
    if (priorities > 0) {
      computeLoads(config.loadBalancing().healthyPanicThresholdPercent());
    }
  }

  private void computeLoads(double panicThreshold) {
    int n = levels.length;
    int[] health = new int[n];
    int[] degraded = new int[n];
    int total = 0;
    for (int p = 0; p < n; p++) {
      health[p] = levels[p].healthPercent();
      degraded[p] = levels[p].degradedPercent();
      total += health[p] + degraded[p];
    }
    int normalizedTotal = Math.min(100, total);
    if (panicThreshold == 0 && normalizedTotal == 0) {
      // Panic is off and nothing is available: picks find no host.
      healthyLoad[0] = 100;
      return;
    }
    boolean totalPanic = true;
    for (int p = 0; p < n; p++) {
      // A cluster available enough as a whole puts no priority in panic, as in Envoy.
      panic[p] = normalizedTotal != 100 && levels[p].inPanic(panicThreshold);
      totalPanic &= panic[p];
    }
    if (totalPanic) {
      loadByHostCount();
      return;
    }
    int remaining = 100;
    int firstHealthy = -1;
    for (int p = 0; p < n; p++) {
      if (firstHealthy < 0 && health[p] > 0) {
        firstHealthy = p;
      }
      healthyLoad[p] = Math.min(remaining, health[p] * 100 / normalizedTotal);
      remaining -= healthyLoad[p];
    }
    int firstDegraded = -1;
    for (int p = 0; p < n; p++) {
      if (firstDegraded < 0 && degraded[p] > 0) {
        firstDegraded = p;
      }
      degradedLoad[p] = Math.min(remaining, degraded[p] * 100 / normalizedTotal);
      remaining -= degradedLoad[p];
    }
    // What is left is rounding: it goes to the first available priority.
    if (remaining > 0) {
      if (firstHealthy >= 0) {
        healthyLoad[firstHealthy] += remaining;
      } else {
        degradedLoad[firstDegraded] += remaining;
      }
    }
  }

  private void loadByHostCount() {
    int total = hosts.length;
    if (total == 0) {
      healthyLoad[0] = 100;
      return;
    }
    int remaining = 100;
    int firstNonEmpty = -1;
    for (int p = 0; p < levels.length; p++) {
      int count = levels[p].all.size();
      if (firstNonEmpty < 0 && count > 0) {
        firstNonEmpty = p;
      }
      healthyLoad[p] = 100 * count / total;
      remaining -= healthyLoad[p];
    }
    healthyLoad[firstNonEmpty] += remaining;
  }
}
