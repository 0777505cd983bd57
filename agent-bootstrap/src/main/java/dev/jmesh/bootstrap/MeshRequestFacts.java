package dev.jmesh.bootstrap;

/**
 * What the mesh knew about one HTTP request once it was over, as its Istio metrics and access log
 * saw it: which side reported it, the two workloads and their SPIFFE principals, the destination
 * service, the route and cluster it took, the endpoint, Envoy's response flags and the request id.
 * A tracer in the same JVM (the OpenTelemetry Java agent with jmesh's extension) finds it through
 * {@link MeshSpanFacts} and puts it on its own span. A value the mesh did not know reads {@code
 * unknown} (workloads, principals, service) or {@code null} (route, cluster, endpoint, request id),
 * as in the metrics. Immutable.
 */
public final class MeshRequestFacts {

  private final String reporter;
  private final String sourceWorkload;
  private final String sourceNamespace;
  private final String sourcePrincipal;
  private final String destinationWorkload;
  private final String destinationNamespace;
  private final String destinationPrincipal;
  private final String destinationService;
  private final String route;
  private final String cluster;
  private final String upstreamHost;
  private final String responseFlags;
  private final String requestId;

  /**
   * Made by the data path when a request is over; a tracer only reads one.
   *
   * @param reporter {@code source} (the client's side) or {@code destination} (the server's)
   * @param responseFlags Envoy's short flags, {@code -} for none
   */
  public MeshRequestFacts(
      String reporter,
      String sourceWorkload,
      String sourceNamespace,
      String sourcePrincipal,
      String destinationWorkload,
      String destinationNamespace,
      String destinationPrincipal,
      String destinationService,
      String route,
      String cluster,
      String upstreamHost,
      String responseFlags,
      String requestId) {
    this.reporter = reporter;
    this.sourceWorkload = sourceWorkload;
    this.sourceNamespace = sourceNamespace;
    this.sourcePrincipal = sourcePrincipal;
    this.destinationWorkload = destinationWorkload;
    this.destinationNamespace = destinationNamespace;
    this.destinationPrincipal = destinationPrincipal;
    this.destinationService = destinationService;
    this.route = route;
    this.cluster = cluster;
    this.upstreamHost = upstreamHost;
    this.responseFlags = responseFlags;
    this.requestId = requestId;
  }

  /** {@code source} or {@code destination}, as Istio's {@code reporter} label. */
  public String reporter() {
    return reporter;
  }

  public String sourceWorkload() {
    return sourceWorkload;
  }

  public String sourceNamespace() {
    return sourceNamespace;
  }

  /** The client's SPIFFE ID, {@code unknown} without mutual TLS. */
  public String sourcePrincipal() {
    return sourcePrincipal;
  }

  public String destinationWorkload() {
    return destinationWorkload;
  }

  public String destinationNamespace() {
    return destinationNamespace;
  }

  public String destinationPrincipal() {
    return destinationPrincipal;
  }

  /** The destination service's host, {@code reviews.default.svc.cluster.local}. */
  public String destinationService() {
    return destinationService;
  }

  /** The route's name, or {@code null} (inbound routes are unnamed). */
  public String route() {
    return route;
  }

  /** The cluster, {@code outbound|9080|v2|reviews.default.svc.cluster.local}, or {@code null}. */
  public String cluster() {
    return cluster;
  }

  /** The endpoint of the last attempt, {@code host:port}, or {@code null}. */
  public String upstreamHost() {
    return upstreamHost;
  }

  /** Envoy's response flags, {@code UT,URX}; {@code -} for none. */
  public String responseFlags() {
    return responseFlags;
  }

  /** {@code x-request-id}, or {@code null}. */
  public String requestId() {
    return requestId;
  }

  @Override
  public String toString() {
    return reporter
        + " "
        + sourceWorkload
        + "."
        + sourceNamespace
        + " -> "
        + destinationWorkload
        + "."
        + destinationNamespace
        + " ("
        + destinationService
        + ", route "
        + route
        + ", cluster "
        + cluster
        + ", "
        + upstreamHost
        + ", flags "
        + responseFlags
        + ", id "
        + requestId
        + ")";
  }
}
