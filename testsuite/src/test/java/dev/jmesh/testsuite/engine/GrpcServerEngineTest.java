package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A grpc-java server (grpc-netty) behind the engine, called by a grpc-java client: HTTP/2 end to
 * end with trailers, unary and streaming, under the same mTLS and policy as every server.
 */
class GrpcServerEngineTest extends AbstractMeshedServerTest {

  /** The unary call's text: it must cross the relay only inside TLS. */
  private static final String MARKER = "relay-marker-grpc-7d1";

  @Override
  String kind() {
    return "grpc";
  }

  @Override
  String portName() {
    return "grpc";
  }

  @Override
  ClientDriver.Result call(String host, int port) {
    return client.run("grpc-unary " + host + ":" + port + " " + MARKER);
  }

  @Override
  boolean answered(ClientDriver.Result result) {
    return result.ok() && result.details().contains("echo:" + MARKER);
  }

  @Override
  boolean denied(ClientDriver.Result result) {
    return !result.ok() && result.details().contains("PERMISSION_DENIED");
  }

  @Override
  String plaintextMarker() {
    return MARKER;
  }

  @Override
  String kindMarker() {
    return "echo:" + MARKER;
  }

  /** The h2c preface and an empty SETTINGS frame; an HTTP/2 server answers with its SETTINGS. */
  @Override
  boolean plaintextAnswered(int port) throws IOException {
    try (Socket s = connect(port)) {
      OutputStream out = s.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
      out.flush();
      InputStream in = s.getInputStream();
      byte[] header = in.readNBytes(9);
      return header.length == 9 && header[3] == 4;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void serverStreamingAndBidiStreamingCrossTheMesh() {
    ClientDriver.Result stream = client.run("grpc-stream " + service() + ":" + port + " 5");
    assertThat(stream.details()).as(stream.toString()).contains("1|2|3|4|5");
    ClientDriver.Result bidi = client.run("grpc-bidi " + service() + ":" + port + " 3");
    assertThat(bidi.details()).as(bidi.toString()).contains("chat:").contains("|");
  }

  @Test
  void aPolicyOnGrpcMethodsAllowsOneAndDeniesTheOther() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "echo-only",
            service(),
            "ALLOW",
            """
            rules:
            - to:
              - operation:
                  paths: ["/mesh.Echo/Echo"]
            """));
    await().until(() -> denied(client.run("grpc-stream " + service() + ":" + port + " 2")));
    assertThat(answered(call(service(), port))).isTrue();
  }

  @Test
  void inboundRecordsCarryTheGrpcStatusAndPeer() {
    assertThat(answered(call(service(), port))).isTrue();
    await()
        .untilAsserted(
            () ->
                assertThat(
                        server.metric(
                            "istio_requests_total",
                            "reporter", "destination",
                            "source_principal", CLIENT_PRINCIPAL,
                            "request_protocol", "grpc",
                            "grpc_response_status", "0"))
                    .isPositive());
  }
}
