package dev.jmesh.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.jmesh.dataplane.route.FaultPolicy;
import dev.jmesh.dataplane.route.HashPolicy;
import dev.jmesh.dataplane.route.MirrorPolicy;
import dev.jmesh.dataplane.route.RetryPolicy;
import dev.jmesh.dataplane.route.Route;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Compiles the per-route policies that are carried, not executed: retry, fault, durations. */
final class Policies {

  static final String FAULT_FILTER = "envoy.filters.http.fault";
  static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";

  private static final Set<String> RETRY =
      Set.of(
          "retry_on",
          "num_retries",
          "per_try_timeout",
          "retry_back_off",
          "retriable_status_codes",
          "retry_host_predicate",
          "host_selection_retry_max_attempts");
  private static final Set<String> BACK_OFF = Set.of("base_interval", "max_interval");
  private static final Set<String> HOST_PREDICATE = Set.of("name", "typed_config");
  private static final Set<String> MAX_STREAM_DURATION =
      Set.of("max_stream_duration", "grpc_timeout_header_max");
  private static final Set<String> FAULT = Set.of("delay", "abort", "headers");
  private static final Set<String> DELAY = Set.of("fixed_delay", "header_delay", "percentage");
  private static final Set<String> ABORT =
      Set.of("http_status", "grpc_status", "header_abort", "percentage");
  private static final Set<String> FILTER_CONFIG = Set.of("config", "is_optional");
  private static final long DEFAULT_BACK_OFF_NANOS = 25_000_000L;

  private Policies() {}

  static long nanos(Duration d, String at) throws InvalidConfigException {
    if (d.getSeconds() < 0 || d.getNanos() < 0 || d.getNanos() > 999_999_999) {
      throw new InvalidConfigException(at, "must be a non-negative duration");
    }
    if (d.getSeconds() > Long.MAX_VALUE / 1_000_000_000L - 1) {
      return Long.MAX_VALUE;
    }
    return d.getSeconds() * 1_000_000_000L + d.getNanos();
  }

  static RetryPolicy retry(io.envoyproxy.envoy.config.route.v3.RetryPolicy r, String at)
      throws InvalidConfigException {
    SupportedFields.check(r, at, RETRY);
    Set<String> on = new LinkedHashSet<>();
    for (String part : r.getRetryOn().split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      if (!RetryPolicy.SUPPORTED_CONDITIONS.contains(p)) {
        throw new InvalidConfigException(at + ".retry_on", "condition '" + p + "' not supported");
      }
      on.add(p);
    }
    int numRetries = r.hasNumRetries() ? r.getNumRetries().getValue() : 1;
    if (numRetries < 0) {
      throw new InvalidConfigException(at + ".num_retries", "is above 2^31-1");
    }
    long perTry = r.hasPerTryTimeout() ? nanos(r.getPerTryTimeout(), at + ".per_try_timeout") : 0;
    long base = DEFAULT_BACK_OFF_NANOS;
    long max = -1;
    if (r.hasRetryBackOff()) {
      String bat = at + ".retry_back_off";
      SupportedFields.check(r.getRetryBackOff(), bat, BACK_OFF);
      if (!r.getRetryBackOff().hasBaseInterval()) {
        throw new InvalidConfigException(bat + ".base_interval", "is required");
      }
      base = nanos(r.getRetryBackOff().getBaseInterval(), bat + ".base_interval");
      if (base == 0) {
        throw new InvalidConfigException(bat + ".base_interval", "must be above 0");
      }
      if (r.getRetryBackOff().hasMaxInterval()) {
        max = nanos(r.getRetryBackOff().getMaxInterval(), bat + ".max_interval");
        if (max < base) {
          throw new InvalidConfigException(bat + ".max_interval", "must be at least base_interval");
        }
      }
    }
    if (max < 0) {
      max = base > Long.MAX_VALUE / 10 ? Long.MAX_VALUE : base * 10; // Envoy's default
    }
    List<Integer> codes = new ArrayList<>();
    for (int i = 0; i < r.getRetriableStatusCodesCount(); i++) {
      int code = r.getRetriableStatusCodes(i);
      if (code < 100 || code > 599) {
        throw new InvalidConfigException(
            at + ".retriable_status_codes[" + i + "]", "is not an HTTP status");
      }
      codes.add(code);
    }
    boolean otherHost = false;
    for (int i = 0; i < r.getRetryHostPredicateCount(); i++) {
      String pat = at + ".retry_host_predicate[" + i + "]";
      var p = r.getRetryHostPredicate(i);
      SupportedFields.check(p, pat, HOST_PREDICATE);
      if (!p.getName().equals(PREVIOUS_HOSTS)) {
        throw new InvalidConfigException(pat + ".name", "'" + p.getName() + "' not supported");
      }
      otherHost = true;
    }
    return new RetryPolicy(
        on, numRetries, perTry, base, max, codes, otherHost, r.getHostSelectionRetryMaxAttempts());
  }

