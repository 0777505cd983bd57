package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.HealthCheckConfig;
import dev.jmesh.dataplane.config.SlowStartConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream host of an {@link UpstreamCluster}, identified by {@code address:port}. Its state
 * (active requests, outlier ejection, active health, slow start) lives as long as the host stays in
 * the cluster, across EDS and CDS updates.
 *
 * <p>The caller reports what happened to each request it sends: exactly one of {@link
 * #requestFinished(int)} or {@link #requestFailed(LocalFailure)} after each {@link
 * #requestStarted()}. These feed the least-request balancer and outlier detection. None of them
 * allocates; they update atomics, and only the report that ejects a host takes that host's own
 * monitor for a moment.
 */
public final class Host {

  static final long NO_SLOW_START = Long.MIN_VALUE;

  private final UpstreamCluster cluster;
  private final String address;
  private final int port;
  private final String hashKey;
  private volatile Endpoint endpoint;

  /** Read on every least-request pick: a field of the host, not another object to chase. */
  private static final VarHandle ACTIVE;

  static {
    try {
      ACTIVE = MethodHandles.lookup().findVarHandle(Host.class, "activeRequests", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // through ACTIVE
  private volatile int activeRequests;

  final AtomicInteger consecutive5xx = new AtomicInteger();
  final AtomicInteger consecutiveGatewayFailure = new AtomicInteger();
  final AtomicInteger consecutiveLocalOriginFailure = new AtomicInteger();
  private volatile boolean ejected;
  private volatile long ejectedAtNanos;
  private volatile long unejectedAtNanos = Long.MIN_VALUE;

  /** Base ejection times this host's next ejection lasts; only touched by ejection and sweeps. */
  private volatile int ejectionBackoff;

  /** Written only by the health-check thread. */
  private volatile boolean failedActiveHealthCheck;

  private boolean checkedOnce;
  private int consecutiveCheckSuccesses;
  private int consecutiveCheckFailures;

  private volatile long slowStartFromNanos;

  Host(UpstreamCluster cluster, Endpoint endpoint, boolean awaitsHealthCheck, long slowStartFrom) {
    this.cluster = cluster;
    this.address = endpoint.address();
    this.port = endpoint.port();
    this.hashKey = key(address, port);
    this.endpoint = endpoint;
    this.failedActiveHealthCheck = awaitsHealthCheck;
    this.slowStartFromNanos = slowStartFrom;
  }

  /** Envoy's host key, {@code 10.0.0.1:80} or {@code [::1]:80}: the input of hash balancing. */
  static String key(String address, int port) {
    return (address.indexOf(':') >= 0 ? "[" + ipv6Text(address) + "]" : address) + ":" + port;
  }

  /**
   * An IPv6 literal as Envoy prints it (RFC 5952, like {@code inet_ntop}): lower case, no leading
   * zeros, the longest run of two or more zero groups as {@code ::}. Anything that does not parse
   * is kept as written.
   */
  static String ipv6Text(String literal) {
    byte[] b;
    try {
      // A literal with ':' never goes to DNS.
      b = java.net.InetAddress.getByName(literal).getAddress();
    } catch (java.io.IOException | SecurityException e) {
      return literal;
    }
    if (b.length != 16) {
      return literal;
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (b[2 * i] & 0xFF) << 8 | (b[2 * i + 1] & 0xFF);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }

  /** The IP address or, for a {@code STRICT_DNS} cluster, the host name to connect to. */
  public String address() {
    return address;
  }

  public int port() {
    return port;
  }

  /** {@code address:port} as Envoy writes it. */
  public String hostKey() {
    return hashKey;
  }

  /** The endpoint as the latest EDS or CDS update described it. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** A request to this host begins; it counts as active until it finishes or fails. */
  public void requestStarted() {
    ACTIVE.getAndAdd(this, 1);
  }

  /** A request to this host got a response with HTTP {@code status}. */
  public void requestFinished(int status) {
    ACTIVE.getAndAdd(this, -1);
    OutlierDetector detector = cluster.outlierDetector();
    if (detector != null) {
      detector.onResponse(this, status);
    }
  }

  /** A request counted by {@link #requestStarted()} was never sent: no outcome to learn from. */
  public void requestAbandoned() {
    ACTIVE.getAndAdd(this, -1);
  }

  /** A request to this host ended without a response. */
  public void requestFailed(LocalFailure failure) {
    ACTIVE.getAndAdd(this, -1);
    OutlierDetector detector = cluster.outlierDetector();
    if (detector != null) {
      detector.onLocalFailure(this, failure);
    }
  }

  /**
   * A connection to this host was established, e.g. by a TCP proxy that sees no HTTP status: a
   * local-origin success for outlier detection.
   */
  public void connectionSucceeded() {
    OutlierDetector detector = cluster.outlierDetector();
    if (detector != null) {
      detector.onLocalSuccess(this);
    }
  }

  public int activeRequests() {
    return activeRequests;
  }

  /** Whether outlier detection currently ejects this host. */
  public boolean ejected() {
    return ejected;
  }

  /** Whether active health checking currently fails this host (or has not passed it yet). */
  public boolean failedActiveHealthCheck() {
    return failedActiveHealthCheck;
  }

  /** Whether the balancer treats this host as healthy: by EDS status, outlier and active checks. */
  public boolean healthy() {
    return availability() == Availability.HEALTHY;
  }

  enum Availability {
    HEALTHY,
    DEGRADED,
    UNAVAILABLE
  }

  Availability availability() {
    if (ejected || failedActiveHealthCheck) {
      return Availability.UNAVAILABLE;
    }
    switch (endpoint.health()) {
      case UNKNOWN:
      case HEALTHY:
        return Availability.HEALTHY;
      case DEGRADED:
        return Availability.DEGRADED;
      default:
        return Availability.UNAVAILABLE;
    }
  }

  void endpoint(Endpoint e) {
    endpoint = e;
  }

  int weight() {
    return endpoint.weight();
  }

  long slowStartFromNanos() {
    return slowStartFromNanos;
  }

  /** The factor slow start applies to this host's weight at {@code nowNanos}. */
  double slowStartFactor(SlowStartConfig slowStart, long nowNanos) {
    long from = slowStartFromNanos;
    if (from == NO_SLOW_START) {
      return 1.0;
    }
    return slowStart.factor(nowNanos - from);
  }

  // Outlier detection.

  boolean markEjected(long nowNanos, long baseNanos, long maxNanos) {
    if (ejected) {
      return false;
    }
    ejectedAtNanos = nowNanos;
    // Envoy lets the backoff grow while base × backoff stays within max + base.
    if (baseNanos * ejectionBackoff <= maxNanos) {
      ejectionBackoff++;
    }
    ejected = true;
    return true;
  }

  long ejectedAtNanos() {
    return ejectedAtNanos;
  }

  int ejectionBackoff() {
    return ejectionBackoff;
  }

  void markUnejected(long nowNanos) {
    consecutive5xx.set(0);
    consecutiveGatewayFailure.set(0);
    consecutiveLocalOriginFailure.set(0);
    unejectedAtNanos = nowNanos;
    ejected = false;
  }

  /** An interval passed without a new ejection since the last one ended: backoff shrinks. */
  void decayBackoff(long nowNanos, long intervalNanos) {
    if (ejectionBackoff > 0
        && unejectedAtNanos != Long.MIN_VALUE
        && nowNanos - unejectedAtNanos >= intervalNanos) {
      ejectionBackoff--;
    }
  }

  /** Drops outlier state when the cluster stops detecting outliers. */
  void clearOutlierState() {
    consecutive5xx.set(0);
    consecutiveGatewayFailure.set(0);
    consecutiveLocalOriginFailure.set(0);
    ejectionBackoff = 0;
    ejected = false;
  }

  // Active health checking; called only from the health-check thread.

  /**
   * Records one check and returns whether the host's health changed. The first success of a host
   * marks it healthy at once, as Envoy does at start-up; later, the thresholds apply, except that
   * an HTTP status not expected marks the host unhealthy at once, as in Envoy.
   */
  boolean recordHealthCheck(HealthProbe.Result result, HealthCheckConfig check, long nowNanos) {
    if (result == HealthProbe.Result.PASSED) {
      consecutiveCheckFailures = 0;
      consecutiveCheckSuccesses++;
      boolean first = !checkedOnce;
      checkedOnce = true;
      if (failedActiveHealthCheck
          && (first || consecutiveCheckSuccesses >= check.healthyThreshold())) {
        failedActiveHealthCheck = false;
        slowStartFromNanos = nowNanos;
        return true;
      }
      return false;
    }
    checkedOnce = true;
    consecutiveCheckSuccesses = 0;
    consecutiveCheckFailures++;
    boolean immediate = result == HealthProbe.Result.UNEXPECTED_STATUS;
    if (!failedActiveHealthCheck
        && (immediate || consecutiveCheckFailures >= check.unhealthyThreshold())) {
      failedActiveHealthCheck = true;
      return true;
    }
    return false;
  }

  /** Active health checking was removed from the cluster, or added: start over. */
  void resetHealthCheck(boolean awaitsHealthCheck) {
    checkedOnce = false;
    consecutiveCheckSuccesses = 0;
    consecutiveCheckFailures = 0;
    failedActiveHealthCheck = awaitsHealthCheck;
  }

  @Override
  public String toString() {
    return hashKey;
  }
}
