package dev.jmesh.testsuite.engine;

/** Local rate limiting the way Istio users configure it today: an EnvoyFilter. */
final class RateLimits {

  private RateLimits() {}

  static String envoyFilter(String app, int maxTokens, String fillInterval) {
    return """
        apiVersion: networking.istio.io/v1alpha3
        kind: EnvoyFilter
        metadata:
          name: %s-ratelimit
          namespace: default
        spec:
          workloadSelector:
            labels:
              app: %s
          configPatches:
          - applyTo: HTTP_FILTER
            match:
              context: SIDECAR_INBOUND
              listener:
                filterChain:
                  filter:
                    name: envoy.filters.network.http_connection_manager
            patch:
              operation: INSERT_BEFORE
              value:
                name: envoy.filters.http.local_ratelimit
                typed_config:
                  "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                  type_url: type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                  value:
                    stat_prefix: http_local_rate_limiter
                    token_bucket:
                      max_tokens: %d
                      tokens_per_fill: %d
                      fill_interval: %s
                    filter_enabled:
                      runtime_key: local_rate_limit_enabled
                      default_value:
                        numerator: 100
                        denominator: HUNDRED
                    filter_enforced:
                      runtime_key: local_rate_limit_enforced
                      default_value:
                        numerator: 100
                        denominator: HUNDRED
                    enable_x_ratelimit_headers: DRAFT_VERSION_03
        """
        .formatted(app, app, maxTokens, maxTokens, fillInterval);
  }
}
