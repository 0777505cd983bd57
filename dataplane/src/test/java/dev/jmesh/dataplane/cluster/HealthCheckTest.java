package dev.jmesh.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.HealthCheckConfig;
import dev.jmesh.dataplane.config.HealthCheckConfig.StatusRange;
import dev.jmesh.dataplane.config.MeshSnapshot;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Active health checks against real loopback servers on ephemeral ports. */
class HealthCheckTest {

  private static final long MS = 1_000_000L;

  private HttpServer http;
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicReference<String> seenPath = new AtomicReference<>();
  private final AtomicReference<String> seenHost = new AtomicReference<>();

  /** A bounded wait; dataplane's tests do not pull in Awaitility for one poll. */
  private static void waitUntil(java.util.function.BooleanSupplier condition, Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited %s", atMost).isLessThan(deadline);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @AfterEach
  void stop() {
    if (http != null) {
      http.stop(0);
    }
  }

  private int startHttp() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        exchange -> {
          seenPath.set(exchange.getRequestURI().getPath());
          seenHost.set(exchange.getRequestHeaders().getFirst("Host"));
          exchange.sendResponseHeaders(status.get(), -1);
          exchange.close();
        });
    http.start();
    return http.getAddress().getPort();
  }

  private static HealthCheckConfig httpCheck(List<StatusRange> expected) {
    return new HealthCheckConfig(
        1000 * MS, 50 * MS, 2, 2, HealthCheckConfig.Kind.HTTP, "", "/healthz", expected);
  }

  private static UpstreamCluster cluster(int port, HealthCheckConfig check) {
    Endpoint e = new Endpoint("127.0.0.1", port, 1, 0, "", "", "", 0, Endpoint.Health.HEALTHY);
    ClusterConfig c =
        TestClusters.withHealthCheck(
            TestClusters.config(ClusterConfig.LbPolicy.ROUND_ROBIN, List.of(e)), check);
    return TestClusters.cluster(c);
  }

  @Test
  void anHttpHostIsUnhealthyUntilItsFirstPassedCheck() throws IOException {
    UpstreamCluster c = cluster(startHttp(), httpCheck(HealthCheckConfig.DEFAULT_EXPECTED));
    Host h = c.hosts().get(0);
    assertThat(h.healthy()).isFalse();
    c.runHealthChecks();
    assertThat(h.healthy()).isTrue();
    assertThat(seenPath.get()).isEqualTo("/healthz");
    assertThat(seenHost.get()).as("Envoy's default Host is the cluster name").isEqualTo("c");
  }

  @Test
  void anUnexpectedStatusFailsAtOnceAndTheHealthyThresholdApplies() throws IOException {
    UpstreamCluster c = cluster(startHttp(), httpCheck(HealthCheckConfig.DEFAULT_EXPECTED));
    Host h = c.hosts().get(0);
    c.runHealthChecks();
    status.set(503);
    c.runHealthChecks();
    assertThat(h.healthy()).as("Envoy ignores unhealthy_threshold for a bad status").isFalse();
    status.set(200);
    c.runHealthChecks();
    assertThat(h.healthy()).as("one success of two").isFalse();
    c.runHealthChecks();
    assertThat(h.healthy()).isTrue();
  }

  @Test
  void connectionFailuresCountTowardsTheUnhealthyThreshold() throws IOException {
    UpstreamCluster c = cluster(startHttp(), httpCheck(HealthCheckConfig.DEFAULT_EXPECTED));
    Host h = c.hosts().get(0);
    c.runHealthChecks();
    http.stop(0);
    http = null;
    c.runHealthChecks();
    assertThat(h.healthy()).as("one failure of two").isTrue();
    c.runHealthChecks();
    assertThat(h.healthy()).isFalse();
  }

  @Test
  void onlyExpectedStatusesPass() throws IOException {
    int port = startHttp();
    status.set(204);
    UpstreamCluster defaults = cluster(port, httpCheck(HealthCheckConfig.DEFAULT_EXPECTED));
    defaults.runHealthChecks();
    assertThat(defaults.hosts().get(0).healthy()).as("Envoy expects 200 only").isFalse();
    status.set(302);
    UpstreamCluster ranged = cluster(port, httpCheck(List.of(new StatusRange(200, 400))));
    ranged.runHealthChecks();
    assertThat(ranged.hosts().get(0).healthy()).isTrue();
  }

  @Test
  void aPassedCheckBringsAnEjectedHostBack() throws IOException {
    int port = startHttp();
    Endpoint e = new Endpoint("127.0.0.1", port, 1, 0, "", "", "", 0, Endpoint.Health.HEALTHY);
    ClusterConfig c =
        TestClusters.withHealthCheck(
            TestClusters.config(
                ClusterConfig.LbPolicy.ROUND_ROBIN,
                dev.jmesh.dataplane.config.LoadBalancingConfig.DEFAULTS,
                new dev.jmesh.dataplane.config.OutlierDetectionConfig(
                    1,
                    100,
                    5,
                    0,
                    5,
                    100,
                    false,
                    10_000 * MS,
                    30_000 * MS,
                    300_000 * MS,
                    100,
                    false,
                    true),
                List.of(e)),
            httpCheck(HealthCheckConfig.DEFAULT_EXPECTED));
    UpstreamCluster cluster = TestClusters.cluster(c);
    Host h = cluster.hosts().get(0);
    cluster.runHealthChecks();
    h.requestStarted();
    h.requestFinished(500);
    assertThat(h.ejected()).isTrue();
    cluster.runHealthChecks();
    assertThat(h.ejected()).isFalse();
    assertThat(cluster.ejectedHosts()).isZero();
  }

  @Test
  void aTcpCheckConnects() throws IOException {
    HealthCheckConfig tcp =
        new HealthCheckConfig(
            500 * MS, 50 * MS, 1, 1, HealthCheckConfig.Kind.TCP, "", null, List.of());
    int port;
    UpstreamCluster c;
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      port = server.getLocalPort();
      c = cluster(port, tcp);
      c.runHealthChecks();
      assertThat(c.hosts().get(0).healthy()).isTrue();
    }
    // Nothing listens any more: the connect is refused.
    c.runHealthChecks();
    assertThat(c.hosts().get(0).healthy()).isFalse();
  }

  @Test
  void aHostThatNeverAnswersTimesOut() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      HealthCheckConfig check =
          new HealthCheckConfig(
              200 * MS,
              50 * MS,
              1,
              1,
              HealthCheckConfig.Kind.HTTP,
              "",
              "/",
              HealthCheckConfig.DEFAULT_EXPECTED);
      UpstreamCluster c = cluster(silent.getLocalPort(), check);
      long start = System.nanoTime();
      c.runHealthChecks();
      assertThat(System.nanoTime() - start).isLessThan(2_000 * MS);
      assertThat(c.hosts().get(0).healthy()).isFalse();
    }
  }

  @Test
  void theRegistryRunsChecksFromCdsOnAMeshDaemonThread() throws IOException {
    int port = startHttp();
    Endpoint e = new Endpoint("127.0.0.1", port, 1, 0, "", "", "", 0, Endpoint.Health.HEALTHY);
    io.envoyproxy.envoy.config.cluster.v3.Cluster cds =
        io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder()
            .setName("hc")
            .setType(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STATIC)
            .setLoadAssignment(
                io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.newBuilder()
                    .setClusterName("hc")
                    .addEndpoints(
                        io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(
                                io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder()
                                    .setEndpoint(
                                        io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                            .setAddress(
                                                io.envoyproxy.envoy.config.core.v3.Address
                                                    .newBuilder()
                                                    .setSocketAddress(
                                                        io.envoyproxy.envoy.config.core.v3
                                                            .SocketAddress.newBuilder()
                                                            .setAddress(e.address())
                                                            .setPortValue(port)))))))
            .addHealthChecks(
                io.envoyproxy.envoy.config.core.v3.HealthCheck.newBuilder()
                    .setTimeout(com.google.protobuf.Duration.newBuilder().setNanos(500_000_000))
                    .setInterval(com.google.protobuf.Duration.newBuilder().setNanos(50_000_000))
                    .setUnhealthyThreshold(com.google.protobuf.UInt32Value.of(1))
                    .setHealthyThreshold(com.google.protobuf.UInt32Value.of(1))
                    .setHttpHealthCheck(
                        io.envoyproxy.envoy.config.core.v3.HealthCheck.HttpHealthCheck.newBuilder()
                            .setPath("/ready")))
            .build();
    MeshSnapshot.Compilation compiled =
        MeshSnapshot.compile(List.of(), List.of(), List.of(cds), List.of());
    assertThat(compiled.rejections()).isEmpty();
    try (UpstreamClusters clusters = new UpstreamClusters()) {
      clusters.update(compiled.snapshot());
      Host h = clusters.cluster("hc").hosts().get(0);
      waitUntil(h::healthy, Duration.ofSeconds(5));
      status.set(500);
      waitUntil(() -> !h.healthy(), Duration.ofSeconds(5));
      assertThat(clusters.cluster("hc").pick(0, false, 1))
          .as("one unhealthy host of one: panic routing")
          .isSameAs(h);
      assertThat(Thread.getAllStackTraces().keySet())
          .filteredOn(t -> t.getName().startsWith("jmesh-cluster-"))
          .hasSize(1)
          .allMatch(Thread::isDaemon);
    }
  }

  @Test
  void aRefusedConnectionIsAFailureNotAnError() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    UpstreamCluster c = cluster(port, httpCheck(HealthCheckConfig.DEFAULT_EXPECTED));
    c.runHealthChecks();
    assertThat(c.hosts().get(0).failedActiveHealthCheck()).isTrue();
  }
}
