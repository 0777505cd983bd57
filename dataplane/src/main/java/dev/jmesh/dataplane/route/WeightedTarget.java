package dev.jmesh.dataplane.route;

/**
 * One cluster of a route's {@code weighted_clusters} (or its only cluster, with weight 1).
 *
 * @param cluster the cluster name
 * @param weight its weight; 0 never receives traffic
 */
public record WeightedTarget(String cluster, int weight) {}
