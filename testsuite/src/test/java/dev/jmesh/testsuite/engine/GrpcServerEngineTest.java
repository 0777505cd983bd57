package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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

  /**
   * A unary call by curl, HTTP/2 with prior knowledge: one gRPC frame, answered 200 by the
   * application, 403 by policy, not at all when the port wants TLS.
   */
  @Override
  boolean plaintextAnswered(int port) throws IOException {
    Path frame = Files.createTempFile(work, "grpc", ".bin");
    byte[] text = "plain".getBytes(StandardCharsets.UTF_8);
    byte[] message = new byte[5 + text.length];
    message[4] = (byte) text.length;
    System.arraycopy(text, 0, message, 5, text.length);
    Files.write(frame, message);
    Process curl =
        new ProcessBuilder(
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10",
                "--http2-prior-knowledge",
                "-H", "content-type: application/grpc",
                "-H", "te: trailers",
                "--data-binary", "@" + frame,
                "http://127.0.0.1:" + port + "/mesh.Echo/Echo")
            .redirectErrorStream(true)
            .start();
    String code = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      curl.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return code.equals("200");
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
