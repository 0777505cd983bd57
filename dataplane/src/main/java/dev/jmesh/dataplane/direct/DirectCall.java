package dev.jmesh.dataplane.direct;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.bootstrap.MeshTraceContext;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.config.CircuitBreakerThresholds;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.outbound.EnvoyReplies;
import dev.jmesh.dataplane.outbound.Exchange;
import dev.jmesh.dataplane.record.RequestIds;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.route.HashPolicy;
import dev.jmesh.dataplane.route.HeaderMutation;
import dev.jmesh.dataplane.route.Route;
import dev.jmesh.dataplane.route.UpstreamFailure;
import dev.jmesh.dataplane.stats.RequestPaths;
import dev.jmesh.dataplane.trace.TraceHeaders;
import dev.jmesh.dataplane.trace.Tracing;
import javax.net.ssl.SSLContext;

/**
 * One request on a direct path: the {@link Exchange} the router decided, the endpoint and TLS of
 * its current attempt, and what the instrumentation can do ({@code capabilities}). Steps come one
 * after another, on whichever threads the library runs them.
 */
final class DirectCall implements MeshCall {

  final Exchange x = new Exchange();
  private final DirectCalls owner;
  private final int capabilities;
  private MeshEndpointAddress endpoint;
  private SSLContext tls;
  private boolean retries;
  private String location;
  private boolean finished;

  /** The inbound request's trace the calling thread serves, continued on this request. */
  private MeshTraceContext trace;

  private String spanId;
  private boolean traceInject;

  DirectCall(DirectCalls owner, int capabilities) {
    this.owner = owner;
    this.capabilities = capabilities;
  }

  /**
   * Continues {@code inbound} (the calling thread's inbound trace, or {@code null}). With tracing
   * on the listener the request gets its client span, whose parent is the application's own
   * headers' span or else {@code inbound}'s, and that span's id is the one continued.
   */
  void continueTrace(MeshRequest request, MeshTraceContext inbound, long random) {
    trace = inbound;
    Tracing tracing = x.tracing();
    if (tracing != null) {
      traceInject =
          tracing.startClient(
              request::header,
              inbound == null ? null : new CallerTrace(inbound),
              x.record(),
              random);
      spanId = TraceContinuation.spanId(x.record().spanId());
    } else if (inbound != null) {
      spanId = TraceContinuation.spanId(random);
    }
  }

  private boolean can(int capability) {
    return (capabilities & capability) != 0;
  }

  /**
   * After the router decided: whether the library can carry this request itself ({@code DIRECT})
   * or must leave it to the engine ({@code ENGINE}: a route feature it lacks).
   */
  RequestPaths.Path settle(MeshRequestView request) {
    switch (x.action()) {
      case FORWARD:
        return settleForward();
      case REDIRECT:
        location = x.route().redirect().location(request, "http");
        return can(CAN_REPLY) ? RequestPaths.Path.DIRECT : RequestPaths.Path.ENGINE;
      default:
        if (!can(CAN_REPLY) || (x.delayNanos() > 0 && !can(CAN_DELAY))) {
          return RequestPaths.Path.ENGINE;
        }
        return RequestPaths.Path.DIRECT;
    }
  }

  private RequestPaths.Path settleForward() {
    Route route = x.route();
    if (route.pathRewrite() != null || route.hostRewrite() != null || mirrors(route)) {
      // The request itself would change, or copies of it go elsewhere: the engine does that.
      return RequestPaths.Path.ENGINE;
    }
    long maxConnections = x.cluster().circuitBreaker().limits().maxConnections();
    if (maxConnections != CircuitBreakerThresholds.DEFAULTS.maxConnections()
        && maxConnections < Integer.MAX_VALUE) {
      // A connection limit: the application's pool owns the connections, the engine can count
      // them. (istiod writes 2^32-1 for "no limit".)
      return RequestPaths.Path.ENGINE;
    }
    if (x.delayNanos() > 0 && !can(CAN_DELAY)) {
      return RequestPaths.Path.ENGINE;
    }
    retries = route.retryPolicy() != null && route.retryPolicy().numRetries() > 0;
    if (retries && !can(CAN_RETRY)) {
      return RequestPaths.Path.ENGINE;
    }
    if (can(ONE_SHOT_BODY)) {
      x.disableRetries();
      retries = false;
    }
    SSLContext chosen = tlsOf(x.cluster(), x.host());
    if (chosen != null && !can(CAN_TLS)) {
      return RequestPaths.Path.ENGINE;
    }
    if (chosen == DirectTls.UNAVAILABLE) {
      if (!can(CAN_REPLY)) {
        return RequestPaths.Path.ENGINE;
      }
      x.refuse(503, ResponseFlag.UF);
      return RequestPaths.Path.DIRECT;
    }
    target(x.host(), chosen);
    x.record().upstreamStarted(System.nanoTime());
    return RequestPaths.Path.DIRECT;
  }

  private boolean mirrors(Route route) {
    for (int i = 0; i < route.mirrorPolicies().size(); i++) {
      if (x.mirrors(i)) {
        return true;
      }
    }
    return false;
  }

  private SSLContext tlsOf(UpstreamCluster cluster, Host host) {
    return owner.tls.choose(cluster.config().tlsFor(host.endpoint().transportSocketMatch()));
  }

  private void target(Host host, SSLContext chosen) {
    endpoint = owner.endpoint(host);
    tls = chosen;
    owner.tls.remember(endpoint, chosen);
  }

