package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.CannedApp;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Hosts that break HTTP/1.1: what the decoder makes of their bytes never reaches the client. */
class OutboundEngineUpstreamProtocolTest {

  static final String LISTENER = "ratings.default.svc.cluster.local:9080";
  static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";

  @Test
  void aResponseThatDoesNotDecodeIsEnvoys503() throws Exception {
    try (CannedApp broken = new CannedApp("HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok");
        MeshFixture mesh = meshTo(broken);
        Http1Client app = new Http1Client(mesh.start().listenerFor(LISTENER))) {
      Http1Client.Response r = app.get("/ratings/1");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body()).contains("reset");
    }
  }

  @Test
  void aResponseChunkThatDoesNotDecodeCutsTheClientOffShortOfTheBodysEnd() throws Exception {
    try (CannedApp broken =
            new CannedApp(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
        MeshFixture mesh = meshTo(broken);
        Http1Client app = new Http1Client(mesh.start().listenerFor(LISTENER))) {
      app.writeRaw("GET /ratings/1 HTTP/1.1\r\nHost: ratings:9080\r\n\r\n");
      // Read until the engine closes the connection (a terminated body would leave it open, and
      // the read would time out); whatever of the response got out, never the body's end.
      String got = new String(app.input().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(got).doesNotContain("\r\n0\r\n");
    }
  }

  private static MeshFixture meshTo(CannedApp host) {
    return new MeshFixture()
        .httpListener(LISTENER, MeshFixture.allTo(LISTENER, RATINGS))
        .cluster(Cluster.newBuilder().setName(RATINGS), host.address().getPort());
  }
}
