package dev.jmesh.dataplane.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The clusters of a TCP proxy and their weights ({@code cluster} or {@code weighted_clusters}).
 * Picking allocates nothing.
 */
public final class ClusterSplit {

  private final String[] clusters;
  private final long[] cumulativeWeights;

  /**
   * @param weighted cluster name to weight, in order
   * @throws IllegalArgumentException when empty or the weights sum to 0
   */
  public ClusterSplit(Map<String, Integer> weighted) {
    clusters = new String[weighted.size()];
    cumulativeWeights = new long[weighted.size()];
    long sum = 0;
    int i = 0;
    for (Map.Entry<String, Integer> e : weighted.entrySet()) {
      sum += e.getValue();
      clusters[i] = e.getKey();
      cumulativeWeights[i++] = sum;
    }
    if (sum == 0) {
      throw new IllegalArgumentException("cluster weights sum to 0");
    }
  }

  /** The cluster for a uniformly drawn {@code random}: Envoy's {@code random mod total}. */
  public String pick(long random) {
    if (clusters.length == 1) {
      return clusters[0];
    }
    long r = Long.remainderUnsigned(random, cumulativeWeights[cumulativeWeights.length - 1]);
    for (int i = 0; i < cumulativeWeights.length; i++) {
      if (r < cumulativeWeights[i]) {
        return clusters[i];
      }
    }
    throw new AssertionError();
  }

  /** The cluster names, in order. */
  public List<String> clusters() {
    return new ArrayList<>(List.of(clusters));
  }
}
