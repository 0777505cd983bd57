package dev.jmesh.dataplane.route;

import java.util.ArrayList;
import java.util.List;

/**
 * One compiled route: its matchers, its action and the policies carried with it. Immutable.
 *
 * <pre>{@code
 * Route r = Route.builder("vh", "r1", PathMatch.literal(PathMatch.Kind.PREFIX, "/", true))
 *     .clusters(List.of(new WeightedTarget("a", 90), new WeightedTarget("b", 10)))
 *     .build();
 * }</pre>
 */
public final class Route {

  private final String virtualHost;
  private final String name;
  private final PathMatch path;
  private final HeaderMatch[] headers;
  private final QueryParameterMatch[] queryParameters;
  private final long timeoutNanos;
  private final long maxStreamDurationNanos;
  private final long grpcTimeoutHeaderMaxNanos;
  private final RetryPolicy retryPolicy;
  private final FaultPolicy fault;
  private final Redirect redirect;
  private final DirectResponse directResponse;
  private final boolean nonForwarding;
  private final PathRewrite pathRewrite;
  private final String hostRewrite;
  private final List<HashPolicy> hashPolicies;
  private final List<MirrorPolicy> mirrorPolicies;
  private final List<WeightedTarget> targets;
  private final RouteDecision[] decisions;
  private final long[] cumulativeWeights;

