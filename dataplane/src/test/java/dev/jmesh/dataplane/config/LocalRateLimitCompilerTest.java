package dev.jmesh.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.policy.FakePolicyRequest;
import dev.jmesh.dataplane.policy.HttpFilterChain;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** local_ratelimit as Istio's EnvoyFilter example inserts it, compiled. */
class LocalRateLimitCompilerTest {

  private static RuntimeFractionalPercent percent(int n) {
    return RuntimeFractionalPercent.newBuilder()
        .setRuntimeKey("local_rate_limit_enabled")
        .setDefaultValue(
            FractionalPercent.newBuilder()
                .setNumerator(n)
                .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
        .build();
  }

  private static LocalRateLimit.Builder istioExample() {
    return LocalRateLimit.newBuilder()
        .setStatPrefix("http_local_rate_limiter")
        .setTokenBucket(
            TokenBucket.newBuilder()
                .setMaxTokens(2)
                .setTokensPerFill(UInt32Value.of(2))
                .setFillInterval(Protos.seconds(60)))
        .setFilterEnabled(percent(100))
        .setFilterEnforced(percent(100))
        .addResponseHeadersToAdd(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("X-Local-Rate-Limit").setValue("true")))
        .setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
  }

  @Test
  void theThirdRequestOfTheMinuteIsLimited() throws Exception {
    HttpPolicy p =
        HttpFilterChain.of(
            List.of(LocalRateLimitCompiler.compile(istioExample().build(), "typed_config")));
    assertThat(p.check(FakePolicyRequest.get("/")).allowed()).isTrue();
    assertThat(p.check(FakePolicyRequest.get("/")).allowed()).isTrue();
    PolicyVerdict limited = p.check(FakePolicyRequest.get("/"));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body()).isEqualTo("local_rate_limited");
    assertThat(limited.responseHeaders())
        .contains(
            Map.entry("x-local-rate-limit", "true"),
            Map.entry("x-ratelimit-limit", "2"),
            Map.entry("x-ratelimit-remaining", "0"));
  }

  @Test
  void aConfiguredStatusIsUsed() throws Exception {
    HttpPolicy p =
        HttpFilterChain.of(
            List.of(
                LocalRateLimitCompiler.compile(
                    istioExample()
                        .setTokenBucket(
                            TokenBucket.newBuilder()
                                .setMaxTokens(1)
                                .setFillInterval(Protos.seconds(60)))
                        .setStatus(HttpStatus.newBuilder().setCode(StatusCode.ServiceUnavailable))
                        .build(),
                    "typed_config")));
    p.check(FakePolicyRequest.get("/"));
    assertThat(p.check(FakePolicyRequest.get("/")).status()).isEqualTo(503);
  }

  @Test
  void unsetPercentagesLeaveTheFilterOff() throws Exception {
    HttpPolicy p =
        HttpFilterChain.of(
            List.of(
                LocalRateLimitCompiler.compile(
                    istioExample().clearFilterEnabled().clearFilterEnforced().build(),
                    "typed_config")));
    for (int i = 0; i < 5; i++) {
      assertThat(p.check(FakePolicyRequest.get("/"))).isSameAs(PolicyVerdict.CONTINUE);
    }
  }

  @Test
  void whatIsNotImplementedIsRefused() {
    assertThatThrownBy(
            () ->
                LocalRateLimitCompiler.compile(
                    istioExample().setLocalRateLimitPerDownstreamConnection(true).build(),
                    "typed_config"))
        .hasMessageStartingWith(
            "typed_config.local_rate_limit_per_downstream_connection: not supported");
    assertThatThrownBy(
            () ->
                LocalRateLimitCompiler.compile(
                    istioExample()
                        .setTokenBucket(
                            TokenBucket.newBuilder()
                                .setMaxTokens(1)
                                .setFillInterval(Protos.millis(10)))
                        .build(),
                    "typed_config"))
        .hasMessage("typed_config.token_bucket: fill_interval must be at least 50ms");
  }
}
