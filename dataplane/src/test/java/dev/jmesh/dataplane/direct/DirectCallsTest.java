package dev.jmesh.dataplane.direct;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.dataplane.MapHeaders;
import dev.jmesh.dataplane.capture.InboundTakeover;
import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.engine.outbound.MeshFixture;
import dev.jmesh.dataplane.outbound.EnvoyReplies;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import dev.jmesh.dataplane.stats.RequestPaths;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The direct paths' decisions over a compiled mesh: which requests a library carries itself, which
 * it leaves to the engine or sends untouched, and what a call tells it to do.
 */
class DirectCallsTest {

  private static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
  private static final String SECURE = "outbound|9080||secure.default.svc.cluster.local";
  private static final String OUTSIDE = "outbound|9080||outside.default.svc.cluster.local";

  /**
   * A {@code ServiceEntry} with {@code resolution: NONE} for {@code localhost}, which the JDK
   * resolves without DNS: an ORIGINAL_DST cluster.
   */
  private static final String PARTNER = "outbound|10005||localhost";

  /** The same for a name nothing resolves ({@code .invalid} is reserved for that, RFC 6761). */
  private static final String NOWHERE = "outbound|10006||nowhere.invalid";

  private static final int ALL =
      MeshCall.CAN_TLS | MeshCall.CAN_RETRY | MeshCall.CAN_REPLY | MeshCall.CAN_DELAY;
  private static final FractionalPercent EVERY =
      FractionalPercent.newBuilder().setNumerator(100).build();

  private final RequestPaths paths = new RequestPaths();

  /** The workload's settings, as environment variables; a test may add to them before start. */
  private final Map<String, String> env =
      new HashMap<>(Map.of("MESH_SERVICE", "productpage", "MESH_NAMESPACE", "default"));
  private MeshFixture mesh;
  private DirectCalls direct;

  @AfterEach
  void tearDown() {
    if (mesh != null) {
      mesh.close();
    }
  }

  private static Route.Builder route(String prefix, RouteAction.Builder action) {
    return Route.newBuilder()
        .setName(prefix)
        .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
        .setRoute(action);
  }

  private static RouteAction.Builder to(String cluster) {
    return RouteAction.newBuilder().setCluster(cluster);
  }