  static void maxStreamDuration(Route.Builder b, RouteAction.MaxStreamDuration m, String at)
      throws InvalidConfigException {
    SupportedFields.check(m, at, MAX_STREAM_DURATION);
    long max =
        m.hasMaxStreamDuration()
            ? nanos(m.getMaxStreamDuration(), at + ".max_stream_duration")
            : -1;
    long grpc =
        m.hasGrpcTimeoutHeaderMax()
            ? nanos(m.getGrpcTimeoutHeaderMax(), at + ".grpc_timeout_header_max")
            : -1;
    b.maxStreamDuration(max, grpc);
  }

  /**
   * The fault of a route's or virtual host's {@code typed_per_filter_config}; {@code null} for
   * none. Any other filter's config is rejected unless wrapped as optional.
   */
  static FaultPolicy fault(Map<String, Any> perFilter, String at) throws InvalidConfigException {
    FaultPolicy fault = null;
    for (Map.Entry<String, Any> e : new TreeMap<>(perFilter).entrySet()) {
      String fat = at + "[" + e.getKey() + "]";
      Any any = e.getValue();
      boolean optional = false;
      try {
        if (any.is(FilterConfig.class)) {
          FilterConfig fc = any.unpack(FilterConfig.class);
          SupportedFields.check(fc, fat, FILTER_CONFIG);
          optional = fc.getIsOptional();
          any = fc.getConfig();
        }
        if (!e.getKey().equals(FAULT_FILTER)) {
          if (optional) {
            continue;
          }
          throw new InvalidConfigException(fat, "filter not supported");
        }
        if (!any.is(HTTPFault.class)) {
          throw new InvalidConfigException(
              fat,
              "expected " + HTTPFault.getDescriptor().getFullName() + ", got " + any.getTypeUrl());
        }
        fault = fault(any.unpack(HTTPFault.class), fat);
      } catch (InvalidProtocolBufferException ex) {
        throw new InvalidConfigException(fat, "cannot be parsed: " + ex.getMessage());
      }
    }
    return fault;
  }

  private static FaultPolicy fault(HTTPFault f, String at) throws InvalidConfigException {
    SupportedFields.check(f, at, FAULT);
    long delay = 0;
    boolean headerDelay = false;
    int delayPpm = 0;
    int delayUnit = 1;
    if (f.hasDelay()) {
      FaultDelay d = f.getDelay();
      SupportedFields.check(d, at + ".delay", DELAY);
      if (d.hasFixedDelay()) {
        delay = nanos(d.getFixedDelay(), at + ".delay.fixed_delay");
      } else if (d.hasHeaderDelay()) {
        headerDelay = true;
      } else {
        throw new InvalidConfigException(at + ".delay", "fixed_delay or header_delay is required");
      }
      delayPpm = perMillion(d.getPercentage(), at + ".delay.percentage");
      delayUnit = unitPerMillion(d.getPercentage());
    }
    int http = 0;
    int grpc = -1;
    boolean headerAbort = false;
    int abortPpm = 0;
    int abortUnit = 1;
    if (f.hasAbort()) {
      FaultAbort a = f.getAbort();
      SupportedFields.check(a, at + ".abort", ABORT);
      if (a.hasHttpStatus()) {
        http = a.getHttpStatus();
        if (http < 200 || http > 599) {
          throw new InvalidConfigException(at + ".abort.http_status", "must be in [200, 600)");
        }
      } else if (a.hasGrpcStatus()) {
        grpc = a.getGrpcStatus();
      } else if (a.hasHeaderAbort()) {
        headerAbort = true;
      } else {
        throw new InvalidConfigException(
            at + ".abort", "http_status, grpc_status or header_abort is required");
      }
      abortPpm = perMillion(a.getPercentage(), at + ".abort.percentage");
      abortUnit = unitPerMillion(a.getPercentage());
    }
    return new FaultPolicy(
        delay,
        headerDelay,
        delayPpm,
        delayUnit,
        http,
        grpc,
        headerAbort,
        abortPpm,
        abortUnit,
        MatcherCompiler.headers(f.getHeadersList(), at + ".headers"));
  }

