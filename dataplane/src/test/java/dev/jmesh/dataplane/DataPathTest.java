package dev.jmesh.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DataPathTest {

  private static DataPath dataPath(String... agentArgs) throws Exception {
    return dataPath(Map.of(), agentArgs);
  }

  private static DataPath dataPath(Map<String, String> systemProperties, String... agentArgs)
      throws Exception {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("service", "reviews");
    for (int i = 0; i < agentArgs.length; i += 2) {
      args.put(agentArgs[i], agentArgs[i + 1]);
    }
    MeshSettings settings =
        SettingsParser.parse(new SettingSource(args, systemProperties, Map.of()));
    return new DataPath(settings);
  }

  private static InetSocketAddress addr(String ip, int port) {
    return new InetSocketAddress(ip, port);
  }

  @Test
  void connectIsCountedAndTargetReturnedUnchanged() throws Exception {
    DataPath path = dataPath();
    InetSocketAddress target = addr("10.0.0.2", 9080);
    assertThat(path.beforeConnect(target)).isSameAs(target);
    path.beforeConnect(target);
    assertThat(path.stats().outboundCount("10.0.0.2:9080")).isEqualTo(2);
  }

  @Test
  void ipv6DestinationIsBracketed() throws Exception {
    DataPath path = dataPath();
    path.beforeConnect(addr("fd00::1", 80));
    assertThat(path.stats().outboundCount("[fd00:0:0:0:0:0:0:1]:80")).isEqualTo(1);
  }

  @Test
  void unresolvedDestinationIsCountedByHostName() throws Exception {
    DataPath path = dataPath("excludeOutboundIPRanges", "0.0.0.0/0");
    path.beforeConnect(InetSocketAddress.createUnresolved("reviews.default.svc", 9080));
    assertThat(path.stats().outboundCount("reviews.default.svc:9080")).isEqualTo(1);
  }

  @Test
  void connectToExcludedPortIsNotCounted() throws Exception {
    DataPath path = dataPath("excludeOutboundPorts", "443");
    path.beforeConnect(addr("10.0.0.2", 443));
    path.beforeConnect(addr("10.0.0.2", 444));
    assertThat(path.stats().outboundCount("10.0.0.2:443")).isZero();
    assertThat(path.stats().outboundCount("10.0.0.2:444")).isEqualTo(1);
    assertThat(path.isCapturedOutbound(addr("10.0.0.2", 443))).isFalse();
  }

  @Test
  void connectToExcludedRangeIsNotCounted() throws Exception {
    DataPath path = dataPath("excludeOutboundIPRanges", "169.254.169.254/32");
    path.beforeConnect(addr("169.254.169.254", 80));
    path.beforeConnect(addr("169.254.169.253", 80));
    assertThat(path.stats().outboundCount("169.254.169.254:80")).isZero();
    assertThat(path.stats().outboundCount("169.254.169.253:80")).isEqualTo(1);
  }

  @Test
  void connectToExcludedIpv6RangeIsNotCounted() throws Exception {
    DataPath path = dataPath("excludeOutboundIPRanges", "fd00::/8");
    path.beforeConnect(addr("fd00::1", 80));
    path.beforeConnect(addr("2001:db8::1", 80));
    assertThat(path.stats().outboundCount("[fd00:0:0:0:0:0:0:1]:80")).isZero();
    assertThat(path.stats().outboundCount("[2001:db8:0:0:0:0:0:1]:80")).isEqualTo(1);
  }

  @Test
  void boundServerPortsReachTheListenerEvenWhenItComesLater() throws Exception {
    DataPath path = dataPath("excludeInboundPorts", "15099");
    try (ServerSocket early = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket late = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket excluded = new ServerSocket()) {
      path.afterBind(early);
      java.util.List<Integer> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
      path.onServerBound(heard::add);
      path.afterBind(late);
      excluded.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 15099));
      path.afterBind(excluded);
      assertThat(heard).containsExactly(early.getLocalPort(), late.getLocalPort());
    }
  }

  @Test
  void bindIsCounted() throws Exception {
    DataPath path = dataPath();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      path.afterBind(server);
      assertThat(path.stats().bindCount(server.getLocalPort())).isEqualTo(1);
    }
  }

  @Test
  void acceptIsCountedUnlessTheInboundPortIsExcluded() throws Exception {
    try (ServerSocket excluded = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket captured = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      DataPath path = dataPath("excludeInboundPorts", Integer.toString(excluded.getLocalPort()));
      acceptOne(path, excluded);
      acceptOne(path, captured);
      assertThat(path.stats().inboundCount(excluded.getLocalPort())).isZero();
      assertThat(path.stats().inboundCount(captured.getLocalPort())).isEqualTo(1);
    }
  }

  private static void acceptOne(DataPath path, ServerSocket server) throws Exception {
    server.setSoTimeout(5_000);
    try (Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      path.afterAccept(accepted);
    }
  }

  @Test
  void withoutAMeshAnHttpRequestGoesOutUntouchedAndIsCountedAsPassthrough() throws Exception {
    DataPath path = dataPath();
    assertThat(path.outbound("okhttp", 0, request("reviews", 9080))).isNull();
    StringBuilder out = new StringBuilder();
    path.stats().writeTo(new dev.jmesh.dataplane.stats.PrometheusText(out));
    assertThat(out)
        .contains("jmesh_agent_requests_total{library=\"okhttp\",path=\"passthrough\"} 1");
  }

  private static dev.jmesh.bootstrap.MeshRequest request(String host, int port) {
    return new dev.jmesh.bootstrap.MeshRequest() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public String host() {
        return host;
      }

      @Override
      public int port() {
        return port;
      }

      @Override
      public String path() {
        return "/";
      }

      @Override
      public String header(String lowerCaseName) {
        return null;
      }
    };
  }

  @Test
  void aJdkServerExchangeMakesItsTraceHeadersTheThreadsInboundContext() throws Exception {
    DataPath path = dataPath();
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    java.util.concurrent.atomic.AtomicReference<String> seen =
        new java.util.concurrent.atomic.AtomicReference<>();
    server.createContext(
        "/",
        exchange -> {
          path.serverExchange(exchange);
          dev.jmesh.bootstrap.MeshTraceContext c = dev.jmesh.bootstrap.MeshHooks.inboundContext();
          seen.set(c == null ? "none" : c.traceparent() + " " + c.requestId());
          dev.jmesh.bootstrap.MeshHooks.exitInbound();
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.start();
    try {
      java.net.HttpURLConnection c =
          (java.net.HttpURLConnection)
              new java.net.URL("http://127.0.0.1:" + server.getAddress().getPort() + "/")
                  .openConnection();
      c.setRequestProperty(
          "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
      c.setRequestProperty("X-Request-Id", "abc");
      assertThat(c.getResponseCode()).isEqualTo(204);
      assertThat(seen.get())
          .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 abc");
    } finally {
      server.stop(0);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"connect", "bind", "accept", "http-request"})
  void failHookThrowsNamingTheSwitch(String hook) throws Exception {
    DataPath path = dataPath(Map.of("jmesh.internal.failHooks", hook));
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Runnable call = hookCall(path, hook, server);
      assertThatThrownBy(call::run)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("failure injected by -Djmesh.internal.failHooks in the " + hook + " hook");
      assertThat(path.stats().bindCount(server.getLocalPort())).isZero();
      assertThat(path.stats().outboundCount("10.0.0.2:80")).isZero();
    }
  }

  @Test
  void onlyTheNamedHookFails() throws Exception {
    DataPath path = dataPath(Map.of("jmesh.internal.failHooks", "connect"));
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      path.afterBind(server);
      path.outbound("okhttp", 0, request("a", 80));
      assertThat(path.stats().bindCount(server.getLocalPort())).isEqualTo(1);
      assertThatThrownBy(() -> path.beforeConnect(addr("10.0.0.2", 80)))
          .hasMessageContaining("-Djmesh.internal.failHooks");
    }
  }

  @Test
  void allFailsEveryHook() throws Exception {
    DataPath path = dataPath(Map.of("jmesh.internal.failHooks", "all"));
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      for (String hook : new String[] {"connect", "bind", "accept", "http-request"}) {
        Runnable call = hookCall(path, hook, server);
        assertThatThrownBy(call::run).as(hook).hasMessageContaining("the " + hook + " hook");
      }
    }
  }

  private static Runnable hookCall(DataPath path, String hook, ServerSocket server) {
    return switch (hook) {
      case "connect" ->
          () -> {
            try {
              path.beforeConnect(addr("10.0.0.2", 80));
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          };
      case "bind" -> () -> path.afterBind(server);
      case "accept" ->
          () -> {
            try (Socket unconnected = new Socket()) {
              path.afterAccept(unconnected);
            } catch (java.io.IOException e) {
              throw new AssertionError(e);
            }
          };
      case "http-request" -> () -> path.outbound("okhttp", 0, request("a", 80));
      default -> throw new IllegalArgumentException(hook);
    };
  }

  @Test
  void aServerBoundBeforeTheEngineRefusesConnectionsUntilTheAgentGivesUpOnIt() throws Exception {
    // The agent is still starting its engine: the bind stops waiting after firstConfigTimeout
    // (here short) and goes ahead outside the engine, which can never take that port over.
    DataPath path = dataPath("controlPlane", "127.0.0.1:1", "firstConfigTimeout", "300ms");
    long started = System.nanoTime();
    try (ServerSocket server = new ServerSocket()) {
      InetSocketAddress requested = addr("127.0.0.1", 0);
      assertThat(path.beforeBind(server, requested)).isSameAs(requested);
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - started))
          .as("the bind waited firstConfigTimeout for the engine, not the 10 s default")
          .isBetween(java.time.Duration.ofMillis(300), java.time.Duration.ofSeconds(5));
      server.bind(requested);
      path.afterBind(server);

      // Its config is unknown (STRICT may cover the port): fail closed.
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
          Socket accepted = server.accept()) {
        path.afterAccept(accepted);
        assertThat(accepted.isClosed()).as("refused while the engine is undecided").isTrue();
      }

      // The agent gave up on the engine: everything runs unmeshed, this server included.
      path.runWithoutEngine();
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
          Socket accepted = server.accept()) {
        path.afterAccept(accepted);
        assertThat(accepted.isClosed()).isFalse();
      }
    }
  }

  @Test
  void withoutAControlPlaneEarlyServersAreNotRefused() throws Exception {
    DataPath path = dataPath();
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      path.afterBind(server);
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
          Socket accepted = server.accept()) {
        path.afterAccept(accepted);
        assertThat(accepted.isClosed()).isFalse();
      }
    }
  }
}
