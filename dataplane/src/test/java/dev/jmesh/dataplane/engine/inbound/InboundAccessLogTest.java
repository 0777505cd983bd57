package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.accesslog.AccessLogFormat;
import dev.jmesh.dataplane.accesslog.AccessLogSink;
import dev.jmesh.dataplane.accesslog.AccessLogWriter;
import dev.jmesh.dataplane.config.DownstreamTls;
import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.config.InboundListener.Chain;
import dev.jmesh.dataplane.config.InboundListener.TransportProtocol;
import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.route.RouteTable;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inbound engine's access log line: what it knows of a mutual-TLS downstream. */
class InboundAccessLogTest {

  private static final String SNI = "reviews.default.svc.cluster.local";

  @TempDir Path dir;

  private final InboundFixture fixture = new InboundFixture(InboundLimits.DEFAULTS);
  private final AccessLogWriter writer = new AccessLogWriter(1024);
  private EchoApp app;

  InboundAccessLogTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    fixture.close();
    writer.stop();
    if (app != null) {
      app.close();
    }
  }

  /** An allow-all filter chain that writes an access log line in {@code format} to {@code file}. */
  private Chain loggingChain(
      String name, TransportProtocol protocol, DownstreamTls tls, Path file, String format) {
    AccessLog log =
        new AccessLog(
            List.of(new AccessLogSink(file.toString(), AccessLogFormat.text(format))), writer);
    return new Chain(
        name,
        protocol,
        tls,
        new RouteTable("inbound|http", List.of()),
        null,
        HttpPolicy.ALLOW_ALL,
        ConnectionPolicy.ALLOW_ALL,
        log);
  }

  @Test
  void eachKeepAliveRequestIsLoggedWithItsOwnFieldsOnly() throws Exception {
    // One record serves all the connection's requests: the second line must show nothing of the
    // first (user agent, request id, bytes, gRPC status).
    Path file = dir.resolve("keep-alive.log");
    Chain plain =
        loggingChain(
            "inbound-plaintext",
            TransportProtocol.ANY,
            null,
            file,
            "%REQ(:METHOD)% %REQ(:PATH)% %REQ(USER-AGENT)% %REQ(X-REQUEST-ID)%"
                + " %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT%"
                + " %GRPC_STATUS%\n");
    app = new EchoApp();
    InboundPort port =
        fixture.serve(
            app.address(), new InboundListener("inbound", "127.0.0.1", 0, false, List.of(plain)));

    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response first =
          RawHttp.exchange(
              s,
              "POST /upload HTTP/1.1\r\nHost: reviews\r\nUser-Agent: t/1\r\n"
                  + "X-Request-Id: first-id\r\nContent-Length: 5\r\n\r\nhello");
      RawHttp.Response second = RawHttp.exchange(s, "GET / HTTP/1.1\r\nHost: reviews\r\n\r\n");
      assertThat(first.status()).isEqualTo(200);
      assertThat(second.status()).isEqualTo(200);
    }

    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Files.exists(file) && Files.readAllLines(file).size() == 2);
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0)).isEqualTo("POST /upload t/1 first-id 200 - 5 1 -");
    assertThat(lines.get(1))
        .matches(
            "GET / - [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
                + " 200 - 0 2 -");
  }

  @Test
  void aMutualTlsRequestIsLoggedWithItsSniPeerAndRequestLine() throws Exception {
    Path file = dir.resolve("access.log");
    DownstreamTls tls = new DownstreamTls("default", "default", "default", "ROOTCA", true);
    Chain mtls =
        loggingChain(
            "inbound-mtls",
            TransportProtocol.TLS,
            tls,
            file,
            "%REQUESTED_SERVER_NAME% %DOWNSTREAM_PEER_URI_SAN% %PROTOCOL%"
                + " %REQ(:METHOD)% %REQ(:PATH)% %REQ(:AUTHORITY)% %REQ(USER-AGENT)%"
                + " %RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %UPSTREAM_CLUSTER%\n");
    app = new EchoApp();
    InboundPort port =
        fixture.serve(
            app.address(), new InboundListener("inbound", "127.0.0.1", 0, false, List.of(mtls)));

    SSLContext context = MeshTls.jdk(InboundFixture.clientIdentity(), id -> true);
    try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket()) {
      SSLParameters params = s.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(SNI)));
      s.setSSLParameters(params);
      s.connect(port.declared(), 5_000);
      s.setSoTimeout(5_000);
      s.startHandshake();
      RawHttp.Response r =
          RawHttp.exchange(
              s, "GET /reviews/1?x=2 HTTP/1.1\r\nHost: reviews:9080\r\nUser-Agent: t/1\r\n\r\n");
      assertThat(r.status()).isEqualTo(200);
    }

    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Files.exists(file) && !Files.readString(file).isEmpty());
    assertThat(Files.readString(file))
        .isEqualTo(
            SNI
                + " "
                + InboundFixture.CLIENT_ID
                + " HTTP/1.1 GET /reviews/1?x=2 reviews:9080 t/1 200 via_upstream inbound|"
                + port.declared().getPort()
                + "||\n");
  }
}
