package dev.jmesh.dataplane.outbound;

import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.LocalFailure;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.route.HeaderMutation;
import dev.jmesh.dataplane.route.MirrorPolicy;
import dev.jmesh.dataplane.route.RetryState;
import dev.jmesh.dataplane.route.Route;
import dev.jmesh.dataplane.route.RouteDecision;
import dev.jmesh.dataplane.route.UpstreamFailure;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.TrafficSeries;
import dev.jmesh.dataplane.trace.Tracing;
import java.util.List;

/**
 * One outbound request as the data path sees it, from the decision ({@link OutboundRouter#decide})
 * through each attempt's outcome to the record. Mutable and reusable: a caller keeps one per
 * in-flight request (a blocking client may keep one per thread), so deciding and recording allocate
 * nothing. Not thread-safe; the caller hands it between its own threads.
 *
 * <pre>{@code
 * router.decide(listener, request, sourceIp, x);
 * switch (x.action()) {
 *   case FORWARD:
 *     // after x.delayNanos() (a timer, if > 0), send to x.host() with x.requestHeaders() applied
 *     while (true) {
 *       Outcome o = send(x.host(), x.perTryTimeoutNanos());
 *       if (!x.attemptEnded(o.status(), o.grpcStatus(), o.failure())) break;
 *       sleepOnATimer(x.backOffNanos());   // then send again: x.host() is the retry's host
 *     }
 *     break;
 *   default:
 *     // answer locally with x.localStatus() (after x.delayNanos() for a fault)
 * }
 * x.finish(status, grpcStatus, bytesReceived, bytesSent, System.nanoTime());
 * }</pre>
 */
public final class Exchange {

  /** What the caller does with the request. */
  public enum Action {
    /** Send it to {@link #host()} of {@link #cluster()}. */
    FORWARD,
    /** Answer with the route's redirect ({@link Route#redirect()}). */
    REDIRECT,
    /** Answer with the route's direct response ({@link Route#directResponse()}). */
    DIRECT_RESPONSE,
    /** Answer with {@link #localStatus()} (or {@link #localGrpcStatus()}): a fault abort. */
    FAULT_ABORT,
    /** No route: 404, flag NR. */
    NO_ROUTE,
    /** The route names a cluster the mesh does not have: 503, flag NC. */
    NO_CLUSTER,
    /** The cluster's circuit breaker is open: 503, flag UO. */
    OVERFLOW,
    /** No healthy host: 503, flag UH. */
    NO_HEALTHY_UPSTREAM,
    /**
     * The caller refused to send: the host needs mTLS and the workload has no certificate. 503,
     * flag UF: the request fails rather than leave in plaintext.
     */
    REFUSED
  }

  final RequestRecord record = new RequestRecord();
  final RequestHash hash = new RequestHash();
  final RetryState retry = new RetryState();

  Action action;
  RouteDecision decision;
  UpstreamCluster cluster;
  Host host;
  Host previousHost;

  /** The host of the last attempt sent (Envoy's {@code %UPSTREAM_HOST%}), whose labels count it. */
  Host upstream;

  IstioMetrics metrics;
  TrafficSeries series;
  TrafficEdges edges;
  AccessLog accessLog;
  Tracing tracing;
  long delayNanos;
  int localStatus;
  int localGrpcStatus;
  long backOffNanos;
  int attempts;
  int mirrorMask;
  boolean holdsRequest;
  boolean holdsRetry;
  long random;

  /** Clears the exchange for a new request. */
  void begin(long random, long startEpochMillis, long startNanos) {
    record.reset().start(startEpochMillis, startNanos);
    action = null;
    decision = null;
    cluster = null;
    host = null;
    previousHost = null;
    upstream = null;
    metrics = null;
    series = null;
    edges = null;
    accessLog = null;
    tracing = null;
    delayNanos = -1;
    localStatus = 0;
    localGrpcStatus = -1;
    backOffNanos = 0;
    attempts = 0;
    mirrorMask = 0;
    holdsRequest = false;
    holdsRetry = false;
    this.random = random;
  }

  /** Ends the decision locally with {@code status} and {@code flag}. */
  void local(Action a, int status, ResponseFlag flag) {
    action = a;
    localStatus = status;
    record.responseCodeDetails(ResponseCodeDetails.of(a));
    if (flag != null) {
      record.addFlag(flag);
    }
  }

  public Action action() {
    return action;
  }

  /** The route decision; {@link RouteDecision#NO_ROUTE} when nothing matched. */
  public RouteDecision decision() {
    return decision;
  }