  private Route(Builder b) {
    this.virtualHost = b.virtualHost;
    this.name = b.name;
    this.path = b.path;
    this.headers = b.headers.toArray(new HeaderMatch[0]);
    this.queryParameters = b.queryParameters.toArray(new QueryParameterMatch[0]);
    this.timeoutNanos = b.timeoutNanos;
    this.maxStreamDurationNanos = b.maxStreamDurationNanos;
    this.grpcTimeoutHeaderMaxNanos = b.grpcTimeoutHeaderMaxNanos;
    this.retryPolicy = b.retryPolicy;
    this.fault = b.fault;
    this.redirect = b.redirect;
    this.directResponse = b.directResponse;
    this.nonForwarding = b.nonForwarding;
    this.pathRewrite = b.pathRewrite;
    this.hostRewrite = b.hostRewrite;
    this.hashPolicies = List.copyOf(b.hashPolicies);
    this.mirrorPolicies = List.copyOf(b.mirrorPolicies);
    this.targets = List.copyOf(b.targets);
    List<HeaderMutation> request = levels(HeaderMutation.NONE, b.requestHeaders);
    List<HeaderMutation> response = levels(HeaderMutation.NONE, b.responseHeaders);
    if (redirect != null) {
      decisions =
          new RouteDecision[] {
            new RouteDecision(RouteDecision.Kind.REDIRECT, this, null, request, response)
          };
      cumulativeWeights = new long[] {1};
    } else if (directResponse != null) {
      decisions =
          new RouteDecision[] {
            new RouteDecision(RouteDecision.Kind.DIRECT_RESPONSE, this, null, request, response)
          };
      cumulativeWeights = new long[] {1};
    } else if (nonForwarding) {
      decisions =
          new RouteDecision[] {
            new RouteDecision(RouteDecision.Kind.NON_FORWARDING, this, null, request, response)
          };
      cumulativeWeights = new long[] {1};
    } else {
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("route " + name + " has no action");
      }
      decisions = new RouteDecision[targets.size()];
      cumulativeWeights = new long[targets.size()];
      long sum = 0;
      for (int i = 0; i < targets.size(); i++) {
        WeightedTarget t = targets.get(i);
        if (t.weight() < 0) {
          throw new IllegalArgumentException("negative weight for " + t.cluster());
        }
        sum += t.weight();
        cumulativeWeights[i] = sum;
        decisions[i] =
            new RouteDecision(
                RouteDecision.Kind.CLUSTER,
                this,
                t.cluster(),
                levels(t.requestHeaders(), b.requestHeaders),
                levels(t.responseHeaders(), b.responseHeaders));
      }
      if (sum == 0) {
        throw new IllegalArgumentException("route " + name + ": cluster weights sum to 0");
      }
    }
  }

  private static List<HeaderMutation> levels(HeaderMutation first, List<HeaderMutation> rest) {
    List<HeaderMutation> out = new ArrayList<>();
    if (!first.isEmpty()) {
      out.add(first);
    }
    for (HeaderMutation m : rest) {
      if (!m.isEmpty()) {
        out.add(m);
      }
    }
    return List.copyOf(out);
  }

  /** Starts a route of virtual host {@code virtualHost} named {@code name}. */
  public static Builder builder(String virtualHost, String name, PathMatch path) {
    return new Builder(virtualHost, name, path);
  }

  /** Whether the request satisfies the path, every header and every query matcher. */
  public boolean matches(RequestView request) {
    String p = request.path();
    if (p == null) {
      p = "";
    }
    if (!path.matches(p)) {
      return false;
    }
    for (HeaderMatch h : headers) {
      if (!h.matches(request)) {
        return false;
      }
    }
    for (QueryParameterMatch q : queryParameters) {
      if (!q.matches(p)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The decision for a matched request; {@code random} (any long, uniformly drawn) picks among
   * weighted clusters as Envoy does: {@code random mod total_weight} against cumulative weights.
   */
  public RouteDecision decision(long random) {
    if (decisions.length == 1) {
      return decisions[0];
    }
    long r = Long.remainderUnsigned(random, cumulativeWeights[cumulativeWeights.length - 1]);
    for (int i = 0; i < cumulativeWeights.length; i++) {
      if (r < cumulativeWeights[i]) {
        return decisions[i];
      }
    }
    throw new AssertionError();
  }

  public String virtualHost() {
    return virtualHost;
  }

  public String name() {
    return name;
  }

  public PathMatch path() {
    return path;
  }

  /** The route timeout in nanoseconds; 0 means none (Envoy's {@code timeout: 0s}). */
  public long timeoutNanos() {
    return timeoutNanos;
  }

  /** {@code max_stream_duration.max_stream_duration} in nanoseconds; -1 when unset, 0 for none. */
  public long maxStreamDurationNanos() {
    return maxStreamDurationNanos;
  }

  /**
   * {@code max_stream_duration.grpc_timeout_header_max} in nanoseconds: -1 when unset (the {@code
   * grpc-timeout} header is ignored), 0 for no cap.
   */
  public long grpcTimeoutHeaderMaxNanos() {
    return grpcTimeoutHeaderMaxNanos;
  }

  /** The retry policy, {@code null} for no retries. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** The fault to inject, {@code null} for none. */
  public FaultPolicy fault() {
    return fault;
  }

  /** The redirect, {@code null} unless this route redirects. */
  public Redirect redirect() {
    return redirect;
  }

  /** The direct response, {@code null} unless this route answers itself. */
  public DirectResponse directResponse() {
    return directResponse;
  }

  /**
   * Whether the route hands the request to the local application instead of a cluster (Envoy's
   * {@code non_forwarding_action}, the route of an inbound listener).
   */
  public boolean nonForwarding() {
    return nonForwarding;
  }

  /** The path rewrite, {@code null} for none. */
  public PathRewrite pathRewrite() {
    return pathRewrite;
  }

  /** The authority sent upstream ({@code host_rewrite_literal}), {@code null} to keep it. */
  public String hostRewrite() {
    return hostRewrite;
  }

  /** The hash policies for ring-hash and Maglev balancing, in order. */
  public List<HashPolicy> hashPolicies() {
    return hashPolicies;
  }

  /** Where copies of the request go. */
  public List<MirrorPolicy> mirrorPolicies() {
    return mirrorPolicies;
  }

  /** The clusters and weights, empty for a redirect or a direct response. */
  public List<WeightedTarget> targets() {
    return targets;
  }

  /** Builds a {@link Route}. */
  public static final class Builder {
    private final String virtualHost;
    private final String name;
    private final PathMatch path;
    private List<HeaderMatch> headers = List.of();
    private List<QueryParameterMatch> queryParameters = List.of();
    private long timeoutNanos = 15_000_000_000L;
    private long maxStreamDurationNanos = -1;
    private long grpcTimeoutHeaderMaxNanos = -1;
    private RetryPolicy retryPolicy;
    private FaultPolicy fault;
    private Redirect redirect;
    private DirectResponse directResponse;
    private boolean nonForwarding;
    private List<WeightedTarget> targets = List.of();
    private PathRewrite pathRewrite;
    private String hostRewrite;
    private List<HashPolicy> hashPolicies = List.of();
    private List<MirrorPolicy> mirrorPolicies = List.of();
    private List<HeaderMutation> requestHeaders = List.of();
    private List<HeaderMutation> responseHeaders = List.of();

    private Builder(String virtualHost, String name, PathMatch path) {
      this.virtualHost = virtualHost;
      this.name = name;
      this.path = path;
    }

    public Builder headers(List<HeaderMatch> headers) {
      this.headers = headers;
      return this;
    }

    public Builder queryParameters(List<QueryParameterMatch> queryParameters) {
      this.queryParameters = queryParameters;
      return this;
    }

    /** Envoy's default is 15 s; 0 disables the timeout. */
    public Builder timeoutNanos(long timeoutNanos) {
      this.timeoutNanos = timeoutNanos;
      return this;
    }

    /** {@code max_stream_duration}: -1 for unset. */
    public Builder maxStreamDuration(long maxStreamDurationNanos, long grpcTimeoutHeaderMaxNanos) {
      this.maxStreamDurationNanos = maxStreamDurationNanos;
      this.grpcTimeoutHeaderMaxNanos = grpcTimeoutHeaderMaxNanos;
      return this;
    }

    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = retryPolicy;
      return this;
    }

    public Builder fault(FaultPolicy fault) {
      this.fault = fault;
      return this;
    }

    public Builder redirect(Redirect redirect) {
      this.redirect = redirect;
      return this;
    }

    public Builder directResponse(DirectResponse directResponse) {
      this.directResponse = directResponse;
      return this;
    }

    /** Delivers matched requests to the local application ({@code non_forwarding_action}). */
    public Builder nonForwarding() {
      this.nonForwarding = true;
      return this;
    }

    public Builder pathRewrite(PathRewrite pathRewrite) {
      this.pathRewrite = pathRewrite;
      return this;
    }

    public Builder hostRewrite(String hostRewrite) {
      this.hostRewrite = hostRewrite;
      return this;
    }

    public Builder hashPolicies(List<HashPolicy> hashPolicies) {
      this.hashPolicies = hashPolicies;
      return this;
    }

    public Builder mirrorPolicies(List<MirrorPolicy> mirrorPolicies) {
      this.mirrorPolicies = mirrorPolicies;
      return this;
    }

    /** Request header changes of the route and the levels above it, in application order. */
    public Builder requestHeaders(List<HeaderMutation> levels) {
      this.requestHeaders = levels;
      return this;
    }

    /** Response header changes of the route and the levels above it, in application order. */
    public Builder responseHeaders(List<HeaderMutation> levels) {
      this.responseHeaders = levels;
      return this;
    }

    public Builder clusters(List<WeightedTarget> targets) {
      this.targets = targets;
      return this;
    }

    /**
     * Builds the route.
     *
     * @throws IllegalArgumentException when it has no action or its weights sum to 0
     */
    public Route build() {
      return new Route(this);
    }
  }
}
