package dev.jmesh.dataplane.outbound;

import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.config.OutboundListener;
import dev.jmesh.dataplane.record.RecordClock;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.route.FaultPolicy;
import dev.jmesh.dataplane.route.MirrorPolicy;
import dev.jmesh.dataplane.route.RequestView;
import dev.jmesh.dataplane.route.Route;
import dev.jmesh.dataplane.route.RouteDecision;
import dev.jmesh.dataplane.stats.IstioMetrics;
import java.util.List;
import java.util.function.Supplier;

/**
 * The data path's one decision API for outbound HTTP, shared by the instrumentations and the
 * engine: routes a request over the configuration in force, applies the fault filter, checks the
 * cluster's circuit breaker, evaluates the hash policy and picks a host — in Envoy's order, without
 * locks and without allocating — then takes each attempt's outcome back through the {@link
 * Exchange} to drive retries, outlier detection and the record.
 *
 * <pre>{@code
 * OutboundRouter router = new OutboundRouter(feed::current, clusters, metrics, edges);
 * Exchange x = exchanges.get();   // reused
 * router.decide("reviews.default.svc.cluster.local:9080", request, "10.0.0.7", x);
 * }</pre>
 */
public final class OutboundRouter {

  private final Supplier<MeshSnapshot> snapshot;
  private final UpstreamClusters clusters;
  private final IstioMetrics metrics;
  private final TrafficEdges edges;

  /**
   * @param snapshot the configuration in force, read once per request
   * @param clusters the clusters' runtime, kept in step with the snapshot by its owner
   * @param metrics where finished requests are counted; {@code null} counts nothing
   * @param edges the metric labels of each destination cluster
   */
  public OutboundRouter(
      Supplier<MeshSnapshot> snapshot,
      UpstreamClusters clusters,
      IstioMetrics metrics,
      TrafficEdges edges) {
    this.snapshot = snapshot;
    this.clusters = clusters;
    this.metrics = metrics;
    this.edges = edges;
  }

  /**
   * Decides {@code request} to the service listener {@code listener} ({@code host:port}) coming
   * from {@code sourceIp}; the outcome is in {@code x}. Call {@link Exchange#finish} whatever the
   * action.
   *
   * @param random a uniformly drawn long, e.g. {@code ThreadLocalRandom.current().nextLong()}
   */
  public void decide(
      String listener, RequestView request, String sourceIp, long random, Exchange x) {
    decide(snapshot.get().listener(listener), request, sourceIp, null, 0, random, x);
  }

  /**
   * As {@link #decide(String, RequestView, String, long, Exchange)}, for a caller that has already
   * looked the listener up in the config in force ({@code null}: none, so no route).
   */
  public void decide(
      OutboundListener l, RequestView request, String sourceIp, long random, Exchange x) {
    decide(l, request, sourceIp, null, 0, random, x);
  }

