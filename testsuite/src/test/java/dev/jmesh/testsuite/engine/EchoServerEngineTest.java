package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A blocking {@code java.net.ServerSocket} echo server — a protocol nobody wrote instrumentation
 * for — behind the engine, called by a plain {@code java.net.Socket} in a meshed JVM by service
 * name: raw TCP with mTLS, connection-level policy, and Istio's TCP metrics to the byte.
 */
class EchoServerEngineTest extends AbstractMeshedServerTest {

  private static final int BYTES = 100_000;

  @Override
  String kind() {
    return "echo";
  }

  @Override
  String portName() {
    return "tcp-echo";
  }

  @Override
  ClientDriver.Result call(String host, int port) {
    return client.run("tcp " + host + " " + port + " " + BYTES);
  }

  @Override
  boolean answered(ClientDriver.Result result) {
    return result.ok()
        && ("" + BYTES).equals(result.field("sent"))
        && ("" + BYTES).equals(result.field("received"));
  }

  @Override
  boolean denied(ClientDriver.Result result) {
    return !answered(result);
  }

  @Override
  String plaintextMarker() {
    return TcpPattern.MARKER;
  }

  @Override
  String kindMarker() {
    return TcpPattern.MARKER;
  }

  @Override
  boolean plaintextAnswered(int port) throws IOException {
    try (Socket s = connect(port)) {
      s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)
          .equals("ping\n");
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void tcpMetricsCountEveryByteOnBothSides() {
    double serverReceived = tcp(server, "istio_tcp_received_bytes_total", "destination");
    double clientSent = tcp(client.jvm(), "istio_tcp_sent_bytes_total", "source");
    assertThat(answered(call(service(), port))).isTrue();
    await()
        .untilAsserted(
            () -> {
              assertThat(tcp(server, "istio_tcp_received_bytes_total", "destination"))
                  .isEqualTo(serverReceived + BYTES);
              assertThat(tcp(client.jvm(), "istio_tcp_sent_bytes_total", "source"))
                  .isEqualTo(clientSent + BYTES);
            });
    assertThat(
            server.metric(
                "istio_tcp_connections_opened_total",
                "reporter", "destination",
                "source_principal", CLIENT_PRINCIPAL,
                "connection_security_policy", "mutual_tls"))
        .isPositive();
  }

  @Test
  void registryOnlyBlocksWhatTheMeshDoesNotKnowAndKeepsItsServices() throws Exception {
    try (ServerSocket outside = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.2"))) {
      Thread echo = new Thread(() -> echoAll(outside), "outside-echo");
      echo.setDaemon(true);
      echo.start();
      String toOutside = "tcp 127.0.0.2 " + outside.getLocalPort() + " 1000";
      // ALLOW_ANY (the default): a destination outside the registry is reached as it is.
      assertThat(client.run(toOutside).field("received")).isEqualTo("1000");
      apply("mesh", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n");
      await().until(() -> !"1000".equals(client.run(toOutside).field("received")));
      assertThat(answered(call(service(), port))).as("mesh services still answer").isTrue();
    }
  }

  /** Echoes every connection until the server socket closes. */
  private static void echoAll(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t =
            new Thread(
                () -> {
                  try (s) {
                    s.getInputStream().transferTo(s.getOutputStream());
                  } catch (IOException e) {
                    // the client went away
                  }
                });
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private double tcp(dev.jmesh.testing.MeshedJvm jvm, String metric, String reporter) {
    // The server also counts the plaintext peers of other tests: only the meshed client's.
    return reporter.equals("destination")
        ? jvm.findMetric(
                metric,
                "reporter", reporter,
                "destination_service_name", service(),
                "source_principal", CLIENT_PRINCIPAL)
            .orElse(0.0)
        : jvm.findMetric(metric, "reporter", reporter, "destination_service_name", service())
            .orElse(0.0);
  }
}
