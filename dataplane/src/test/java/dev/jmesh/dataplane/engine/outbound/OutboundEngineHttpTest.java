package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.engine.PeerMetadata;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
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
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 through the outbound engine over real loopback sockets: an application's keep-alive
 * connection to a two-host cluster, the route's faults, retries and timeout, and the records.
 */
class OutboundEngineHttpTest {

  static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  static final String REVIEWS = "outbound|9080|v1|reviews.default.svc.cluster.local";
  private static final FractionalPercent ALL =
      FractionalPercent.newBuilder().setNumerator(100).build();

  private TestUpstream a;
  private TestUpstream b;
  private MeshFixture mesh;
  private OutboundEngine engine;

  private static Route.Builder route(String prefix) {
    return Route.newBuilder()
        .setName(prefix)
        .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
        .setRoute(RouteAction.newBuilder().setCluster(REVIEWS));
  }

  private static Route.Builder fault(String prefix, HTTPFault fault) {
    return route(prefix).putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault));
  }

  @BeforeEach
  void setUp() throws Exception {
    a = new TestUpstream("A", false, null);
    b = new TestUpstream("B", false, null);
    RetryPolicy retry =
        RetryPolicy.newBuilder()
            .setRetryOn("5xx,connect-failure")
            .setNumRetries(UInt32Value.of(2))
            .setRetryBackOff(
                RetryPolicy.RetryBackOff.newBuilder()
                    .setBaseInterval(Duration.newBuilder().setNanos(5_000_000)))
            .addRetryHostPredicate(
                RetryPolicy.RetryHostPredicate.newBuilder()
                    .setName("envoy.retry_host_predicates.previous_hosts")
                    .setTypedConfig(
                        Any.pack(
                            io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3
                                .PreviousHostsPredicate.getDefaultInstance())))
            .setHostSelectionRetryMaxAttempts(5)
            .build();
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(LISTENER)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("reviews")
                    .addDomains("*")
                    .addRoutes(
                        fault(
                            "/abort",
                            HTTPFault.newBuilder()
                                .setAbort(
                                    FaultAbort.newBuilder().setHttpStatus(429).setPercentage(ALL))
                                .build()))
                    .addRoutes(
                        fault(
                            "/delay",
                            HTTPFault.newBuilder()
                                .setDelay(
                                    FaultDelay.newBuilder()
                                        .setFixedDelay(Duration.newBuilder().setNanos(300_000_000))
                                        .setPercentage(ALL))
                                .build()))
                    .addRoutes(
                        route("/stale/")
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(REVIEWS)
                                    // Retries only a 409: a reset is not the policy's to retry.
                                    .setRetryPolicy(
                                        RetryPolicy.newBuilder().setRetryOn("retriable-4xx"))))
                    .addRoutes(
                        route("/old/")
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(REVIEWS)
                                    .setPrefixRewrite("/new/")
                                    .setHostRewriteLiteral("reviews-v2.internal")))
                    .addRoutes(
                        route("/slow/retry")
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(REVIEWS)
                                    .setRetryPolicy(
                                        retry.toBuilder()
                                            .setPerTryTimeout(
                                                Duration.newBuilder().setNanos(300_000_000)))))
                    .addRoutes(
                        route("/slow")
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(REVIEWS)
                                    .setTimeout(Duration.newBuilder().setNanos(200_000_000))))
                    .addRoutes(
                        route("/")
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(REVIEWS)
                                    .setRetryPolicy(retry))))
            .build();
    mesh =
        new MeshFixture()
            .httpListener(LISTENER, routes)
            .cluster(
                Cluster.newBuilder().setName(REVIEWS),
                java.util.Set.of(a.port(), b.port()),
                a.port(),
                b.port());
    engine = mesh.start();
  }

  @AfterEach
  void tearDown() {
    mesh.close();
    a.close();
    b.close();
  }

  @Test
  void keepAliveRequestsSpreadOverTheHostsOnPooledConnections() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      for (int i = 0; i < 6; i++) {
        Http1Client.Response r = app.get("/reviews/" + i);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).matches("[AB] ");
        // The callee's peer metadata is the engine's, never the application's to see.
        assertThat(r.headers()).doesNotContainKey(PeerMetadata.HEADER);
      }
    }
    assertThat(a.requests.get()).isEqualTo(3);
    assertThat(b.requests.get()).isEqualTo(3);
    // Keep-alive upstream: one pooled connection per host served all its requests.
    assertThat(a.connections.get()).isEqualTo(1);
    assertThat(b.connections.get()).isEqualTo(1);
    HttpHeaders seen = a.seen.peek();
    assertThat(seen.get("host")).isEqualTo("reviews:9080");
    assertThat(PeerMetadata.decode(seen.get(PeerMetadata.HEADER), null).workload())
        .isEqualTo("productpage-v1");
    assertThat(seen.get(PeerMetadata.ID_HEADER)).startsWith("sidecar~");
    assertThat(mesh.prometheus())
        .contains("istio_requests_total{")
        .contains("destination_service=\"reviews.default.svc.cluster.local\"")
        .contains("response_code=\"200\"");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOnTheSameConnection() throws Exception {
    // The engine reads on while a response is awaited (no epoll_ctl pair per request): requests
    // sent back to back in one write wait their turn instead of being lost or refused.
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      StringBuilder three = new StringBuilder();
      for (String body : new String[] {"one", "two", "three"}) {
        three.append("POST /reviews HTTP/1.1\r\nHost: reviews:9080\r\nContent-Length: ");
        three.append(body.length()).append("\r\n\r\n").append(body);
      }
      app.writeRaw(three.toString());
      assertThat(app.read().body()).endsWith(" one");
      assertThat(app.read().body()).endsWith(" two");
      assertThat(app.read().body()).endsWith(" three");
      // A fault answered locally behind a request still waiting (for its route's timeout) keeps
      // its place too.
      app.writeRaw(
          "GET /slow/x HTTP/1.1\r\nHost: reviews:9080\r\n\r\n"
              + "GET /abort HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
      assertThat(app.read().status()).isEqualTo(504);
      assertThat(app.read().status()).isEqualTo(429);
      assertThat(app.get("/ok").status()).isEqualTo(200);
    }
    assertThat(a.requests.get() + b.requests.get()).isEqualTo(5);
  }

  @Test
  void aRequestTargetOutsideAsciiIsRefusedRatherThanReencoded() throws Exception {
    // Read as ISO-8859-1 and written on as UTF-8, the raw UTF-8 of /caf\u00e9 would reach the
    // host double-encoded.
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      app.writeRaw("GET /caf\u00e9 HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
      assertThat(app.read().status()).isEqualTo(400);
    }
    assertThat(a.requests.get() + b.requests.get()).isZero();
  }

  @Test
  void aClientThatShutsItsSendingSideAfterItsRequestStillGetsTheAnswer() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      app.writeHead("POST", "/reviews", "last words");
      app.socket.shutdownOutput();
      Http1Client.Response r = app.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).endsWith(" last words");
      // Answered, then closed: nothing more can come from this client.
      assertThat(app.input().read()).isEqualTo(-1);
    }
  }

  @Test
  void aRetryOn503LandsOnTheOtherHostWithTheBodyReplayed() throws Exception {
    a.failAll = true;
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      for (int i = 0; i < 4; i++) {
        Http1Client.Response r = app.send("POST", "/reviews", "hello " + i);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("B hello " + i);
      }
    }
    assertThat(a.requests.get()).isPositive();
    assertThat(b.requests.get()).isEqualTo(4);
  }

  @Test
  void anAbortFaultAnswersWithoutTouchingTheUpstream() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      assertThat(app.get("/abort").status()).isEqualTo(429);
      // The connection stays usable after a local reply.
      assertThat(app.get("/ok").status()).isEqualTo(200);
    }
    assertThat(a.requests.get() + b.requests.get()).isEqualTo(1);
    assertThat(mesh.prometheus())
        .contains("response_code=\"429\"")
        .contains("response_flags=\"FI\"");
  }

  @Test
  void aDelayFaultDelaysTheRequest() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      long start = System.nanoTime();
      Http1Client.Response r = app.get("/delay");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.status()).isEqualTo(200);
      assertThat(millis).isBetween(290L, 2_000L);
    }
    assertThat(mesh.prometheus()).contains("response_flags=\"DI\"");
  }

  @Test
  void theRouteTimeoutAnswers504() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      long start = System.nanoTime();
      Http1Client.Response r = app.get("/slow");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.status()).isEqualTo(504);
      assertThat(r.body()).isEqualTo("upstream request timeout");
      assertThat(millis).isBetween(190L, 1_500L);
      assertThat(app.get("/ok").status()).isEqualTo(200);
    }
    assertThat(mesh.prometheus())
        .contains("response_code=\"504\"")
        .contains("response_flags=\"UT\"");
  }

  @Test
  void listenersAreOnePerDestination() throws Exception {
    InetSocketAddress first = engine.listenerFor(LISTENER);
    assertThat(engine.listenerFor(LISTENER)).isEqualTo(first);
    InetSocketAddress other = engine.listenerFor("ratings.default.svc.cluster.local:9080");
    assertThat(other).isNotEqualTo(first);
    assertThat(first.getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void anUnknownDestinationIsClosed() throws Exception {
    InetSocketAddress nowhere = engine.listenerFor("nowhere.default.svc.cluster.local:80");
    try (Socket s = new Socket()) {
      s.connect(nowhere, 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      int read;
      try {
        read = s.getInputStream().read();
      } catch (IOException reset) {
        read = -1;
      }
      assertThat(read).isEqualTo(-1);
    }
  }

  @Test
  void aLargeUploadStreamsWithoutRetryBuffering() throws Exception {
    int size = 8 * 1024 * 1024;
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      String body = "x".repeat(size);
      Http1Client.Response r = app.send("POST", "/count", body);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(Integer.toString(size));
    }
    assertThat(mesh.prometheus()).contains("istio_request_bytes_sum{");
  }

  @Test
  void anExpectContinueUploadGetsTheUpstreams100AndThenItsResponse() throws Exception {
    int size = 5 * 1024 * 1024;
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      app.writeRaw(
          "POST /count HTTP/1.1\r\nHost: reviews:9080\r\nContent-Length: "
              + size
              + "\r\nExpect: 100-continue\r\n\r\n");
      // The upstream (its aggregator) answers 100; the application sends the body only then.
      assertThat(app.readHead().status()).isEqualTo(100);
      app.writeRaw("x".repeat(size));
      Http1Client.Response r = app.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(Integer.toString(size));
      // The connection is still in step: a next request on it is answered too.
      assertThat(app.get("/after").status()).isEqualTo(200);
    }
  }

  @Test
  void drainClosesIdleConnectionsAndStopsAccepting() throws Exception {
    InetSocketAddress local = engine.listenerFor(LISTENER);
    try (Http1Client app = new Http1Client(local)) {
      assertThat(app.get("/ok").status()).isEqualTo(200);
      engine.drain(java.time.Duration.ofSeconds(5)).get(5, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(app.input().read()).isEqualTo(-1);
    }
    try (Socket s = new Socket()) {
      s.connect(local, 1000);
      s.setSoTimeout(2000);
      int read;
      try {
        read = s.getInputStream().read();
      } catch (IOException refusedOrReset) {
        read = -1;
      }
      assertThat(read).isEqualTo(-1);
    } catch (java.net.ConnectException refused) {
      // The listener is gone: as good as closed.
    }
  }

  @Test
  void eachTryTimesOutAndIsRetriedOnAnotherHost() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      long start = System.nanoTime();
      Http1Client.Response r = app.get("/slow/retry");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.status()).isEqualTo(504);
      // Three tries of 300 ms (two retries), well before the upstream's 2 s answer.
      assertThat(millis).isBetween(880L, 1_900L);
    }
    assertThat(a.requests.get() + b.requests.get()).isEqualTo(3);
    assertThat(a.requests.get()).isPositive();
    assertThat(b.requests.get()).isPositive();
    assertThat(mesh.prometheus()).contains("response_code=\"504\"");
  }

  @Test
  void theRoutesRewritesApplyUpstream() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      assertThat(app.get("/old/page?x=1").status()).isEqualTo(200);
    }
    TestUpstream served = a.requests.get() == 1 ? a : b;
    assertThat(served.uris.peek()).isEqualTo("/new/page?x=1");
    assertThat(served.seen.peek().get("host")).isEqualTo("reviews-v2.internal");
  }

  @Test
  void aGeneratedHashCookieIsSetOnTheResponse() throws Exception {
    String sticky = "sticky.default.svc.cluster.local:9080";
    String ring = "outbound|9080||sticky.default.svc.cluster.local";
    try (MeshFixture m =
        new MeshFixture()
            .httpListener(
                sticky,
                RouteConfiguration.newBuilder()
                    .setName(sticky)
                    .addVirtualHosts(
                        VirtualHost.newBuilder()
                            .setName(sticky)
                            .addDomains("*")
                            .addRoutes(
                                Route.newBuilder()
                                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                    .setRoute(
                                        RouteAction.newBuilder()
                                            .setCluster(ring)
                                            .addHashPolicy(
                                                RouteAction.HashPolicy.newBuilder()
                                                    .setCookie(
                                                        RouteAction.HashPolicy.Cookie.newBuilder()
                                                            .setName("mesh-affinity")
                                                            .setTtl(
                                                                Duration.newBuilder()
                                                                    .setSeconds(60))
                                                            .setPath("/"))))))
                    .build())
            .cluster(
                Cluster.newBuilder().setName(ring).setLbPolicy(Cluster.LbPolicy.RING_HASH),
                a.port(),
                b.port())) {
      try (Http1Client app = new Http1Client(m.start().listenerFor(sticky))) {
        Http1Client.Response r = app.get("/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("set-cookie"))
            .startsWith("mesh-affinity=\"")
            .contains("; Max-Age=60")
            .contains("; Path=/");
      }
    }
  }

  @Test
  void aPooledConnectionTheHostDroppedIsReplacedTransparently() throws Exception {
    a.oneRequestPerConnection = true;
    b.oneRequestPerConnection = true;
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      for (int i = 0; i < 4; i++) {
        assertThat(app.get("/stale/" + i).status()).isEqualTo(200);
      }
    }
    assertThat(a.requests.get() + b.requests.get()).isEqualTo(4);
    assertThat(a.connections.get() + b.connections.get()).isEqualTo(4);
    assertThat(mesh.prometheus()).doesNotContain("response_code=\"503\"");
  }
}
