package dev.jmesh.dataplane.record;

/**
 * Envoy's response flags ({@code %RESPONSE_FLAGS%}), with Envoy's bit values and short names. The
 * declaration order is Envoy's own ({@code ResponseFlagUtils::ALL_RESPONSE_STRINGS_FLAGS}), which
 * is also the order in which {@link ResponseFlags#toShortString} lists them, so a jmesh record
 * renders {@code UT,URX} exactly where an Envoy access log would.
 */
public enum ResponseFlag {
  LH("FailedLocalHealthCheck"),
  UH("NoHealthyUpstream"),
  UT("UpstreamRequestTimeout"),
  LR("LocalReset"),
  UR("UpstreamRemoteReset"),
  UF("UpstreamConnectionFailure"),
  UC("UpstreamConnectionTermination"),
  UO("UpstreamOverflow"),
  NR("NoRouteFound"),
  DI("DelayInjected"),
  FI("FaultInjected"),
  RL("RateLimited"),
  UAEX("UnauthorizedExternalService"),
  RLSE("RateLimitServiceError"),
  DC("DownstreamConnectionTermination"),
  URX("UpstreamRetryLimitExceeded"),
  SI("StreamIdleTimeout"),
  IH("InvalidEnvoyRequestHeaders"),
  DPE("DownstreamProtocolError"),
  UMSDR("UpstreamMaxStreamDurationReached"),
  RFCF("ResponseFromCacheFilter"),
  NFCF("NoFilterConfigFound"),
  DT("DurationTimeout"),
  UPE("UpstreamProtocolError"),
  NC("NoClusterFound"),
  OM("OverloadManagerTerminated"),
  DF("DnsResolutionFailed"),
  DO("DropOverload");

  /** Every flag's bit set: the widest value a flag set can take. */
  public static final int ALL = (1 << values().length) - 1;

  private final String longName;
  private final int bit;

  ResponseFlag(String longName) {
    this.longName = longName;
    this.bit = 1 << ordinal();
  }

  /** Envoy's bit for this flag ({@code StreamInfo::ResponseFlag}). */
  public int bit() {
    return bit;
  }

  /** The short name Envoy's access log prints, e.g. {@code URX}. */
  public String shortName() {
    return name();
  }

  /** The long name Envoy prints with {@code %RESPONSE_FLAGS_LONG%}, e.g. {@code NoRouteFound}. */
  public String longName() {
    return longName;
  }

  public boolean in(int flags) {
    return (flags & bit) != 0;
  }
}
