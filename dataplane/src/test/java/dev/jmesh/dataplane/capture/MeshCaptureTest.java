package dev.jmesh.dataplane.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import dev.jmesh.testing.FreePorts;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.io.Closeable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The capture decisions the socket hooks delegate to, over a compiled snapshot. */
class MeshCaptureTest {

  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String REVIEWS_CLUSTER = "outbound|9080||" + REVIEWS;
  private static final String ECHO = "echo.other.svc.cluster.local";
  private static final InetSocketAddress ENGINE = new InetSocketAddress("127.0.0.1", 1);

  /** A {@code ServiceEntry} with {@code resolution: NONE}: its cluster is ORIGINAL_DST. */
  private static final String PARTNER = "api.partner.example";

  private static final String PARTNER_CLUSTER = "outbound|443||" + PARTNER;

  private final List<String> redirected = new ArrayList<>();
  private final OutboundRedirect outbound =
      (destination, endpoint) -> {
        redirected.add(destination + (endpoint == null ? "" : " via " + endpoint));
        return ENGINE;
      };
  private final FakeInbound inbound = new FakeInbound();

  @Test
  void serviceNamesInEveryKubernetesFormResolveToOneVirtualAddress() throws Exception {
    MeshCapture capture = capture(false, Set.of());

    InetAddress[] shortName = capture.resolve("reviews");
    assertThat(shortName).hasSize(1);
    assertThat(shortName[0].getHostAddress()).startsWith("240.240.");
    assertThat(shortName[0].getHostName()).isEqualTo(REVIEWS);
    for (String form : List.of("reviews.default", "reviews.default.svc", REVIEWS, REVIEWS + ".")) {
      assertThat(capture.resolve(form)).as(form).containsExactly(shortName[0]);
    }
    // Another namespace's service answers to its namespaced forms, not to its bare name.
    assertThat(capture.resolve("echo.other")).hasSize(1);
    assertThat(capture.resolve("echo")).isNull();
    // Names the mesh does not know, and literals, are the JDK's to resolve.
    assertThat(capture.resolve("example.com")).isNull();
    assertThat(capture.resolve("10.0.0.1")).isNull();
    assertThat(capture.resolve("::1")).isNull();
  }

  @Test
  void aServiceReachedAtTheApplicationsOwnLookupGetsNoVirtualAddress() throws Exception {
    // Istio's DNS proxy allocates no address for resolution: NONE, since the original destination
    // would be lost: the JDK resolves the name, while routing still knows the service.
    MeshCapture capture = capture(false, Set.of());

    assertThat(capture.resolve(PARTNER)).isNull();
    assertThat(capture.resolvedByName(PARTNER)).isTrue();
    assertThat(capture.outboundListener(PARTNER, 443)).isEqualTo(PARTNER + ":443");
    InetSocketAddress unresolved = InetSocketAddress.createUnresolved(PARTNER, 443);
    assertThat(capture.beforeConnect(unresolved)).isSameAs(unresolved);
    // A balanced service keeps its virtual address.
    assertThat(capture.resolvedByName("reviews")).isFalse();
    assertThat(capture.resolve("reviews")).hasSize(1);
    assertThat(capture.resolvedByName("127.0.0.7")).isFalse();
    assertThat(redirected).isEmpty();
  }

  @Test
  void connectionsToAServiceOrOneOfItsEndpointsGoToTheEngine() throws Exception {
    MeshCapture capture = capture(false, Set.of());
    InetAddress vip = capture.resolve("reviews")[0];

    assertThat(capture.beforeConnect(new InetSocketAddress(vip, 9080))).isEqualTo(ENGINE);
    assertThat(capture.beforeConnect(new InetSocketAddress("127.0.0.7", 9080))).isEqualTo(ENGINE);
    assertThat(capture.beforeConnect(InetSocketAddress.createUnresolved("reviews", 9080)))
        .isEqualTo(ENGINE);
    assertThat(capture.beforeConnect(new InetSocketAddress(capture.resolve("echo.other")[0], 7000)))
        .isEqualTo(ENGINE);
    // A port the service does not have leads nowhere.
    assertThat(capture.beforeConnect(new InetSocketAddress(vip, 9999))).isEqualTo(ENGINE);
    // Only the endpoint's own address is handed on: where a passed-through request goes.
    assertThat(redirected)
        .containsExactly(
            REVIEWS + ":9080",
            REVIEWS + ":9080 via /127.0.0.7:9080",
            REVIEWS + ":9080",
            ECHO + ":7000",
            MeshDestinations.BLACK_HOLE);

    InetSocketAddress unknown = new InetSocketAddress("10.1.1.1", 80);
    assertThat(capture.beforeConnect(unknown)).as("ALLOW_ANY passes through").isSameAs(unknown);
  }

