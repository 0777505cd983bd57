package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.Protos.config;
import static dev.jmesh.dataplane.config.Protos.prefix;
import static dev.jmesh.dataplane.config.Protos.route;
import static dev.jmesh.dataplane.config.Protos.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.FaultPolicy;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Envoy's fault filter as a route configures it: shares, header matchers, header-driven faults. */
class FaultInjectionTest {

  private static FractionalPercent percent(int numerator, FractionalPercent.DenominatorType d) {
    return FractionalPercent.newBuilder().setNumerator(numerator).setDenominator(d).build();
  }

  private static final FractionalPercent ALL =
      percent(100, FractionalPercent.DenominatorType.HUNDRED);

  /** A route configuration whose one route carries {@code fault}, compiled. */
  private static MeshSnapshot.Compilation compilation(HTTPFault fault) {
    return MeshSnapshot.EMPTY.withRouteConfigurations(
        Map.of(
            "r",
            config(
                "r",
                vhost(
                    "vh",
                    List.of("*"),
                    route("x", prefix("/"), "c")
                        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault))))));
  }

  private static FaultPolicy compile(HTTPFault fault) {
    MeshSnapshot.Compilation c = compilation(fault);
    assertThat(c.rejections()).isEmpty();
    return c.snapshot().routeTable("r").virtualHosts().get(0).routes().get(0).fault();
  }

  private static List<String> rejections(HTTPFault fault) {
    return compilation(fault).rejections().stream().map(ConfigRejection::message).toList();
  }

  @Test
  void headerMatchersLimitTheFaultToMatchingRequests() {
    FaultPolicy f =
        compile(
            HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder().setHttpStatus(503).setPercentage(ALL))
                .addHeaders(HeaderMatcher.newBuilder().setName("end-user").setExactMatch("jason"))
                .build());
    assertThat(f.abortHttpStatus(FakeRequest.get("h", "/").header("end-user", "jason"), 0))
        .isEqualTo(503);
    assertThat(f.abortHttpStatus(FakeRequest.get("h", "/").header("end-user", "kim"), 0)).isZero();
    assertThat(f.abortHttpStatus(FakeRequest.get("h", "/"), 0)).isZero();
  }

  @Test
  void headerAbortTakesTheStatusFromTheRequest() {
    FaultPolicy f =
        compile(
            HTTPFault.newBuilder()
                .setAbort(
                    FaultAbort.newBuilder()
                        .setHeaderAbort(FaultAbort.HeaderAbort.getDefaultInstance())
                        .setPercentage(ALL))
                .build());
    FakeRequest http = FakeRequest.get("h", "/").header("x-envoy-fault-abort-request", "429");
    assertThat(f.abortHttpStatus(http, 0)).isEqualTo(429);
    FakeRequest grpc = FakeRequest.get("h", "/").header("x-envoy-fault-abort-grpc-request", "14");
    assertThat(f.abortHttpStatus(grpc, 0)).isZero();
    assertThat(f.abortGrpcStatus(grpc, 0)).isEqualTo(14);
    // No header, or one that is not a status: no fault.
    assertThat(f.abortHttpStatus(FakeRequest.get("h", "/"), 0)).isZero();
    assertThat(f.abortGrpcStatus(FakeRequest.get("h", "/"), 0)).isEqualTo(-1);
    FakeRequest bad = FakeRequest.get("h", "/").header("x-envoy-fault-abort-request", "99");
    assertThat(f.abortHttpStatus(bad, 0)).isZero();
    FakeRequest junk = FakeRequest.get("h", "/").header("x-envoy-fault-abort-request", "5o3");
    assertThat(f.abortHttpStatus(junk, 0)).isZero();
  }

  @Test
  void headerDelayTakesMillisecondsFromTheRequest() {
    FaultPolicy f =
        compile(
            HTTPFault.newBuilder()
                .setDelay(
                    FaultDelay.newBuilder()
                        .setHeaderDelay(FaultDelay.HeaderDelay.getDefaultInstance())
                        .setPercentage(ALL))
                .build());
    FakeRequest r = FakeRequest.get("h", "/").header("x-envoy-fault-delay-request", "250");
    assertThat(f.delayNanos(r, 999_999)).isEqualTo(250_000_000L);
    assertThat(f.delayNanos(FakeRequest.get("h", "/"), 0)).isEqualTo(-1);
  }

  @Test
  void thePercentageHeaderLowersTheConfiguredShareButNeverRaisesIt() {
    FaultPolicy f =
        compile(
            HTTPFault.newBuilder()
                .setAbort(
                    FaultAbort.newBuilder()
                        .setHttpStatus(500)
                        .setPercentage(percent(50, FractionalPercent.DenominatorType.HUNDRED)))
                .build());
    FakeRequest ten =
        FakeRequest.get("h", "/").header("x-envoy-fault-abort-request-percentage", "10");
    assertThat(f.abortHttpStatus(ten, 99_999)).isEqualTo(500);
    assertThat(f.abortHttpStatus(ten, 100_000)).isZero();
    FakeRequest ninety =
        FakeRequest.get("h", "/").header("x-envoy-fault-abort-request-percentage", "90");
    assertThat(f.abortHttpStatus(ninety, 499_999)).isEqualTo(500);
    assertThat(f.abortHttpStatus(ninety, 500_000)).isZero();
  }

  @Test
  void sharesFollowTheDenominator() {
    FaultPolicy f =
        compile(
            HTTPFault.newBuilder()
                .setDelay(
                    FaultDelay.newBuilder()
                        .setFixedDelay(Protos.millis(5))
                        .setPercentage(percent(1, FractionalPercent.DenominatorType.MILLION)))
                .setAbort(
                    FaultAbort.newBuilder()
                        .setGrpcStatus(8)
                        .setPercentage(percent(3, FractionalPercent.DenominatorType.TEN_THOUSAND)))
                .build());
    FakeRequest r = FakeRequest.get("h", "/");
    assertThat(f.delayNanos(r, 0)).isEqualTo(5_000_000L);
    assertThat(f.delayNanos(r, 1)).isEqualTo(-1);
    assertThat(f.abortGrpcStatus(r, 299)).isEqualTo(8);
    assertThat(f.abortGrpcStatus(r, 300)).isEqualTo(-1);
    assertThat(f.abortHttpStatus(r, 0)).isZero();
  }

  @Test
  void aDelayWithoutAKindAndAnUnsupportedFieldAreRefusedByName() {
    assertThat(
            rejections(
                HTTPFault.newBuilder()
                    .setDelay(FaultDelay.newBuilder().setPercentage(ALL))
                    .build()))
        .containsExactly(
            "RouteConfiguration r: virtual_hosts[0].routes[0].typed_per_filter_config"
                + "[envoy.filters.http.fault].delay: fixed_delay or header_delay is required");
    assertThat(
            rejections(
                HTTPFault.newBuilder()
                    .setAbort(FaultAbort.newBuilder().setHttpStatus(503))
                    .setMaxActiveFaults(com.google.protobuf.UInt32Value.of(1))
                    .build()))
        .containsExactly(
            "RouteConfiguration r: virtual_hosts[0].routes[0].typed_per_filter_config"
                + "[envoy.filters.http.fault].max_active_faults: not supported");
  }
}
