package dev.jmesh.dataplane.route;

/**
 * One cluster of a route's {@code weighted_clusters} (or its only cluster, with weight 1).
 *
 * @param cluster the cluster name
 * @param weight its weight; 0 never receives traffic
 * @param requestHeaders request header changes when this cluster is picked
 * @param responseHeaders response header changes when this cluster is picked
 */
public record WeightedTarget(
    String cluster, int weight, HeaderMutation requestHeaders, HeaderMutation responseHeaders) {

  public WeightedTarget(String cluster, int weight) {
    this(cluster, weight, HeaderMutation.NONE, HeaderMutation.NONE);
  }
}