  @Test
  void registryOnlyBlocksUnknownDestinationsButNot127001() throws Exception {
    MeshCapture capture = capture(true, Set.of());

    assertThat(capture.beforeConnect(new InetSocketAddress("10.1.1.1", 80))).isEqualTo(ENGINE);
    assertThat(capture.beforeConnect(new InetSocketAddress("127.0.0.2", 80))).isEqualTo(ENGINE);
    assertThat(redirected)
        .containsExactly(MeshDestinations.BLACK_HOLE, MeshDestinations.BLACK_HOLE);
    InetSocketAddress local = new InetSocketAddress("127.0.0.1", 5432);
    assertThat(capture.beforeConnect(local)).isSameAs(local);
  }

  @Test
  void aBoundServerMovesToAHiddenPortAndStillReportsTheOneItAskedFor() throws Exception {
    MeshCapture capture = capture(false, Set.of());
    int port = FreePorts.loopback();
    InetSocketAddress declared = new InetSocketAddress("127.0.0.1", port);
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      InetSocketAddress hidden = (InetSocketAddress) capture.beforeBind(server, declared);
      assertThat(hidden.getAddress().isLoopbackAddress()).isTrue();
      assertThat(hidden.getPort()).isZero();
      server.bind(hidden);
      InetSocketAddress actual = (InetSocketAddress) server.getLocalAddress();
      capture.afterBind(server, actual);

      assertThat(inbound.takenOver).containsEntry(declared, actual);
      assertThat(capture.reportedAddress(server, actual)).isEqualTo(declared);
      assertThat(capture.reportedPort(server, actual.getPort())).isEqualTo(port);
      assertThat(capture.reportedInetAddress(server, actual.getAddress()))
          .isEqualTo(declared.getAddress());

      // Only the engine may connect to the hidden port.
      InetSocketAddress engineSide = new InetSocketAddress("127.0.0.1", 40001);
      inbound.engineConnections.add(engineSide);
      assertThat(capture.admits(actual.getPort(), engineSide)).isTrue();
      assertThat(capture.admits(actual.getPort(), new InetSocketAddress("127.0.0.1", 40002)))
          .isFalse();
      assertThat(capture.admits(port + 1, new InetSocketAddress("127.0.0.1", 40002))).isTrue();

      capture.afterClose(server);
      assertThat(inbound.closed).containsExactly(declared);
      assertThat(capture.reportedAddress(server, actual)).isEqualTo(actual);
    }
  }

  @Test
  void portZeroExcludedPortsAndBusyPortsAreLeftAlone() throws Exception {
    int excluded = FreePorts.loopback();
    MeshCapture capture = capture(false, Set.of(excluded));
    Object server = new Object();
    InetSocketAddress ephemeral = new InetSocketAddress("127.0.0.1", 0);
    assertThat(capture.beforeBind(server, ephemeral)).isSameAs(ephemeral);
    InetSocketAddress skipped = new InetSocketAddress("127.0.0.1", excluded);
    assertThat(capture.beforeBind(server, skipped)).isSameAs(skipped);
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InetSocketAddress taken = new InetSocketAddress("127.0.0.1", busy.getLocalPort());
      // The application's own bind then fails with its usual BindException.
      assertThat(capture.beforeBind(server, taken)).isSameAs(taken);
    }
    assertThat(inbound.takenOver).isEmpty();
  }

  @Test
  void onTheDirectInboundPathMarkedBindsAndBlockingTcpServersKeepTheirPorts() throws Exception {
    int tcp = FreePorts.loopback();
    int http = FreePorts.loopback();
    Map<String, String> env =
        Map.of(
            "MESH_SERVICE", "productpage",
            "MESH_NAMESPACE", "default",
            "MESH_INBOUND_PATH", "direct",
            "MESH_SERVICE_PORTS", "tcp-echo:" + tcp);
    MeshSnapshot snapshot = snapshot(false);
    MeshCapture capture =
        new MeshCapture(
            SettingsParser.parse(new SettingSource(Map.of(), Map.of(), env)),
            () -> snapshot,
            timeout -> true,
            Duration.ofSeconds(1),
            inbound,
            outbound);
    InetSocketAddress tcpPort = new InetSocketAddress("127.0.0.1", tcp);
    InetSocketAddress httpPort = new InetSocketAddress("127.0.0.1", http);
    try (ServerSocket blocking = new ServerSocket();
        ServerSocketChannel nio = ServerSocketChannel.open()) {
      // A blocking server on a TCP port: its accepted sockets get the mesh inside them.
      assertThat(capture.beforeBind(blocking, tcpPort)).isSameAs(tcpPort);
      // On an HTTP port its HTTP policy could not run in a byte stream: the engine takes it.
      assertThat(capture.beforeBind(blocking, httpPort)).isNotEqualTo(httpPort);
      // A server whose instrumentation marked the bind keeps its port, whatever the protocol.
      dev.jmesh.bootstrap.MeshHooks.enterDirectBind();
      try {
        assertThat(capture.beforeBind(nio, httpPort)).isSameAs(httpPort);
      } finally {
        dev.jmesh.bootstrap.MeshHooks.exitDirectBind();
      }
      // Unmarked NIO servers (Tomcat, Jetty) stay with the engine.
      assertThat(capture.beforeBind(nio, tcpPort)).isNotEqualTo(tcpPort);
    }
  }

  private MeshCapture capture(boolean registryOnly, Set<Integer> excludedInbound) throws Exception {
    MeshSnapshot snapshot = snapshot(registryOnly);
    return new MeshCapture(
        settings(excludedInbound),
        () -> snapshot,
        timeout -> true,
        Duration.ofSeconds(1),
        inbound,
        outbound);
  }

  private static MeshSettings settings(Set<Integer> excludedInbound) throws Exception {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("MESH_SERVICE", "productpage");
    env.put("MESH_NAMESPACE", "default");
    if (!excludedInbound.isEmpty()) {
      env.put("MESH_EXCLUDE_INBOUND_PORTS", excludedInbound.iterator().next().toString());
    }
    return SettingsParser.parse(new SettingSource(Map.of(), Map.of(), env));
  }

  private static MeshSnapshot snapshot(boolean registryOnly) {
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(REVIEWS + ":9080")
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("reviews")
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster(REVIEWS_CLUSTER))))
            .build();
    Listener http =
        Listener.newBuilder()
            .setName(REVIEWS + ":9080")
            .setApiListener(
                ApiListener.newBuilder()
                    .setApiListener(
                        Any.pack(
                            HttpConnectionManager.newBuilder()
                                .setRouteConfig(routes)
                                .addHttpFilters(
                                    HttpFilter.newBuilder().setName("envoy.filters.http.router"))
                                .build())))
            .build();
    Listener tcp = tcpListener(ECHO + ":7000", "0.0.0.0", 7000, "outbound|7000||" + ECHO).build();
    Listener partner = tcpListener(PARTNER + ":443", "0.0.0.0", 443, PARTNER_CLUSTER).build();
    Listener virtualOutbound =
        tcpListener(
                "virtualOutbound",
                "0.0.0.0",
                15001,
                registryOnly ? "BlackHoleCluster" : "PassthroughCluster")
            .setBindToPort(BoolValue.of(false))
            .build();
    MeshSnapshot.Compilation c =
        MeshSnapshot.compile(
            List.of(http, tcp, partner, virtualOutbound),
            List.of(),
            List.of(
                eds(REVIEWS_CLUSTER),
                eds("outbound|7000||" + ECHO),
                Cluster.newBuilder()
                    .setName(PARTNER_CLUSTER)
                    .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                    .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                    .build()),
            List.of(
                endpoints(REVIEWS_CLUSTER, "127.0.0.7", 9080),
                endpoints("outbound|7000||" + ECHO, "127.0.0.8", 7000)));
    assertThat(c.rejections()).isEmpty();
    return c.snapshot();
  }

  private static Listener.Builder tcpListener(String name, String address, int port, String to) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress(address).setPortValue(port)))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.tcp_proxy")
                        .setTypedConfig(
                            Any.pack(
                                TcpProxy.newBuilder()
                                    .setStatPrefix(name)
                                    .setCluster(to)
                                    .build()))));
  }

  private static Cluster eds(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(
                    io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
                        .setAds(
                            io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource
                                .getDefaultInstance())))
        .build();
  }

  private static ClusterLoadAssignment endpoints(String cluster, String ip, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(cluster)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(
                            Endpoint.newBuilder()
                                .setAddress(
                                    Address.newBuilder()
                                        .setSocketAddress(
                                            SocketAddress.newBuilder()
                                                .setAddress(ip)
                                                .setPortValue(port))))))
        .build();
  }

  /** Records take-overs; the engine's connections are whatever the test says they are. */
  private static final class FakeInbound implements InboundTakeover {
    final Map<InetSocketAddress, InetSocketAddress> takenOver = new ConcurrentHashMap<>();
    final List<InetSocketAddress> closed = new ArrayList<>();
    final Set<InetSocketAddress> engineConnections = ConcurrentHashMap.newKeySet();

    @Override
    public Closeable takeOver(InetSocketAddress declared, InetSocketAddress application) {
      takenOver.put(declared, application);
      return () -> closed.add(declared);
    }

    @Override
    public boolean isEngineConnection(InetSocketAddress remote) {
      return engineConnections.contains(remote);
    }
  }
}
