package dev.jmesh.dataplane.config;

import com.google.protobuf.util.Durations;
import dev.jmesh.dataplane.policy.LocalRateLimitFilter;
import dev.jmesh.dataplane.policy.TokenBucket;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Compiles Envoy's HTTP {@code local_ratelimit} filter (as an Istio EnvoyFilter inserts it). */
final class LocalRateLimitCompiler {

  private static final Set<String> FILTER =
      Set.of(
          "stat_prefix",
          "status",
          "token_bucket",
          "filter_enabled",
          "filter_enforced",
          "response_headers_to_add",
          "enable_x_ratelimit_headers",
          "local_rate_limit_per_downstream_connection",
          "stage");
  private static final Set<String> BUCKET =
      Set.of("max_tokens", "tokens_per_fill", "fill_interval");
  private static final Set<String> FRACTION = Set.of("default_value", "runtime_key");
  private static final Set<String> HEADER_OPTION = Set.of("header", "append", "append_action");

  private LocalRateLimitCompiler() {}

  static LocalRateLimitFilter compile(LocalRateLimit config, String at)
      throws InvalidConfigException {
    SupportedFields.check(config, at, FILTER);
    if (config.getLocalRateLimitPerDownstreamConnection()) {
      throw new InvalidConfigException(
          at + ".local_rate_limit_per_downstream_connection",
          "not supported: this data path keeps one bucket per filter chain");
    }
    TokenBucket bucket = null;
    if (config.hasTokenBucket()) {
      String bat = at + ".token_bucket";
      SupportedFields.check(config.getTokenBucket(), bat, BUCKET);
      if (!config.getTokenBucket().hasFillInterval()) {
        throw new InvalidConfigException(bat + ".fill_interval", "is required");
      }
      long perFill =
          config.getTokenBucket().hasTokensPerFill()
              ? config.getTokenBucket().getTokensPerFill().getValue()
              : 1;
      try {
        bucket =
            TokenBucket.of(
                Integer.toUnsignedLong(config.getTokenBucket().getMaxTokens()),
                perFill,
                Durations.toNanos(config.getTokenBucket().getFillInterval()));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(bat, e.getMessage());
      }
    }
    // Envoy answers a status below 400 with 429.
    int status =
        config.hasStatus() && config.getStatus().getCodeValue() >= 400
            ? config.getStatus().getCodeValue()
            : 429;
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 0; i < config.getResponseHeadersToAddCount(); i++) {
      HeaderValueOption o = config.getResponseHeadersToAdd(i);
      String hat = at + ".response_headers_to_add[" + i + "]";
      SupportedFields.check(o, hat, HEADER_OPTION);
      SupportedFields.check(o.getHeader(), hat + ".header", Set.of("key", "value"));
      if (o.getHeader().getKey().isEmpty()) {
        throw new InvalidConfigException(hat + ".header.key", "must not be empty");
      }
      headers.add(
          new AbstractMap.SimpleImmutableEntry<>(
              o.getHeader().getKey().toLowerCase(Locale.ROOT), o.getHeader().getValue()));
    }
    boolean rateLimitHeaders;
    if (config.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.DRAFT_VERSION_03) {
      rateLimitHeaders = true;
    } else if (config.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.OFF) {
      rateLimitHeaders = false;
    } else {
      throw new InvalidConfigException(
          at + ".enable_x_ratelimit_headers",
          "unknown version " + config.getEnableXRatelimitHeadersValue());
    }
    return new LocalRateLimitFilter(
        bucket,
        fraction(config.getFilterEnabled(), config.hasFilterEnabled(), at + ".filter_enabled"),
        fraction(config.getFilterEnforced(), config.hasFilterEnforced(), at + ".filter_enforced"),
        status,
        headers,
        rateLimitHeaders);
  }

  /** Envoy's default when unset is 0%: the filter does nothing until told to. */
  private static LocalRateLimitFilter.Fraction fraction(
      RuntimeFractionalPercent f, boolean set, String at) throws InvalidConfigException {
    if (!set) {
      return LocalRateLimitFilter.Fraction.NONE;
    }
    SupportedFields.check(f, at, FRACTION);
    FractionalPercent p = f.getDefaultValue();
    SupportedFields.check(p, at + ".default_value", Set.of("numerator", "denominator"));
    long scale;
    switch (p.getDenominator()) {
      case HUNDRED:
        scale = 10_000;
        break;
      case TEN_THOUSAND:
        scale = 100;
        break;
      case MILLION:
        scale = 1;
        break;
      default:
        throw new InvalidConfigException(
            at + ".default_value.denominator", "unknown denominator " + p.getDenominatorValue());
    }
    long perMillion = Math.min(1_000_000, Integer.toUnsignedLong(p.getNumerator()) * scale);
    return new LocalRateLimitFilter.Fraction(perMillion);
  }
}