  /** The matched route, {@code null} when none matched. */
  public Route route() {
    return decision == null ? null : decision.route();
  }

  /** The cluster for {@link Action#FORWARD}. */
  public UpstreamCluster cluster() {
    return cluster;
  }

  /** The host of the current attempt, for {@link Action#FORWARD}. */
  public Host host() {
    return host;
  }

  /** A fault delay to wait (on a timer) before going on; -1 for none. */
  public long delayNanos() {
    return delayNanos;
  }

  /** The HTTP status of a local answer; 0 when it is a gRPC status instead. */
  public int localStatus() {
    return localStatus;
  }

  /** The gRPC status of a local answer, -1 for none. */
  public int localGrpcStatus() {
    return localGrpcStatus;
  }

  /** The route's timeout for the whole request, 0 for none. */
  public long timeoutNanos() {
    return decision.route().timeoutNanos();
  }

  /** The timeout of one attempt: the retry policy's {@code per_try_timeout}, else the route's. */
  public long perTryTimeoutNanos() {
    Route r = decision.route();
    long perTry = r.retryPolicy() == null ? 0 : r.retryPolicy().perTryTimeoutNanos();
    return perTry > 0 ? perTry : r.timeoutNanos();
  }

  /** The request header changes, in application order. */
  public List<HeaderMutation> requestHeaders() {
    return decision.requestHeaders();
  }

  /** The response header changes, in application order. */
  public List<HeaderMutation> responseHeaders() {
    return decision.responseHeaders();
  }

  /** Whether the route's {@code i}-th mirror policy copies this request. */
  public boolean mirrors(int i) {
    return (mirrorMask & (1 << i)) != 0;
  }

  /** The mirror policies of the route (check {@link #mirrors(int)} for each). */
  public List<MirrorPolicy> mirrorPolicies() {
    return decision.route().mirrorPolicies();
  }

  /** The hash policies' result, with any cookie to set on the response. */
  public RequestHash hash() {
    return hash;
  }

  /** The back-off before the retry {@link #attemptEnded} granted. */
  public long backOffNanos() {
    return backOffNanos;
  }

  /** Attempts made so far, the first included. */
  public int attempts() {
    return attempts;
  }

  /** The record being filled; complete after {@link #finish}. */
  public RequestRecord record() {
    return record;
  }

  /** The listener's tracing, {@code null} when the request is not traced. */
  public Tracing tracing() {
    return tracing;
  }

  /**
   * The attempt at {@link #host()} ended with {@code status} (0 for none), {@code grpcStatus} (-1
   * for none) and {@code failure}. The outcome feeds the host's least-request count and outlier
   * detection. Returns whether to retry: then {@link #host()} is the retry's host (another one when
   * the policy asks for it) and the caller waits {@link #backOffNanos()} first.
   */
  public boolean attemptEnded(int status, int grpcStatus, UpstreamFailure failure) {
    Host h = host;
    switch (failure) {
      case NONE:
        h.requestFinished(status);
        break;
      case CONNECT_FAILURE:
        h.requestFailed(LocalFailure.CONNECT_FAILED);
        break;
      case PER_TRY_TIMEOUT:
        h.requestFailed(LocalFailure.TIMEOUT);
        break;
      default:
        h.requestFailed(LocalFailure.RESET);
        break;
    }
    if (holdsRetry) {
      cluster.circuitBreaker().releaseRetry();
      holdsRetry = false;
    }
    boolean wanted = retry.shouldRetry(status, grpcStatus, failure);
    if (wanted && cluster.circuitBreaker().tryAcquireRetry()) {
      Host next = repick(h);
      if (next != null) {
        holdsRetry = true;
        previousHost = h;
        host = next;
        upstream = next;
        next.requestStarted();
        // The record names the host of the last attempt, as Envoy's %UPSTREAM_HOST%.
        record.upstreamHost(next.hostKey());
        attempts++;
        backOffNanos = retry.backOffNanos(nextRandom());
        return true;
      }
      cluster.circuitBreaker().releaseRetry();
    }
    switch (failure) {
      case CONNECT_FAILURE:
        record.addFlag(ResponseFlag.UF);
        record.responseCodeDetails(ResponseCodeDetails.CONNECTION_FAILURE);
        break;
      case RESET:
      case REFUSED_STREAM:
        record.addFlag(ResponseFlag.UR);
        record.responseCodeDetails(ResponseCodeDetails.REMOTE_RESET);
        break;
      case PER_TRY_TIMEOUT:
        record.addFlag(ResponseFlag.UT);
        record.responseCodeDetails(ResponseCodeDetails.PER_TRY_TIMEOUT);
        break;
      default:
        break;
    }
    if (wanted || retry.retriable(status, grpcStatus, failure)) {
      // Retriable, but no retry was left, allowed or possible: "upstream retry limit exceeded".
      record.addFlag(ResponseFlag.URX);
    }
    return false;
  }