  static List<HashPolicy> hashPolicies(List<RouteAction.HashPolicy> list, String at)
      throws InvalidConfigException {
    List<HashPolicy> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      RouteAction.HashPolicy h = list.get(i);
      String hat = at + "[" + i + "]";
      SupportedFields.check(
          h,
          hat,
          Set.of("header", "cookie", "connection_properties", "query_parameter", "terminal"));
      switch (h.getPolicySpecifierCase()) {
        case HEADER:
          SupportedFields.check(h.getHeader(), hat + ".header", Set.of("header_name"));
          out.add(
              new HashPolicy(
                  HashPolicy.Kind.HEADER,
                  nonEmpty(h.getHeader().getHeaderName(), hat + ".header.header_name")
                      .toLowerCase(java.util.Locale.ROOT),
                  -1,
                  "",
                  h.getTerminal()));
          break;
        case COOKIE:
          SupportedFields.check(h.getCookie(), hat + ".cookie", Set.of("name", "ttl", "path"));
          out.add(
              new HashPolicy(
                  HashPolicy.Kind.COOKIE,
                  nonEmpty(h.getCookie().getName(), hat + ".cookie.name"),
                  h.getCookie().hasTtl() ? nanos(h.getCookie().getTtl(), hat + ".cookie.ttl") : -1,
                  h.getCookie().getPath(),
                  h.getTerminal()));
          break;
        case CONNECTION_PROPERTIES:
          SupportedFields.check(
              h.getConnectionProperties(), hat + ".connection_properties", Set.of("source_ip"));
          if (!h.getConnectionProperties().getSourceIp()) {
            throw new InvalidConfigException(
                hat + ".connection_properties.source_ip", "must be true");
          }
          out.add(new HashPolicy(HashPolicy.Kind.SOURCE_IP, null, -1, "", h.getTerminal()));
          break;
        case QUERY_PARAMETER:
          SupportedFields.check(h.getQueryParameter(), hat + ".query_parameter", Set.of("name"));
          out.add(
              new HashPolicy(
                  HashPolicy.Kind.QUERY_PARAMETER,
                  nonEmpty(h.getQueryParameter().getName(), hat + ".query_parameter.name"),
                  -1,
                  "",
                  h.getTerminal()));
          break;
        default:
          throw new InvalidConfigException(hat, "a policy specifier is required");
      }
    }
    return out;
  }

  static List<MirrorPolicy> mirrorPolicies(List<RouteAction.RequestMirrorPolicy> list, String at)
      throws InvalidConfigException {
    List<MirrorPolicy> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      RouteAction.RequestMirrorPolicy m = list.get(i);
      String mat = at + "[" + i + "]";
      SupportedFields.check(m, mat, Set.of("cluster", "runtime_fraction"));
      int perMillion = 1_000_000;
      if (m.hasRuntimeFraction()) {
        // jmesh has no runtime: the default value is the value.
        SupportedFields.check(
            m.getRuntimeFraction(), mat + ".runtime_fraction", Set.of("default_value"));
        perMillion =
            perMillion(
                m.getRuntimeFraction().getDefaultValue(), mat + ".runtime_fraction.default_value");
      }
      out.add(new MirrorPolicy(nonEmpty(m.getCluster(), mat + ".cluster"), perMillion));
    }
    return out;
  }

  private static String nonEmpty(String s, String at) throws InvalidConfigException {
    if (s.isEmpty()) {
      throw new InvalidConfigException(at, "must not be empty");
    }
    return s;
  }

  /** The size of one unit of {@code p}'s denominator in parts per million. */
  private static int unitPerMillion(FractionalPercent p) {
    switch (p.getDenominator()) {
      case HUNDRED:
        return 10_000;
      case TEN_THOUSAND:
        return 100;
      default:
        return 1;
    }
  }

  static int perMillion(FractionalPercent p, String at) throws InvalidConfigException {
    SupportedFields.check(p, at, Set.of("numerator", "denominator"));
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
        throw new InvalidConfigException(at + ".denominator", "unknown value");
    }
    // Envoy caps a numerator above the denominator at 100%.
    return (int) Math.min(1_000_000L, Integer.toUnsignedLong(p.getNumerator()) * scale);
  }
}
