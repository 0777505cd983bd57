package dev.jmesh.controlplane.internal.xds;

/** Istio's cluster naming: {@code outbound|9080|v1|reviews.default.svc.cluster.local}. */
public final class ClusterNames {
  private ClusterNames() {}

  public static String outbound(int port, String subset, String host) {
    return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
  }

  /** The name of the outbound listener and its route configuration: {@code host:port}. */
  public static String listener(String host, int port) {
    return host + ":" + port;
  }
}
