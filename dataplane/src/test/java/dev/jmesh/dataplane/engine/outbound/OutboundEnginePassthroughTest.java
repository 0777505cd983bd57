package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An application that connects to a mesh endpoint's own IP and sends {@code Host: <ip>:<port>},
 * a name no virtual host has: Istio's {@code allow_any} virtual host sends it to {@code
 * PassthroughCluster}, and the engine on to the address the application connected to, not to
 * the service's balancer.
 */
class OutboundEnginePassthroughTest {

  private static final String LISTENER = OutboundEngineHttpTest.LISTENER;
  private static final String REVIEWS = OutboundEngineHttpTest.REVIEWS;
  private static final String PASSTHROUGH = "PassthroughCluster";
  private static final String ECHO = "echo.default.svc.cluster.local:7000";

  private TestUpstream a;
  private TestUpstream b;
  private MeshFixture mesh;
  private OutboundEngine engine;

  @BeforeEach
  void setUp() throws Exception {
    a = new TestUpstream("A", false, null);
    b = new TestUpstream("B", false, null);
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(LISTENER)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(LISTENER)
                    .addDomains("reviews")
                    .addDomains("reviews:9080")
                    .addRoutes(to(REVIEWS)))
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("allow_any")
                    .addDomains("*")
                    .addRoutes(to(PASSTHROUGH)))
            .build();
    mesh =
        new MeshFixture()
            .httpListener(LISTENER, routes)
            .cluster(Cluster.newBuilder().setName(REVIEWS), a.port(), b.port())
            .passthroughCluster(PASSTHROUGH)
            .tcpListener(ECHO, 7000, REVIEWS);
    engine = mesh.start();
  }

  @AfterEach
  void tearDown() {
    mesh.close();
    a.close();
    b.close();
  }

  private static Route.Builder to(String cluster) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(RouteAction.newBuilder().setCluster(cluster));
  }

  @Test
  void aHostNamingNoServiceGoesToTheEndpointTheApplicationConnectedTo() throws Exception {
    InetSocketAddress endpointB = new InetSocketAddress("127.0.0.1", b.port());
    InetSocketAddress viaB = engine.listenerFor(LISTENER, endpointB);
    assertThat(viaB).isNotEqualTo(engine.listenerFor(LISTENER));
    assertThat(engine.listenerFor(LISTENER, endpointB)).isEqualTo(viaB);

    try (Http1Client app = new Http1Client(viaB)) {
      for (int i = 0; i < 6; i++) {
        app.writeRaw("GET /x HTTP/1.1\r\nHost: 127.0.0.1:" + b.port() + "\r\n\r\n");
        Http1Client.Response r = app.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("B ");
      }
      // The service's name on the same connection: the service's route and balancer.
      for (int i = 0; i < 6; i++) {
        assertThat(app.get("/y").status()).isEqualTo(200);
      }
    }
    assertThat(a.requests.get())
        .as("requests naming the service are balanced, A included")
        .isPositive();
    assertThat(b.requests.get()).isGreaterThanOrEqualTo(6);
    assertThat(mesh.prometheus())
        .contains("destination_service_name=\"" + PASSTHROUGH + "\"")
        .contains("destination_service_name=\"reviews\"");
  }

  @Test
  void aTcpDestinationKeepsOneListenerWhateverAddressWasConnectedTo() throws Exception {
    // A byte relay has no route to pass through: no listener per endpoint for it.
    InetSocketAddress endpoint = new InetSocketAddress("127.0.0.1", a.port());
    assertThat(engine.listenerFor(ECHO, endpoint)).isEqualTo(engine.listenerFor(ECHO));
  }

  @Test
  void withoutTheEndpointsAddressThePassthroughRouteHasNoHost() throws Exception {
    // Connected to the service's name (or its virtual address): no address to pass through to.
    try (Http1Client app = new Http1Client(engine.listenerFor(LISTENER))) {
      app.writeRaw("GET /x HTTP/1.1\r\nHost: 127.0.0.1:" + b.port() + "\r\n\r\n");
      Http1Client.Response r = app.read();
      assertThat(r.status()).isEqualTo(503);
    }
    assertThat(a.requests.get() + b.requests.get()).isZero();
    assertThat(mesh.prometheus()).contains("response_flags=\"UH\"");
  }
}
