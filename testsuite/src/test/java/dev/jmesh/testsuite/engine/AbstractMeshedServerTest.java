package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.Jdk;
import dev.jmesh.testing.MeshedJvm;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What every server gets from the engine, whatever it is: run by one subclass per server, each in
 * forked JVMs with the real mesh.jar and the real control plane. Per class: one control plane, the
 * server under test ({@code mesh-servers-app <kind>}, service {@code server-<kind>}, identity
 * {@code sa/server}) and a meshed client ({@code mesh-client-app}, identity {@code sa/client});
 * tests reconfigure the mesh by writing Istio YAML and wait for the behaviour to follow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractMeshedServerTest {

  static final String CLIENT_PRINCIPAL = "spiffe://cluster.local/ns/default/sa/client";
  static final String SERVER_PRINCIPAL = "spiffe://cluster.local/ns/default/sa/server";

  /** The port the relayed service is called on; the relay's own port is its target. */
  static final int RELAYED_PORT = 8000;

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  /** Config, CA and tokens of this class's mesh; removed after it. */
  Path work;

  MeshControlPlane controlPlane;
  MeshedJvm server;
  ClientDriver client;
  RecordingRelay relay;

  /** The port the application asked for, which the engine serves. */
  int port;

  /** Config files the running test wrote; removed after it. */
  private final List<String> applied = new ArrayList<>();

  /** The {@code mesh-servers-app} kind under test. */
  abstract String kind();

  /** The Istio port name the server's port is declared with ({@code http}, {@code grpc}, …). */
  abstract String portName();

  /** One call from the meshed client to {@code host:port}. */
  abstract ClientDriver.Result call(String host, int port);

  /** Whether the call was answered by the application. */
  abstract boolean answered(ClientDriver.Result result);

  /** Whether policy refused the call (403, PERMISSION_DENIED, a closed connection). */
  abstract boolean denied(ClientDriver.Result result);

  /**
   * A plaintext exchange straight to {@code port} (the server's port, or its hidden port) from an
   * unmeshed process; whether the application answered.
   */
  abstract boolean plaintextAnswered(int port) throws IOException;

  /** Bytes of the call that must never cross the network in the clear under mTLS. */
  abstract String plaintextMarker();

  /** The JDK the server and client JVMs run on. */
  Jdk jdk() {
    return Jdk.JDK17;
  }

  /**
   * The library label of the server's direct-inbound instrumentation when this class runs the
   * server with {@code MESH_INBOUND_PATH=direct} (the server keeps its port and the mesh works
   * inside it), or {@code null} for the engine in front of it (the default).
   */
  String directInbound() {
    return null;
  }

  /** Extra settings or flags of the server JVM. */
  MeshedJvm.Builder serverOptions(MeshedJvm.Builder server) {
    return server;
  }

  public String service() {
    return "server-" + kind();
  }

  public ClientDriver clientDriver() {
    return client;
  }

  public int servicePort() {
    return port;
  }

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-" + kind());
    controlPlane = MeshControlPlane.start(jvms, work);
    port = FreePorts.loopback();
    relay = new RecordingRelay();
    relay.target(new InetSocketAddress("127.0.0.1", port));
    controlPlane.apply(
        "relayed",
        MeshPolicies.relayedService(RELAYED_PORT, portName(), relay.port(), "ISTIO_MUTUAL"));
    Path serverToken = controlPlane.token("default", "server");
    Path clientToken = controlPlane.token("default", "client");
    server =
        jvms.start(
            serverOptions(
                MeshedJvm.java(service())
                    .jdk(jdk())
                    .testApp("mesh-servers-app")
                    .args(kind(), "127.0.0.1", Integer.toString(port))
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", serverToken.toString())
                    .env("MESH_LABELS", "app=" + service() + ",version=v1")
                    .env("MESH_SERVICE_PORTS", portName() + ":" + port)
                    .env("MESH_REQUEST_HEADERS_TIMEOUT", "2s")
                    .env("MESH_PROTOCOL_DETECTION_TIMEOUT", "1s")
                    .env("MESH_INBOUND_PATH", directInbound() != null ? "direct" : "engine")));
    client =
        new ClientDriver(
            jvms.start(
                MeshedJvm.java("client")
                    .jdk(jdk())
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", clientToken.toString())
                    .env("MESH_LABELS", "app=client,version=v1")));
    server.awaitOutput("READY kind=" + kind() + " port=\\d+", MeshControlPlane.STARTUP);
    client.jvm().awaitOutput("READY client", MeshControlPlane.STARTUP);
    // The server registers once bound; the client then learns the service and can call it.
    await().until(() -> answered(call(service(), port)));
  }

  /**
   * Removes the test's config and waits for the baseline (PERMISSIVE, no policy: the meshed client
   * and a plaintext peer both served), so no test sees the one before it.
   */
  @AfterEach
  void restoreBaseline() throws IOException {
    if (applied.isEmpty() || !server.isAlive()) {
      applied.clear();
      return;
    }
    for (String name : applied) {
      controlPlane.delete(name);
    }
    applied.clear();
    await().until(() -> answered(call(service(), port)) && plaintextAnswered(port));
  }

  @AfterAll
  void stopRelay() throws IOException {
    if (relay != null) {
      relay.close();
    }
    if (work != null) {
      try (java.util.stream.Stream<Path> files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  /** Applies config for the running test only. */
  void apply(String name, String yaml) throws IOException {
    applied.add(name);
    controlPlane.apply(name, yaml);
  }

  static ConditionFactory await() {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions();
  }

  // ---- mTLS ----

  @Test
  void strictMutualTlsIsAllARelayBetweenTwoMeshedJvmsSees() throws Exception {
    apply("mtls", MeshPolicies.peerAuthentication(service(), "STRICT"));
    // A plaintext client is refused once STRICT is in force…
    await().until(() -> !plaintextAnswered(port));
    // …while the meshed client's calls, across the relay, still succeed.
    assertThat(answered(call("relayed", RELAYED_PORT))).isTrue();
    relay.clear();
    ClientDriver.Result result = call("relayed", RELAYED_PORT);
    assertThat(answered(result)).as(result.toString()).isTrue();

    byte[] seen = relay.clientBytes();
    assertThat(seen).as("the relay saw the call").isNotEmpty();
    assertThat(isTlsRecord(seen)).as("TLS records only").isTrue();
    assertThat(new String(seen, StandardCharsets.ISO_8859_1)).doesNotContain(plaintextMarker());
    assertThat(new String(relay.serverBytes(), StandardCharsets.ISO_8859_1))
        .doesNotContain(kindMarker());
  }

  @Test
  void permissiveAcceptsMutualTlsAndPlaintext() throws Exception {
    apply("mtls", MeshPolicies.peerAuthentication(service(), "PERMISSIVE"));
    await().until(() -> plaintextAnswered(port));
    relay.clear();
    ClientDriver.Result result = call("relayed", RELAYED_PORT);
    assertThat(answered(result)).as(result.toString()).isTrue();
    assertThat(isTlsRecord(relay.clientBytes())).isTrue();
  }

  @Test
  void disableServesPlaintextOnly() throws Exception {
    apply("mtls", MeshPolicies.peerAuthentication(service(), "DISABLE"));
    apply(
        "relayed", MeshPolicies.relayedService(RELAYED_PORT, portName(), relay.port(), "DISABLE"));
    try {
      await()
          .until(
              () -> {
                relay.clear();
                ClientDriver.Result r = call("relayed", RELAYED_PORT);
                return answered(r)
                    && new String(relay.clientBytes(), StandardCharsets.ISO_8859_1)
                        .contains(plaintextMarker());
              });
      assertThat(plaintextAnswered(port)).isTrue();
    } finally {
      controlPlane.apply(
          "relayed",
          MeshPolicies.relayedService(RELAYED_PORT, portName(), relay.port(), "ISTIO_MUTUAL"));
      applied.remove("relayed");
    }
  }

  // ---- the hidden port ----

  @Test
  void theServerReportsThePortItAskedForAndItsHiddenPortAdmitsOnlyTheEngine() throws Exception {
    Matcher ready =
        server.awaitOutput("READY kind=" + kind() + " port=(\\d+)", Duration.ofSeconds(5));
    assertThat(Integer.parseInt(ready.group(1))).isEqualTo(port);
    if (directInbound() != null) {
      theServerServesItsOwnPortWithTheMeshInside();
      return;
    }
    int hidden = hiddenPort();
    assertThat(hidden).isNotEqualTo(port);

    assertThat(plaintextAnswered(hidden))
        .as("a local process dialling the hidden port is refused")
        .isFalse();
    // The application's server keeps serving through the engine.
    assertThat(answered(call(service(), port))).isTrue();
  }

  /**
   * Direct inbound: no port was taken over (the application listens where it asked), and its
   * instrumentation counts the mesh connections it served itself.
   */
  private void theServerServesItsOwnPortWithTheMeshInside() {
    assertThat(server.output())
        .as("no take-over on the direct inbound path")
        .doesNotContain("took over");
    double before = directServed();
    assertThat(answered(call(service(), port))).isTrue();
    await().until(() -> directServed() > before);
  }

  /** What the server's direct-inbound instrumentation counted: requests or connections. */
  double directServed() {
    return server
            .metrics()
            .samples("jmesh_agent_requests_total", "library", directInbound(), "path", "direct")
            .stream()
            .mapToDouble(dev.jmesh.testing.PrometheusText.Sample::value)
            .sum()
        + server
            .metrics()
            .samples("jmesh_agent_inbound_connections_total", "library", directInbound())
            .stream()
            .mapToDouble(dev.jmesh.testing.PrometheusText.Sample::value)
            .sum();
  }

  // ---- authorization, the parts every protocol has ----

  @Test
  void allowByPrincipalLetsTheClientInAndKeepsAnonymousPeersOut() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "allow-client",
            service(),
            "ALLOW",
            """
            rules:
            - from:
              - source:
                  principals: ["cluster.local/ns/default/sa/client"]
            """));
    await().until(() -> !plaintextAnswered(port));
    assertThat(answered(call(service(), port))).isTrue();
  }

  @Test
  void denyByPrincipalRefusesTheClient() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "deny-client",
            service(),
            "DENY",
            """
            rules:
            - from:
              - source:
                  principals: ["cluster.local/ns/default/sa/client"]
            """));
    await().until(() -> denied(call(service(), port)));
    assertThat(plaintextAnswered(port)).as("others are not denied").isTrue();
  }

  @Test
  void anAllowPolicyThatMatchesNothingDeniesEverything() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "allow-nobody",
            service(),
            "ALLOW",
            """
            rules:
            - from:
              - source:
                  principals: ["cluster.local/ns/default/sa/nobody"]
            """));
    await().until(() -> denied(call(service(), port)));
  }

  @Test
  void namespacesAndTheirNegationSelectPeers() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "deny-not-default",
            service(),
            "DENY",
            """
            rules:
            - from:
              - source:
                  notNamespaces: ["default"]
            """));
    // The client is in default: not denied; an anonymous peer has no namespace: denied.
    await().until(() -> !plaintextAnswered(port));
    assertThat(answered(call(service(), port))).isTrue();
    apply(
        "authz",
        MeshPolicies.authorization(
            "deny-default",
            service(),
            "DENY",
            """
            rules:
            - from:
              - source:
                  namespaces: ["default"]
            """));
    await().until(() -> denied(call(service(), port)));
  }

  @Test
  void auditNeverDenies() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "audit-all",
            service(),
            "AUDIT",
            """
            rules:
            - from:
              - source:
                  principals: ["*"]
            """));
    // Give the push time to land, then the call is still served.
    Thread.sleep(1500);
    assertThat(answered(call(service(), port))).isTrue();
  }

  // ---- helpers ----

  /** The hidden port, from the agent's log line about the take-over. */
  int hiddenPort() {
    Matcher m =
        server.awaitOutput(
            "took over \\S+:" + port + "; the application's server listens on \\S+:(\\d+)",
            Duration.ofSeconds(5));
    return Integer.parseInt(m.group(1));
  }

  /**
   * Whether bytes start with a TLS record: a handshake (a new connection) or application data (a
   * pooled one), version 3.x.
   */
  static boolean isTlsRecord(byte[] bytes) {
    return bytes.length >= 5 && (bytes[0] == 0x16 || bytes[0] == 0x17) && bytes[1] == 0x03;
  }

  static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
    s.setSoTimeout(5000);
    return s;
  }

  /** Text only the application writes, which mTLS must hide from the relay. */
  String kindMarker() {
    return "kind=" + kind();
  }
}