  private void start(Cluster.Builder reviews) throws Exception {
    RetryPolicy retry =
        RetryPolicy.newBuilder()
            .setRetryOn("5xx,connect-failure")
            .setNumRetries(UInt32Value.of(2))
            .build();
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(LISTENER)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("reviews")
                    .addDomains("*")
                    .addRoutes(
                        route("/abort", to(REVIEWS))
                            .putTypedPerFilterConfig(
                                "envoy.filters.http.fault",
                                Any.pack(
                                    HTTPFault.newBuilder()
                                        .setAbort(
                                            FaultAbort.newBuilder()
                                                .setHttpStatus(418)
                                                .setPercentage(EVERY))
                                        .build())))
                    .addRoutes(
                        route("/delay", to(REVIEWS))
                            .putTypedPerFilterConfig(
                                "envoy.filters.http.fault",
                                Any.pack(
                                    HTTPFault.newBuilder()
                                        .setDelay(
                                            FaultDelay.newBuilder()
                                                .setFixedDelay(Duration.newBuilder().setSeconds(1))
                                                .setPercentage(EVERY))
                                        .build())))
                    .addRoutes(route("/plain", to(REVIEWS)))
                    .addRoutes(route("/secure", to(SECURE)))
                    .addRoutes(route("/outside", to(OUTSIDE)))
                    .addRoutes(route("/rewrite", to(REVIEWS).setPrefixRewrite("/new")))
                    .addRoutes(
                        route("/", to(REVIEWS).setRetryPolicy(retry))
                            .addRequestHeadersToAdd(
                                HeaderValueOption.newBuilder()
                                    .setHeader(
                                        HeaderValue.newBuilder()
                                            .setKey("x-route")
                                            .setValue("default")))))
            .build();
    mesh =
        new MeshFixture()
            .httpListener(LISTENER, routes)
            .httpListener(
                "localhost:10005",
                RouteConfiguration.newBuilder()
                    .setName("localhost:10005")
                    .addVirtualHosts(
                        VirtualHost.newBuilder()
                            .setName("localhost")
                            .addDomains("*")
                            .addRoutes(route("/", to(PARTNER))))
                    .build())
            .passthroughCluster(PARTNER)
            .httpListener(
                "nowhere.invalid:10006",
                RouteConfiguration.newBuilder()
                    .setName("nowhere.invalid:10006")
                    .addVirtualHosts(
                        VirtualHost.newBuilder()
                            .setName("nowhere")
                            .addDomains("*")
                            .addRoutes(route("/", to(NOWHERE))))
                    .build())
            .passthroughCluster(NOWHERE)
            // Meshed endpoints (tlsMode: istio), but no transport socket match: plaintext.
            .cluster(reviews.setName(REVIEWS), Set.of(10001, 10002), 10001, 10002)
            .cluster(Cluster.newBuilder().setName(OUTSIDE), 10004)
            .cluster(
                Cluster.newBuilder()
                    .setName(SECURE)
                    .setTransportSocket(
                        MeshFixture.istioMutual(
                            "spiffe://cluster.local/ns/default/sa/secure", "secure")),
                10003);
    mesh.start();
    MeshCapture capture =
        new MeshCapture(
            SettingsParser.parse(new SettingSource(Map.of(), Map.of(), env)),
            () -> mesh.snapshot,
            timeout -> true,
            java.time.Duration.ofSeconds(1),
            new NoTakeover(),
            (destination, endpoint) -> new InetSocketAddress("127.0.0.1", 1));
    direct = new DirectCalls(mesh.context, capture, paths);
  }

  private void start() throws Exception {
    start(Cluster.newBuilder());
  }

  @Test
  void aServiceNameIsRoutedToOneOfItsEndpointsWhichTheSocketHooksLetThrough() throws Exception {
    start();
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      MeshCall call = direct.outbound("test", ALL, get("reviews", "/plain"));
      assertThat(call).isNotNull();
      assertThat(call.action()).isEqualTo(MeshCall.SEND);
      MeshEndpointAddress endpoint = call.endpoint();
      assertThat(endpoint.literal()).isEqualTo("127.0.0.1");
      ports.add(endpoint.getPort());
      assertThat(call.tls()).isNull();
      assertThat(call.attemptEnded(200, -1, MeshCall.NO_FAILURE)).isFalse();
      call.finish(200, -1, 10, 0);
    }
    assertThat(ports).containsExactlyInAnyOrder(10001, 10002);
    assertThat(paths.get("test", RequestPaths.Path.DIRECT)).isEqualTo(40);
    assertThat(mesh.prometheus())
        .contains("destination_service=\"reviews.default.svc.cluster.local\"")
        .contains("response_code=\"200\"");
  }

  @Test
  void everyFormOfTheNameAndTheEndpointsOwnAddressAreMeshRequests() throws Exception {
    start();
    for (String host :
        new String[] {"reviews", "reviews.default", "reviews.default.svc.cluster.local"}) {
      assertThat(direct.outbound("test", ALL, get(host, "/plain"))).as(host).isNotNull();
    }
    assertThat(direct.outbound("test", ALL, new Request("GET", "127.0.0.1", 10002, "/plain")))
        .isNotNull();
  }

  @Test
  void aServiceEntryWithoutAddressesGoesWhereTheApplicationsLookupOfTheNamePoints()
      throws Exception {
    // No virtual address for the name: the request's original destination is the JDK's own
    // lookup of it, where the library would have connected without the mesh.
    start();
    MeshCall call = direct.outbound("test", ALL, new Request("GET", "localhost", 10005, "/"));
    assertThat(call).isNotNull();
    assertThat(call.action()).isEqualTo(MeshCall.SEND);
    assertThat(call.endpoint().literal())
        .isEqualTo(java.net.InetAddress.getByName("localhost").getHostAddress());
    assertThat(call.endpoint().getPort()).isEqualTo(10005);
    call.finish(200, -1, 0, 0);
    assertThat(paths.get("test", RequestPaths.Path.DIRECT)).isEqualTo(1);
    assertThat(mesh.prometheus())
        .contains("destination_service=\"localhost\"")
        .contains("response_code=\"200\"");
    // A name that resolves to nothing is the library's own to fail on, as it would unmeshed.
    assertThat(direct.outbound("test", ALL, new Request("GET", "nowhere.invalid", 10006, "/")))
        .isNull();
    assertThat(paths.get("test", RequestPaths.Path.PASSTHROUGH)).isEqualTo(1);
  }

  @Test
  void unknownHostsAreLeftAloneAndCountedAsPassthrough() throws Exception {
    start();
    assertThat(direct.outbound("test", ALL, get("example.org", "/"))).isNull();
    assertThat(direct.outbound("test", ALL, new Request("GET", "127.0.0.1", 8080, "/"))).isNull();
    assertThat(paths.get("test", RequestPaths.Path.PASSTHROUGH)).isEqualTo(2);
  }

  @Test
  void excludedPortsAndAddressRangesAreLeftAloneAsTheSocketCaptureLeavesThem() throws Exception {
    env.put("MESH_EXCLUDE_OUTBOUND_PORTS", "9080");
    env.put("MESH_EXCLUDE_OUTBOUND_IP_RANGES", "127.0.0.0/30");
    start();

    assertThat(direct.outbound("test", ALL, get("reviews", "/plain"))).as("port 9080").isNull();
    assertThat(direct.outbound("test", ALL, new Request("GET", "127.0.0.1", 10002, "/plain")))
        .as("an endpoint's own address in an excluded range")
        .isNull();
    assertThat(paths.get("test", RequestPaths.Path.PASSTHROUGH)).isEqualTo(2);
    assertThat(paths.get("test", RequestPaths.Path.DIRECT)).isZero();
  }

  @Test
  void aRetriableStatusGrantsARetryAndTheRecordCountsOneRequest() throws Exception {
    start();
    MeshCall call = direct.outbound("test", ALL, get("reviews", "/"));
    assertThat(call.mayRetry()).isTrue();
    assertThat(call.attemptEnded(503, -1, MeshCall.NO_FAILURE)).isTrue();
    assertThat(call.endpoint()).isNotNull();
    assertThat(call.attemptEnded(200, -1, MeshCall.NO_FAILURE)).isFalse();
    call.finish(200, -1, 5, 0);
    assertThat(mesh.prometheus())
        .containsPattern("istio_requests_total\\{[^}]*response_code=\"200\"[^}]*\\} 1");
  }

  @Test
  void aBodyThatCannotBeReplayedGoesDirectWithRetriesOff() throws Exception {
    start();
    MeshCall call =
        direct.outbound("test", ALL | MeshCall.ONE_SHOT_BODY, get("reviews", "/upload"));
    assertThat(call.mayRetry()).isFalse();
    assertThat(call.attemptEnded(503, -1, MeshCall.NO_FAILURE)).isFalse();
    call.finish(503, -1, 0, 0);
  }

  @Test
  void whatALibraryCannotDoGoesThroughTheEngineAndReleasesTheCircuitBreaker() throws Exception {
    start(
        Cluster.newBuilder()
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(
                        CircuitBreakers.Thresholds.newBuilder()
                            .setMaxRequests(UInt32Value.of(1)))));
    int noRetry = ALL & ~MeshCall.CAN_RETRY;
    // A route with retries, a library that cannot retry: the engine's; twice, so a leaked
    // circuit-breaker slot (max 1 request) would turn the next direct call into an overflow.
    assertThat(direct.outbound("test", noRetry, get("reviews", "/"))).isNull();
    assertThat(direct.outbound("test", noRetry, get("reviews", "/"))).isNull();
    assertThat(direct.outbound("test", ALL & ~MeshCall.CAN_DELAY, get("reviews", "/delay")))
        .isNull();
    assertThat(direct.outbound("test", ALL & ~MeshCall.CAN_REPLY, get("reviews", "/abort")))
        .isNull();
    assertThat(direct.outbound("test", ALL, get("reviews", "/rewrite"))).isNull();
    assertThat(paths.get("test", RequestPaths.Path.ENGINE)).isEqualTo(5);
    MeshCall call = direct.outbound("test", ALL, get("reviews", "/plain"));
    assertThat(call.action()).isEqualTo(MeshCall.SEND);
    // One request in flight: the next is refused by the circuit breaker, 503 UO.
    MeshCall overflow = direct.outbound("test", ALL, get("reviews", "/plain"));
    assertThat(overflow.action()).isEqualTo(MeshCall.REPLY);
    assertThat(overflow.replyStatus()).isEqualTo(503);
    assertThat(overflow.replyBody()).isEqualTo(EnvoyReplies.OVERFLOW);
    overflow.finish(503, -1, 0, 0);
    call.finish(200, -1, 0, 0);
    assertThat(mesh.prometheus()).contains("response_flags=\"UO\"");
  }

  @Test
  void aConnectionLimitSendsTheTrafficThroughTheEngine() throws Exception {
    start(
        Cluster.newBuilder()
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(
                        CircuitBreakers.Thresholds.newBuilder()
                            .setMaxConnections(UInt32Value.of(10)))));
    assertThat(direct.outbound("test", ALL, get("reviews", "/plain"))).isNull();
    assertThat(paths.get("test", RequestPaths.Path.ENGINE)).isEqualTo(1);
  }

  @Test
  void istiodsNoLimitIsNoConnectionLimit() throws Exception {
    start(
        Cluster.newBuilder()
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(
                        CircuitBreakers.Thresholds.newBuilder()
                            .setMaxConnections(UInt32Value.of(-1)))));
    MeshCall call = direct.outbound("test", ALL, get("reviews", "/plain"));
    assertThat(call).isNotNull();
    call.finish(200, -1, 0, 0);
    assertThat(paths.get("test", RequestPaths.Path.DIRECT)).isEqualTo(1);
  }

  @Test
  void aFaultAbortIsALocalReplyAndADelayIsForTheLibraryToWait() throws Exception {
    start();
    MeshCall abort = direct.outbound("test", ALL, get("reviews", "/abort"));
    assertThat(abort.action()).isEqualTo(MeshCall.REPLY);
    assertThat(abort.replyStatus()).isEqualTo(418);
    assertThat(abort.replyBody()).isEqualTo(EnvoyReplies.FAULT);
    abort.finish(418, -1, 0, 0);
    MeshCall delayed = direct.outbound("test", ALL, get("reviews", "/delay"));
    assertThat(delayed.action()).isEqualTo(MeshCall.SEND);
    assertThat(delayed.delayNanos()).isEqualTo(1_000_000_000L);
    delayed.finish(200, -1, 0, 0);
    assertThat(mesh.prometheus())
        .contains("response_flags=\"FI\"")
        .contains("response_flags=\"DI\"");
  }

  @Test
  void mutualTlsWithoutACertificateFailsRatherThanLeaveInPlaintext() throws Exception {
    start();
    MeshCall call = direct.outbound("test", ALL, get("reviews", "/secure"));
    assertThat(call.action()).isEqualTo(MeshCall.REPLY);
    assertThat(call.replyStatus()).isEqualTo(503);
    call.finish(503, -1, 0, 0);
    assertThat(mesh.prometheus()).contains("response_flags=\"UF\"");
    // A library that cannot put TLS on its connection leaves such a request to the engine.
    assertThat(direct.outbound("test", ALL & ~MeshCall.CAN_TLS, get("reviews", "/secure")))
        .isNull();
  }

  @Test
  void theRoutesHeaderChangesAndIstiosPeerMetadataGoOnTheRequest() throws Exception {
    start();
    MeshCall call = direct.outbound("test", ALL, get("reviews", "/"));
    MapHeaders headers = new MapHeaders();
    call.requestHeaders(headers);
    assertThat(headers.values).containsEntry("x-route", "default");
    assertThat(headers.values).containsKeys("x-envoy-peer-metadata", "x-envoy-peer-metadata-id");
    MapHeaders response = new MapHeaders();
    response.values.put("x-envoy-peer-metadata", "theirs");
    call.responseHeaders(response);
    assertThat(response.values).doesNotContainKey("x-envoy-peer-metadata");
    call.finish(200, -1, 0, 0);
  }

  @Test
  void anEndpointOutsideTheMeshIsNotToldTheCallersWorkload() throws Exception {
    start();
    MeshCall call = direct.outbound("test", ALL, get("reviews", "/outside"));
    assertThat(call.action()).isEqualTo(MeshCall.SEND);
    assertThat(call.endpoint().getPort()).isEqualTo(10004);
    MapHeaders headers = new MapHeaders();
    call.requestHeaders(headers);
    assertThat(headers.values)
        .doesNotContainKeys("x-envoy-peer-metadata", "x-envoy-peer-metadata-id")
        .containsKey("x-request-id");
    call.finish(200, -1, 0, 0);
  }

  @Test
  void theInboundTraceOfTheCallingThreadContinuesOnTheRequest() throws Exception {
    start();
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    MeshHooks.enterInbound(
        "00-" + trace + "-00f067aa0ba902b7-01", null, null, null, null, null, "req-1");
    MeshCall call;
    try {
      call = direct.outbound("test", ALL, get("reviews", "/plain"));
    } finally {
      MeshHooks.exitInbound();
    }
    // Headers are written later, maybe on another thread: the call kept the context.
    MapHeaders headers = new MapHeaders();
    call.requestHeaders(headers);
    assertThat(headers.values.get("traceparent")).startsWith("00-" + trace + "-").endsWith("-01");
    assertThat(headers.values.get("traceparent")).doesNotContain("00f067aa0ba902b7");
    assertThat(headers.values).containsEntry("x-request-id", "req-1");
    call.finish(200, -1, 0, 0);
  }

  private static Request get(String host, String path) {
    return new Request("GET", host, 9080, path);
  }

  private record Request(String method, String host, int port, String path) implements MeshRequest {
    @Override
    public String header(String lowerCaseName) {
      return null;
    }
  }

  private static final class NoTakeover implements InboundTakeover {
    @Override
    public java.io.Closeable takeOver(InetSocketAddress declared, InetSocketAddress application) {
      throw new UnsupportedOperationException("not in this test");
    }

    @Override
    public boolean isEngineConnection(InetSocketAddress remote) {
      return false;
    }
  }
}