  /**
   * As {@link #decide(OutboundListener, RequestView, String, long, Exchange)} for a request whose
   * application addressed a mesh endpoint's IP itself ({@code endpointAddress:endpointPort}): a
   * route to a passthrough cluster (Istio's {@code allow_any}, for a {@code Host} that names no
   * service) goes on to that address, as Envoy's {@code ORIGINAL_DST} cluster sends it. Without one
   * ({@code endpointAddress} {@code null}: a name or a service's virtual address was addressed,
   * which is not an address to connect to) such a route has no host: 503 {@code UH}.
   */
  public void decide(
      OutboundListener l,
      RequestView request,
      String sourceIp,
      String endpointAddress,
      int endpointPort,
      long random,
      Exchange x) {
    long now = System.nanoTime();
    x.begin(random, RecordClock.epochMillis(now), now);
    x.metrics = metrics;
    if (metrics != null) {
      x.series = edges.unknownDestination(metrics);
    }
    x.accessLog = l == null ? null : l.accessLog();
    x.tracing = l == null ? null : l.tracing();
    // The request as received: references to the caller's own values. Some libraries build a
    // list per header lookup, so the headers only the access log prints are read only for it.
    x.record
        .request(request.method(), request.authority(), request.path())
        .requestId(request.header("x-request-id"));
    if (x.accessLog != null || x.tracing != null) {
      x.record.clientHeaders(request.header("user-agent"), request.header("x-forwarded-for"));
    }
    RouteDecision d =
        l == null || l.routeTable() == null
            ? RouteDecision.NO_ROUTE
            : l.routeTable().decide(request, random);
    x.decision = d;
    switch (d.kind()) {
      case NO_ROUTE:
        x.local(Exchange.Action.NO_ROUTE, 404, ResponseFlag.NR);
        return;
      case REDIRECT:
        x.local(Exchange.Action.REDIRECT, d.route().redirect().status(), null);
        break;
      case DIRECT_RESPONSE:
        x.local(Exchange.Action.DIRECT_RESPONSE, d.route().directResponse().status(), null);
        break;
      default:
        break;
    }
    Route route = d.route();
    x.record.route(route.name());
    if (x.action != null) {
      return;
    }
    if (d.kind() != RouteDecision.Kind.CLUSTER) {
      // Only inbound listeners route to the local application.
      x.local(Exchange.Action.NO_ROUTE, 404, ResponseFlag.NR);
      return;
    }
    x.record.cluster(d.cluster());
    FaultPolicy fault = route.fault();
    if (fault != null && fault(fault, request, x)) {
      return;
    }
    UpstreamCluster cluster = clusters.cluster(d.cluster());
    if (cluster == null) {
      x.local(Exchange.Action.NO_CLUSTER, 503, ResponseFlag.NC);
      return;
    }
    x.cluster = cluster;
    if (metrics != null) {
      x.series = edges.series(cluster, metrics);
    }
    mirrors(route.mirrorPolicies(), x);
    boolean original = cluster.originalDestination();
    if (original && endpointAddress == null) {
      x.local(Exchange.Action.NO_HEALTHY_UPSTREAM, 503, ResponseFlag.UH);
      return;
    }
    if (!cluster.circuitBreaker().tryAcquireRequest()) {
      x.local(Exchange.Action.OVERFLOW, 503, ResponseFlag.UO);
      return;
    }
    x.holdsRequest = true;
    Host host;
    if (original) {
      host = cluster.originalDestinationHost(endpointAddress, endpointPort);
    } else {
      boolean hashed = x.hash.compute(route.hashPolicies(), request, sourceIp);
      host = cluster.pick(x.hash.value(), hashed, random);
    }
    if (host == null) {
      x.local(Exchange.Action.NO_HEALTHY_UPSTREAM, 503, ResponseFlag.UH);
      return;
    }
    host.requestStarted();
    x.host = host;
    x.upstream = host;
    x.edges = edges;
    x.record.upstreamHost(host.hostKey());
    x.retry.reset(route.retryPolicy());
    x.attempts = 1;
    x.action = Exchange.Action.FORWARD;
  }

  /** Applies the fault filter; whether it aborted the request. */
  private static boolean fault(FaultPolicy fault, RequestView request, Exchange x) {
    int delayDraw = draw(x.random, 0);
    long delay = fault.delayNanos(request, delayDraw);
    if (delay >= 0) {
      x.delayNanos = delay;
      x.record.addFlag(ResponseFlag.DI);
    }
    int abortDraw = draw(x.random, 1);
    int status = fault.abortHttpStatus(request, abortDraw);
    int grpc = status == 0 ? fault.abortGrpcStatus(request, abortDraw) : -1;
    if (status == 0 && grpc < 0) {
      return false;
    }
    x.local(Exchange.Action.FAULT_ABORT, status, ResponseFlag.FI);
    x.localGrpcStatus = grpc;
    return true;
  }

  private static void mirrors(List<MirrorPolicy> policies, Exchange x) {
    for (int i = 0; i < policies.size() && i < 32; i++) {
      if (policies.get(i).mirrors(draw(x.random, 2 + i))) {
        x.mirrorMask |= 1 << i;
      }
    }
  }

  /** An independent draw in [0, 1_000_000) from the request's random number. */
  static int draw(long random, int stream) {
    long z = random + (stream + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (int) Long.remainderUnsigned(z, 1_000_000);
  }
}
