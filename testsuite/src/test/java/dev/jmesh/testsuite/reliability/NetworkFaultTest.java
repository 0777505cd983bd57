package dev.jmesh.testsuite.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import dev.jmesh.testsuite.proxy.NetworkNamespace;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, item 3: network faults between two hosts. The remote host is a network namespace the
 * test creates ({@link NetworkNamespace}: a veth pair on a private /30); in it run a plain {@code
 * python3 -m http.server} pod and a {@link FaultRelayProcess} in front of it, the endpoint the mesh
 * sees. The client host is the test's own namespace: the control plane, a local pod on loopback and
 * the meshed client ({@code http-clients-app okhttp} with the real agent). The service {@code
 * catalog} has the remote endpoint (v2) and the local one (v1); by default a request may go to
 * either, with header {@code x-to: remote} only to the remote one.
 *
 * <p>A partition ({@code iptables -A INPUT -j DROP} inside the namespace) in the middle of a run:
 * requests that may go elsewhere are retried there within the route timeout and the remote endpoint
 * is ejected; those that may not end at the route timeout, never later; healing brings the remote
 * endpoint back. Latency, bandwidth and resets come from the relay, and the route's timeouts and
 * retries handle them as configured.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkFaultTest {

  static final long TIMEOUT_MS = 1000;
  static final long SLACK_MS = 700;
  static final int BIG_BYTES = 10_000;

  /** What OkHttp throws for a timeout ({@code SocketTimeoutException} is a subclass). */
  static final String TIMEOUT_EXCEPTION =
      "^error java\\.(io\\.InterruptedIOException|net\\.SocketTimeoutException): ";

  static final String POLICY =
      """
      outlierDetection:
        consecutive5xxErrors: 2
        interval: 200ms
        baseEjectionTime: 2s
        maxEjectionPercent: 100
      """;

  static final String ROUTES =
      """
      - match:
        - headers:
            x-to:
              exact: remote-slow
        route:
        - destination:
            host: catalog
            subset: v2
        timeout: 10s
      - match:
        - headers:
            x-to:
              exact: remote
        route:
        - destination:
            host: catalog
            subset: v2
        timeout: 1s
        retries:
          attempts: 0
      - route:
        - destination:
            host: catalog
        timeout: 1s
        retries:
          attempts: 2
          perTryTimeout: 250ms
          retryOn: connect-failure,refused-stream,reset,5xx
      """;

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private NetworkNamespace ns;
  private Process remotePod;
  private FaultRelayProcess relay;
  private Pod localPod;
  private FaultyService.Endpoint remote;
  private MeshedCaller client;

  /** Latencies measured, printed once at the end for the reliability figures. */
  private final Map<String, Long> figures = new ConcurrentSkipListMap<>();

  @BeforeAll
  void startHosts() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "NetworkFaultTest creates network namespaces and iptables rules, which needs root (CI"
            + " runs as root); running as "
            + System.getProperty("user.name"));
    Path work = Files.createTempDirectory("jmesh-netfault");
    ns = NetworkNamespace.create("jmesh-net");
    String remoteIp = ns.workloadAddress();

    Path www = Files.createDirectories(work.resolve("www"));
    Files.writeString(www.resolve("index.html"), "pod=catalog-remote\n");
    Files.writeString(www.resolve("big.txt"), "pod=catalog-remote\n" + "x".repeat(BIG_BYTES));
    int podPort = 8000;
    remotePod =
        new ProcessBuilder(
                ns.inside(
                    "python3", "-m", "http.server", Integer.toString(podPort), "--bind", remoteIp))
            .directory(www.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("remote-pod.log").toFile())
            .start();
    await(Duration.ofSeconds(15)).until(() -> accepts(remoteIp, podPort));
    int relayPort = 9080;
    relay =
        FaultRelayProcess.launch(
            ns.inside(),
            remoteIp + ":" + relayPort,
            remoteIp + ":" + podPort,
            remoteIp + ":" + 9999);
    remote = new FaultyService.Endpoint("catalog-remote", remoteIp, relayPort, "v2");

    localPod = Pod.start("catalog-local", "127.0.0.51");
    FaultyService.Endpoint local =
        new FaultyService.Endpoint(localPod.name(), localPod.ip(), localPod.port(), "v1");

    // The relay starts while the control plane does.
    MeshControlPlane controlPlane = MeshControlPlane.start(jvms, work);
    relay.awaitReady();
    controlPlane.apply(
        "catalog", FaultyService.yaml(List.of(remote, local), POLICY, "network", ROUTES));
    client = MeshedCaller.start(jvms, controlPlane);
    await(Duration.ofSeconds(30)).until(() -> client.inForce("network"));
    await(Duration.ofSeconds(10)).until(() -> toRemote().result().status() == 200);
  }

  @AfterAll
  void stop() {
    System.out.println("[netfault] " + figures);
    if (relay != null) {
      relay.close();
    }
    if (remotePod != null) {
      remotePod.destroyForcibly();
    }
    if (localPod != null) {
      localPod.close();
    }
    if (ns != null) {
      ns.close();
    }
  }

  @Test
  void aPartitionTimesRequestsOutPerTheRouteEjectsTheRemoteAndHealingRestoresIt() {
    partition(true);
    try {
      // Only the remote endpoint may serve these: each ends at the route timeout, never later.
      for (int i = 0; i < 2; i++) {
        MeshedCaller.Call call = toRemote();
        // OkHttp's own timeout exceptions (the direct path), as the application would catch them:
        // the call's timeout, or the connect timeout the mesh cut to what was left of the route's.
        assertThat(call.result().toString()).containsPattern(TIMEOUT_EXCEPTION);
        figures.merge("partitionedMaxMs", call.elapsedMs(), Math::max);
        assertThat(call.elapsedMs())
            .as("partitioned request: " + call.result())
            .isBetween(TIMEOUT_MS - 100, TIMEOUT_MS + SLACK_MS);
      }
      // These may go elsewhere: retried to the local pod within the timeout, and the remote
      // ejected.
      boolean ejected = false;
      for (int i = 0; i < 20 && !ejected; i++) {
        MeshedCaller.Call call = anyEndpoint();
        assertThat(call.pod()).isEqualTo("catalog-local");
        ejected = client.ejected(remote.ip(), remote.port());
      }
      assertThat(ejected).as("remote endpoint ejected during the partition").isTrue();
    } finally {
      partition(false);
    }
    await(Duration.ofSeconds(15)).until(() -> !client.ejected(remote.ip(), remote.port()));
    await(Duration.ofSeconds(15)).until(() -> anyEndpoint().pod().equals("catalog-remote"));
    assertThat(toRemote().result().status()).isEqualTo(200);
  }

  @Test
  void relayLatencyAddsToEachRequestAndPastTheTimeoutEndsIt() {
    try {
      relay.command("latency 150");
      // One chunk each way: two delays, well within the 1 s timeout.
      MeshedCaller.Call slow = toRemote();
      assertThat(slow.result().status()).as(slow.result().toString()).isEqualTo(200);
      assertThat(slow.elapsedMs()).as(slow.result().toString()).isGreaterThanOrEqualTo(300);
      figures.put("latency150ms", slow.elapsedMs());
      relay.command("latency 700");
      MeshedCaller.Call late = toRemote();
      assertThat(late.result().toString()).containsPattern(TIMEOUT_EXCEPTION);
      figures.put("latency700ms", late.elapsedMs());
      assertThat(late.elapsedMs())
          .as("request past its timeout: " + late.result())
          .isBetween(TIMEOUT_MS - 100, TIMEOUT_MS + SLACK_MS);
    } finally {
      relay.command("pass");
    }
  }

  @Test
  void relayBandwidthLimitPacesTheResponse() {
    try {
      relay.command("bandwidth 10000");
      MeshedCaller.Call call = client.getPath("big.txt", "x-to:remote-slow");
      assertThat(call.result().status()).as(call.result().toString()).isEqualTo(200);
      // (The client app prints only the body's start.)
      assertThat(call.result().body()).startsWith("pod=catalog-remote");
      figures.put("bandwidth10kBms", call.elapsedMs());
      // 10 kB at 10 kB/s: about a second, where the unthrottled relay takes milliseconds.
      assertThat(call.elapsedMs()).as(call.result().toString()).isGreaterThanOrEqualTo(800);
    } finally {
      relay.command("pass");
    }
  }

  @Test
  void relayResetsAreRetriedToTheOtherEndpoint() {
    try {
      long tried = relay.accepted();
      relay.command("reset-after 12");
      for (int i = 0; i < 10; i++) {
        MeshedCaller.Call call = anyEndpoint();
        assertThat(call.pod()).as(call.result().toString()).isEqualTo("catalog-local");
      }
      // The remote endpoint was tried (its server closes each connection, so each try is a new
      // one) and cut off: the retries, not the balancer, kept the answers local.
      assertThat(relay.accepted()).as("connections to the resetting endpoint").isGreaterThan(tried);
    } finally {
      relay.command("pass");
    }
  }

  private MeshedCaller.Call toRemote() {
    return client.get("x-to:remote");
  }

  /** A request the route may send to either endpoint: it must succeed within the timeout. */
  private MeshedCaller.Call anyEndpoint() {
    MeshedCaller.Call call = client.get();
    figures.merge("anyEndpointMaxMs", call.elapsedMs(), Math::max);
    assertThat(call.result().status()).as(call.result().toString()).isEqualTo(200);
    assertThat(call.elapsedMs())
        .as("request time (route timeout " + TIMEOUT_MS + " ms): " + call.result())
        .isLessThan(TIMEOUT_MS + SLACK_MS);
    return call;
  }

  private void partition(boolean on) {
    NetworkNamespace.Run r = ns.exec("iptables", on ? "-A" : "-D", "INPUT", "-j", "DROP");
    assertThat(r.exitCode()).as("iptables in " + ns.name() + ": " + r.output()).isZero();
  }

  private static boolean accepts(String ip, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(ip, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static ConditionFactory await(Duration atMost) {
    return Awaitility.await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions();
  }
}