  /** A host for a retry, avoiding {@code previous} when the policy asks for another host. */
  private Host repick(Host previous) {
    Route r = decision.route();
    boolean other = r.retryPolicy().otherHost();
    long tries = other ? Math.max(1, r.retryPolicy().hostSelectionRetryMaxAttempts() + 1) : 1;
    Host h = null;
    for (long i = 0; i < tries; i++) {
      h = cluster.pick(hash.value(), hash.present() && !other, nextRandom());
      if (h == null || !other || h != previous) {
        return h;
      }
    }
    return h;
  }

  private long nextRandom() {
    // xorshift: a cheap, allocation-free sequence seeded by the caller's random number.
    // (Zero would stay zero: start from a fixed odd constant instead.)
    long x = random == 0 ? 0x9E3779B97F4A7C15L : random;
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    random = x;
    return x;
  }

  /**
   * Turns retries off for this request: its body cannot be sent twice (Envoy does the same when a
   * body outgrows its retry buffer).
   */
  public void disableRetries() {
    retry.reset(null);
  }

  /**
   * Takes back the retry {@link #attemptEnded} just granted: the caller cannot reach the retry's
   * host (it needs TLS the caller cannot give). The request ends with the last attempt's outcome.
   */
  public void forgoRetry() {
    takeBackRetry();
    if (holdsRetry) {
      cluster.circuitBreaker().releaseRetry();
      holdsRetry = false;
    }
    record.addFlag(ResponseFlag.URX);
  }

  /**
   * Ends a {@link Action#FORWARD} locally with {@code status} and {@code flag} before anything was
   * sent (see {@link Action#REFUSED}); the host learns nothing from it. Call {@link #finish} next.
   */
  public void refuse(int status, ResponseFlag flag) {
    takeBackRetry();
    local(Action.REFUSED, status, flag);
  }

  /**
   * The host picked for an attempt that is never sent learns nothing, and the record names the host
   * of the last attempt that was sent (Envoy's {@code %UPSTREAM_HOST%}), counted as sent.
   */
  private void takeBackRetry() {
    if (host != null) {
      host.requestAbandoned();
      host = null;
      if (holdsRetry) {
        attempts--;
      }
    }
    upstream = previousHost;
    record.upstreamHost(previousHost == null ? null : previousHost.hostKey());
  }

  /**
   * Gives up the decision without sending or recording anything: the request goes another way (the
   * engine) that decides it again. Releases what the decision held of the cluster and the host.
   */
  public void abandon() {
    if (holdsRequest) {
      cluster.circuitBreaker().releaseRequest();
      holdsRequest = false;
    }
    if (holdsRetry) {
      cluster.circuitBreaker().releaseRetry();
      holdsRetry = false;
    }
    if (host != null && action == Action.FORWARD) {
      host.requestAbandoned();
      host = null;
    }
    series = null;
    accessLog = null;
  }

  /**
   * The route's whole timeout passed: the request ends with 504, flag UT. Call {@link #finish}
   * next.
   */
  public void timedOut() {
    if (host != null && action == Action.FORWARD) {
      host.requestFailed(LocalFailure.TIMEOUT);
      host = null;
    }
    record.addFlag(ResponseFlag.UT);
    record.responseCodeDetails(ResponseCodeDetails.RESPONSE_TIMEOUT);
  }

  /**
   * The response is complete: fills the record and counts it in the metrics. Releases what the
   * exchange held of the cluster's circuit breaker.
   */
  public void finish(
      int status, int grpcStatus, long bytesReceived, long bytesSent, long nanoTime) {
    if (holdsRequest) {
      cluster.circuitBreaker().releaseRequest();
      holdsRequest = false;
    }
    if (holdsRetry) {
      cluster.circuitBreaker().releaseRetry();
      holdsRetry = false;
    }
    record.responseCode(status).grpcStatus(grpcStatus).bytes(bytesReceived, bytesSent);
    if (record.responseCodeDetails() == null && status > 0) {
      record.responseCodeDetails(ResponseCodeDetails.VIA_UPSTREAM);
    }
    record.finish(nanoTime);
    if (series != null) {
      metrics.record(
          upstream == null || edges == null ? series : edges.series(cluster, upstream, metrics),
          record);
    }
    if (accessLog != null) {
      accessLog.record(record);
    }
  }
}
