package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The suite on a blocking {@code java.net.ServerSocket} echo server — a protocol nobody wrote
 * instrumentation for — called by a plain {@code java.net.Socket} in a meshed JVM by service name:
 * raw TCP with mTLS, connection-level policy, and Istio's TCP metrics to the byte, whichever path
 * (engine or direct inbound) serves it.
 */
abstract class AbstractEchoServerTest extends AbstractMeshedServerTest {

  @Override
  String kind() {
    return "echo";
  }

  @Override
  String portName() {
    return TcpEchoCalls.PORT_NAME;
  }

  @Override
  ClientDriver.Result call(String host, int port) {
    return TcpEchoCalls.call(client, host, port);
  }

  @Override
  boolean answered(ClientDriver.Result result) {
    return TcpEchoCalls.answered(result);
  }

  @Override
  boolean denied(ClientDriver.Result result) {
    return !answered(result);
  }

  @Override
  boolean plaintextAnswered(int port) {
    return TcpEchoCalls.plaintextAnswered(port);
  }

  @Override
  String plaintextMarker() {
    return TcpPattern.MARKER;
  }

  @Override
  String kindMarker() {
    return TcpPattern.MARKER;
  }

  @Test
  void tcpMetricsCountEveryByteOnBothSides() {
    double serverReceived = tcp(server, "istio_tcp_received_bytes_total", "destination");
    double serverSent = tcp(server, "istio_tcp_sent_bytes_total", "destination");
    double clientSent = tcp(client.jvm(), "istio_tcp_sent_bytes_total", "source");
    double serverClosed = tcp(server, "istio_tcp_connections_closed_total", "destination");
    assertThat(answered(call(service(), port))).isTrue();
    await()
        .untilAsserted(
            () -> {
              assertThat(tcp(server, "istio_tcp_received_bytes_total", "destination"))
                  .isEqualTo(serverReceived + TcpEchoCalls.BYTES);
              assertThat(tcp(server, "istio_tcp_sent_bytes_total", "destination"))
                  .isEqualTo(serverSent + TcpEchoCalls.BYTES);
              assertThat(tcp(client.jvm(), "istio_tcp_sent_bytes_total", "source"))
                  .isEqualTo(clientSent + TcpEchoCalls.BYTES);
              assertThat(tcp(server, "istio_tcp_connections_closed_total", "destination"))
                  .isEqualTo(serverClosed + 1);
            });
    assertThat(
            server.metric(
                "istio_tcp_connections_opened_total",
                "reporter",
                "destination",
                "source_principal",
                CLIENT_PRINCIPAL,
                "connection_security_policy",
                "mutual_tls"))
        .isPositive();
  }

  private double tcp(dev.jmesh.testing.MeshedJvm jvm, String metric, String reporter) {
    // The server also counts the plaintext peers of other tests: only the meshed client's. An
    // earlier test's failed connect leaves a series of its own (response_flags UF): not this one.
    return reporter.equals("destination")
        ? jvm.findMetric(
                metric,
                "reporter",
                reporter,
                "destination_service_name",
                service(),
                "source_principal",
                CLIENT_PRINCIPAL,
                "response_flags",
                "-")
            .orElse(0.0)
        : jvm.findMetric(
                metric,
                "reporter",
                reporter,
                "destination_service_name",
                service(),
                "response_flags",
                "-")
            .orElse(0.0);
  }
}
