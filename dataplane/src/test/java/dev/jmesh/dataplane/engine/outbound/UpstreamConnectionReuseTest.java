package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.engine.EngineUpstreamConnections;
import dev.jmesh.dataplane.stats.PrometheusText;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's upstream connections are reused as the cluster's {@code
 * common_http_protocol_options} allow (a DestinationRule's {@code connectionPool.http.idleTimeout}
 * and {@code maxRequestsPerConnection}), over HTTP/1.1 and HTTP/2, against real loopback servers.
 */
class UpstreamConnectionReuseTest {

  private static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  private static final String IDLE = "outbound|9080|idle|reviews.default.svc.cluster.local";
  private static final String MAX = "outbound|9080|max|reviews.default.svc.cluster.local";
  private static final String H2 = "outbound|9080|h2|reviews.default.svc.cluster.local";
  private static final long IDLE_MILLIS = 300;

  private TestUpstream idleUpstream;
  private TestUpstream maxUpstream;
  private TestUpstream h2Upstream;
  private MeshFixture mesh;
  private OutboundEngine engine;

  private static Route.Builder route(String prefix, String cluster) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
        .setRoute(RouteAction.newBuilder().setCluster(cluster));
  }

  private static Cluster.Builder cluster(String name, long idleMillis, int maxRequests, boolean h2) {
    io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.Builder common =
        io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder();
    if (idleMillis >= 0) {
      common.setIdleTimeout(
          com.google.protobuf.Duration.newBuilder().setNanos((int) (idleMillis * 1_000_000)));
    }
    if (maxRequests > 0) {
      common.setMaxRequestsPerConnection(UInt32Value.of(maxRequests));
    }
    HttpProtocolOptions.Builder options =
        HttpProtocolOptions.newBuilder().setCommonHttpProtocolOptions(common);
    if (h2) {
      options.setExplicitHttpConfig(
          HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
              .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()));
    }
    return Cluster.newBuilder()
        .setName(name)
        .putTypedExtensionProtocolOptions(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(options.build()));
  }

  @BeforeEach
  void setUp() throws Exception {
    idleUpstream = new TestUpstream("idle", false, null);
    maxUpstream = new TestUpstream("max", false, null);
    h2Upstream = new TestUpstream("h2", true, null);
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(LISTENER)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("reviews")
                    .addDomains("*")
                    .addRoutes(route("/idle", IDLE))
                    .addRoutes(route("/max", MAX))
                    .addRoutes(route("/h2", H2)))
            .build();
    mesh =
        new MeshFixture()
            .httpListener(LISTENER, routes)
            .cluster(cluster(IDLE, IDLE_MILLIS, 0, false), idleUpstream.port())
            // No idle timeout set: Envoy's default, one hour.
            .cluster(cluster(MAX, -1, 2, false), maxUpstream.port())
            .cluster(cluster(H2, IDLE_MILLIS, 2, true), h2Upstream.port());
    engine = mesh.start();
  }

  @AfterEach
  void tearDown() {
    mesh.close();
    idleUpstream.close();
    maxUpstream.close();
    h2Upstream.close();
  }

  @Test
  void anIdleConnectionClosesAfterTheClustersIdleTimeoutAndTheNextRequestOpensAnother()
      throws Exception {
    long retiredBefore = retired("idle_timeout");
    long lastAnswer;
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      assertThat(app.get("/idle/1").status()).isEqualTo(200);
      assertThat(app.get("/idle/2").status()).isEqualTo(200);
      // The idle connection's last use: later than the engine's own last read of it, so a close
      // measured from here can only look early by that relay's latency (the 20 ms below).
      lastAnswer = System.nanoTime();
      assertThat(app.get("/max/1").status()).isEqualTo(200);
      assertThat(idleUpstream.connections.get()).isEqualTo(1);

      long closedAfter = awaitClosed(idleUpstream.closedConnections, 1);
      assertThat((closedAfter - lastAnswer) / 1_000_000)
          .as("closed after the idle timeout, not before")
          .isGreaterThanOrEqualTo(IDLE_MILLIS - 20);
      // The cluster without a timeout keeps its connection (Envoy's default is an hour).
      assertThat(maxUpstream.closedConnections.get()).isZero();
      assertThat(retired("idle_timeout") - retiredBefore).isGreaterThanOrEqualTo(1);

      assertThat(app.get("/idle/3").status()).isEqualTo(200);
      assertThat(idleUpstream.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void aConnectionCarriesAtMostTheClustersRequestsPerConnection() throws Exception {
    long retiredBefore = retired("max_requests");
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      for (int i = 0; i < 5; i++) {
        assertThat(app.get("/max/" + i).status()).isEqualTo(200);
      }
    }
    assertThat(maxUpstream.requests.get()).isEqualTo(5);
    // 2 + 2 + 1: the first two connections closed once their second request ended.
    assertThat(maxUpstream.connections.get()).isEqualTo(3);
    awaitClosed(maxUpstream.closedConnections, 2);
    assertThat(retired("max_requests") - retiredBefore).isGreaterThanOrEqualTo(2);
  }

  @Test
  void anHttp2ConnectionTakesAtMostItsStreamsAndClosesWhenIdle() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      for (int i = 0; i < 5; i++) {
        assertThat(app.get("/h2/" + i).status()).isEqualTo(200);
      }
    }
    assertThat(h2Upstream.requests.get()).isEqualTo(5);
    assertThat(h2Upstream.connections.get()).isEqualTo(3);
    // Two retired after their second stream; the third, with one stream, after the idle timeout.
    awaitClosed(h2Upstream.closedConnections, 3);
  }

  /** Waits (at most 5 s) until {@code closed} reaches {@code n}; when it did. */
  private static long awaitClosed(AtomicInteger closed, int n) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (closed.get() < n) {
      assertThat(System.nanoTime() - deadline)
          .as("%d connection(s) closed within 5 s, saw %d", n, closed.get())
          .isNegative();
      Thread.sleep(5);
    }
    return System.nanoTime();
  }

  private static long retired(String reason) {
    StringBuilder out = new StringBuilder();
    EngineUpstreamConnections.writeTo(new PrometheusText(out));
    Matcher m =
        Pattern.compile(
                "jmesh_engine_upstream_connections_retired_total\\{reason=\""
                    + reason
                    + "\"} (\\d+)")
            .matcher(out);
    assertThat(m.find()).as("retired counter for %s in %s", reason, out).isTrue();
    return Long.parseLong(m.group(1));
  }
}