  @Override
  public int action() {
    return x.action() == Exchange.Action.FORWARD ? SEND : REPLY;
  }

  @Override
  public MeshEndpointAddress endpoint() {
    return endpoint;
  }

  @Override
  public SSLContext tls() {
    return tls;
  }

  @Override
  public long delayNanos() {
    return Math.max(0, x.delayNanos());
  }

  @Override
  public long perTryTimeoutNanos() {
    return x.route() == null ? 0 : x.perTryTimeoutNanos();
  }

  @Override
  public long timeoutNanos() {
    return x.route() == null ? 0 : x.timeoutNanos();
  }

  @Override
  public boolean mayRetry() {
    return retries;
  }

  @Override
  public int replayLimit() {
    return owner.replayLimit;
  }

  @Override
  public void requestHeaders(MeshHeaders headers) {
    if (x.decision() != null && x.route() != null) {
      HeaderMutation.applyAll(x.requestHeaders(), headers);
    }
    if (inMesh(x.host())) {
      headers.setMeshValue(PeerMetadata.HEADER, owner.peerMetadata);
      if (owner.peerMetadataIdPrintable) {
        headers.setMeshValue(PeerMetadata.ID_HEADER, owner.peerMetadataId);
      } else {
        // Made of the workload's configured names: the library's own check judges it.
        headers.set(PeerMetadata.ID_HEADER, owner.peerMetadataId);
      }
    }
    if (trace != null) {
      TraceContinuation.apply(trace, spanId, headers);
    }
    if (traceInject) {
      // The client span goes out as the parent of the server's, as Envoy's tracer writes it.
      TraceHeaders.inject(x.record(), headers::set);
    }
    if (x.record().requestId() == null) {
      // The inbound request's id when the trace carried one on; else a new one, as Envoy's
      // connection manager gives a request without one, so both sides log the same id.
      String id = trace == null ? null : trace.requestId();
      if (id == null && !headers.contains("x-request-id")) {
        id = RequestIds.newId();
        headers.setMeshValue("x-request-id", id);
      }
      x.record().requestId(id);
    }
  }

  /**
   * Istio's {@code IN_MESH} metadata exchange: only a mesh proxy reads the caller's workload, so an
   * endpoint outside the mesh is not told its names, namespace and labels.
   */
  private static boolean inMesh(Host host) {
    return host != null && host.endpoint().inMesh();
  }

  @Override
  public void responseHeaders(MeshHeaders headers) {
    // The callee's peer metadata is for the mesh, not the application.
    headers.remove(PeerMetadata.HEADER);
    headers.remove(PeerMetadata.ID_HEADER);
    if (x.route() == null) {
      return;
    }
    HeaderMutation.applyAll(x.responseHeaders(), headers);
    HashPolicy cookie = x.hash().generatedCookie();
    if (cookie != null) {
      headers.add("set-cookie", cookie.setCookieHeader(x.hash().generatedCookieValue()));
    }
  }

  @Override
  public int replyStatus() {
    return x.localStatus();
  }

  @Override
  public int replyGrpcStatus() {
    return x.localGrpcStatus();
  }

  @Override
  public String replyBody() {
    switch (x.action()) {
      case FAULT_ABORT:
        return EnvoyReplies.FAULT;
      case NO_HEALTHY_UPSTREAM:
        return EnvoyReplies.NO_HEALTHY;
      case OVERFLOW:
        return EnvoyReplies.OVERFLOW;
      case REFUSED:
        return EnvoyReplies.CONNECT_FAILURE;
      case DIRECT_RESPONSE:
        String body = x.route().directResponse().body();
        return body == null ? "" : body;
      default:
        return EnvoyReplies.NO_ROUTE;
    }
  }

  @Override
  public String replyLocation() {
    return location;
  }

  @Override
  public boolean attemptEnded(int status, int grpcStatus, int failure) {
    if (x.action() != Exchange.Action.FORWARD || x.host() == null) {
      return false;
    }
    if (!x.attemptEnded(status, grpcStatus, failure(failure))) {
      return false;
    }
    SSLContext chosen = tlsOf(x.cluster(), x.host());
    if (chosen == DirectTls.UNAVAILABLE || (chosen != null && !can(CAN_TLS))) {
      // The retry's host needs what this library cannot give it: no retry then.
      x.forgoRetry();
      return false;
    }
    target(x.host(), chosen);
    return true;
  }

  private static UpstreamFailure failure(int failure) {
    switch (failure) {
      case NO_FAILURE:
        return UpstreamFailure.NONE;
      case CONNECT_FAILURE:
        return UpstreamFailure.CONNECT_FAILURE;
      case TIMEOUT:
        return UpstreamFailure.PER_TRY_TIMEOUT;
      default:
        return UpstreamFailure.RESET;
    }
  }

  @Override
  public long backOffNanos() {
    return x.backOffNanos();
  }

  @Override
  public void timedOut() {
    x.timedOut();
  }

  @Override
  public void cancelled() {
    x.record().addFlag(ResponseFlag.DC);
  }

  @Override
  public void finish(int status, int grpcStatus, long bytesReceived, long bytesSent) {
    if (finished) {
      return;
    }
    finished = true;
    long now = System.nanoTime();
    if (x.action() == Exchange.Action.FORWARD) {
      x.record().upstreamFinished(now);
    }
    x.finish(status, grpcStatus, Math.max(0, bytesReceived), Math.max(0, bytesSent), now);
  }
}
