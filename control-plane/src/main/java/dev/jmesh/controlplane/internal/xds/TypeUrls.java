package dev.jmesh.controlplane.internal.xds;

/** The xDS v3 resource type URLs the ADS server speaks. */
public final class TypeUrls {
  private TypeUrls() {}

  public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String ROUTE =
      "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  /** Types in the order Envoy asks a server to push them (CDS, EDS, LDS, RDS). */
  public static final java.util.List<String> PUSH_ORDER =
      java.util.List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

  public static String shortName(String typeUrl) {
    switch (typeUrl) {
      case LISTENER:
        return "LDS";
      case ROUTE:
        return "RDS";
      case CLUSTER:
        return "CDS";
      case ENDPOINT:
        return "EDS";
      default:
        return typeUrl;
    }
  }
}
