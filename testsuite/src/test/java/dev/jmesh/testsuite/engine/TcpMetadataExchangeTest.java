package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshedJvm;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Istio's TCP metadata exchange between two meshed JVMs (the real mesh.jar, the real control
 * plane): a plain {@code java.net.Socket} client calls a blocking echo server over a TCP port with
 * mutual TLS; each engine learns the other's workload in-band (ALPN {@code istio-peer-exchange}),
 * so both reporters' TCP metrics name the peer, and neither application sees a byte of the
 * exchange. A plaintext caller of the same port (PERMISSIVE) is still served, as an unknown
 * workload.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpMetadataExchangeTest {

  private static final String SERVER = "server-echo";
  private static final String GREETER = "server-greeting";
  private static final String GREETING = "220 greeter ready";
  private static final String CLIENT_PRINCIPAL = AbstractMeshedServerTest.CLIENT_PRINCIPAL;
  private static final String SERVER_PRINCIPAL = AbstractMeshedServerTest.SERVER_PRINCIPAL;
  private static final int BYTES = TcpEchoCalls.BYTES;

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private MeshedJvm server;
  private MeshedJvm greeter;
  private int greeterPort;
  private ClientDriver client;
  private int port;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-tcp-mx");
    controlPlane = MeshControlPlane.start(jvms, work);
    port = FreePorts.loopback();
    server =
        jvms.start(
            MeshedJvm.java(SERVER)
                .testApp("mesh-servers-app")
                .args("echo", "127.0.0.1", Integer.toString(port))
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "server").toString())
                .env("MESH_LABELS", "app=" + SERVER + ",version=v1")
                .env("MESH_SERVICE_PORTS", TcpEchoCalls.PORT_NAME + ":" + port)
                .env("MESH_INBOUND_PATH", "engine"));
    greeterPort = FreePorts.loopback();
    greeter =
        jvms.start(
            MeshedJvm.java(GREETER)
                .testApp("mesh-servers-app")
                .systemProperty("echo.greeting", GREETING)
                .args("echo", "127.0.0.1", Integer.toString(greeterPort))
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "greeter").toString())
                .env("MESH_LABELS", "app=" + GREETER + ",version=v1")
                .env("MESH_SERVICE_PORTS", "tcp-greeting:" + greeterPort)
                .env("MESH_INBOUND_PATH", "engine"));
    client =
        new ClientDriver(
            jvms.start(
                MeshedJvm.java("client")
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", controlPlane.token("default", "client").toString())
                    .env("MESH_LABELS", "app=client,version=v2")));
    server.awaitOutput("READY kind=echo port=\\d+", MeshControlPlane.STARTUP);
    greeter.awaitOutput("READY kind=echo port=\\d+", MeshControlPlane.STARTUP);
    client.jvm().awaitOutput("READY client", MeshControlPlane.STARTUP);
    await().until(() -> echoed(call()));
  }

  @AfterAll
  void removeWork() throws IOException {
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void strictMutualTlsTcpNamesBothWorkloadsAndLeaksNoPrefixToEitherApplication() throws Exception {
    controlPlane.apply("mtls", MeshPolicies.peerAuthentication(SERVER, "STRICT"));
    try {
      // STRICT in force: a plaintext caller is refused, so what follows went over mutual TLS.
      await().until(() -> !plaintextEchoed());
      double opened = serverOpenedFromClient();

      ClientDriver.Result result = call();

      // The echo returned exactly the pattern the client wrote: no exchange byte reached the
      // server application (it would have echoed it) nor the client application.
      assertThat(result.field("sent")).isEqualTo(Integer.toString(BYTES));
      assertThat(result.field("received")).isEqualTo(Integer.toString(BYTES));
      assertThat(result.field("intact")).isEqualTo("true");
      await()
          .untilAsserted(
              () -> {
                assertThat(serverOpenedFromClient()).isEqualTo(opened + 1);
                // Both sides count only the applications' bytes, never the prefixes.
                assertThat(
                        server.metric(
                            "istio_tcp_received_bytes_total",
                            "reporter",
                            "destination",
                            "source_workload",
                            "client",
                            "response_flags",
                            "-"))
                    .isGreaterThanOrEqualTo(BYTES)
                    .matches(v -> v % BYTES == 0, "a whole number of calls' bytes");
              });
      assertThat(
              client
                  .jvm()
                  .metric(
                      "istio_tcp_connections_opened_total",
                      "reporter",
                      "source",
                      "source_workload",
                      "client",
                      "destination_workload",
                      SERVER,
                      "destination_workload_namespace",
                      "default",
                      "destination_app",
                      SERVER,
                      "destination_version",
                      "v1",
                      "destination_principal",
                      SERVER_PRINCIPAL,
                      "destination_service_name",
                      SERVER))
          .isPositive();
    } finally {
      controlPlane.delete("mtls");
    }
    await().until(this::plaintextEchoed);
  }

  @Test
  void aPlaintextCallerOfThePermissivePortIsServedAsAnUnknownWorkload() throws Exception {
    await().until(this::plaintextEchoed);
    double before = serverOpened("unknown", "none");

    assertThat(plaintextEchoed()).isTrue();

    await().untilAsserted(() -> assertThat(serverOpened("unknown", "none")).isEqualTo(before + 1));
  }

  @Test
  void aServerThatSpeaksFirstStillGreetsAfterTheExchangeAndItsCallerIsNamed() {
    ClientDriver.Result result =
        await()
            .until(
                () -> client.run("tcp-greeting " + GREETER + " " + greeterPort + " " + BYTES),
                r -> r.ok() && "true".equals(r.field("intact")));

    // The greeting line arrives whole and first: the exchange's prefix came before it and was
    // stripped, and the application was dialled only once the client's prefix was read.
    assertThat(result.details()).contains("greeting=" + GREETING);
    assertThat(result.field("received")).isEqualTo(Integer.toString(BYTES));
    await()
        .untilAsserted(
            () ->
                assertThat(
                        greeter.metric(
                            "istio_tcp_connections_opened_total",
                            "reporter",
                            "destination",
                            "source_workload",
                            "client",
                            "source_principal",
                            CLIENT_PRINCIPAL,
                            "connection_security_policy",
                            "mutual_tls"))
                    .isPositive());
  }

  private double serverOpenedFromClient() {
    return server
        .findMetric(
            "istio_tcp_connections_opened_total",
            "reporter",
            "destination",
            "source_workload",
            "client",
            "source_workload_namespace",
            "default",
            "source_app",
            "client",
            "source_version",
            "v2",
            "source_canonical_service",
            "client",
            "source_principal",
            CLIENT_PRINCIPAL,
            "destination_workload",
            SERVER,
            "connection_security_policy",
            "mutual_tls",
            "response_flags",
            "-")
        .orElse(0.0);
  }

  private double serverOpened(String sourceWorkload, String securityPolicy) {
    return server
        .findMetric(
            "istio_tcp_connections_opened_total",
            "reporter",
            "destination",
            "source_workload",
            sourceWorkload,
            "connection_security_policy",
            securityPolicy,
            "response_flags",
            "-")
        .orElse(0.0);
  }

  private ClientDriver.Result call() {
    return client.run("tcp " + SERVER + " " + port + " " + BYTES);
  }

  private static boolean echoed(ClientDriver.Result r) {
    return r.ok()
        && Integer.toString(BYTES).equals(r.field("received"))
        && "true".equals(r.field("intact"));
  }

  /** A plaintext ping from this (unmeshed) process straight to the server's port. */
  private boolean plaintextEchoed() {
    try (Socket s = AbstractMeshedServerTest.connect(port)) {
      s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)
          .equals("ping\n");
    } catch (IOException e) {
      return false;
    }
  }

  private static ConditionFactory await() {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions();
  }
}
