package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A WebSocket upgrade through the engine: the request and the 101 pass, then raw bytes flow. */
class OutboundEngineWebSocketTest {

  private static final String WS = "chat.default.svc.cluster.local:8080";
  private static final String WS_CLUSTER = "outbound|8080||chat.default.svc.cluster.local";

  /** Reads an HTTP head up to the blank line. */
  private static String head(InputStream in) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      b.write(c);
      String s = b.toString(StandardCharsets.US_ASCII);
      if (s.endsWith("\r\n\r\n")) {
        return s;
      }
    }
    throw new IllegalStateException("closed after " + b);
  }

  @Test
  void anUpgradedConnectionRelaysRawBytes() throws Exception {
    try (ServerSocket upstream =
        new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Thread server =
          new Thread(
              () -> {
                try (Socket s = upstream.accept()) {
                  String request = head(s.getInputStream());
                  if (!request.toLowerCase().contains("upgrade: websocket")) {
                    return;
                  }
                  OutputStream out = s.getOutputStream();
                  out.write(
                      ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              + "Connection: Upgrade\r\n\r\n")
                          .getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  InputStream in = s.getInputStream();
                  byte[] buf = new byte[1024];
                  int n;
                  while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                  }
                } catch (Exception e) {
                  // the test fails on its side
                }
              });
      server.setDaemon(true);
      server.start();
      RouteConfiguration routes = MeshFixture.allTo(WS, WS_CLUSTER);
      try (MeshFixture mesh =
              new MeshFixture()
                  .httpListener(WS, routes)
                  .cluster(Cluster.newBuilder().setName(WS_CLUSTER), upstream.getLocalPort());
          Socket app = new Socket()) {
        InetSocketAddress local = mesh.start().listenerFor(WS);
        app.connect(local, 2000);
        app.setSoTimeout(10_000);
        OutputStream out = app.getOutputStream();
        out.write(
            ("GET /chat HTTP/1.1\r\nHost: chat:8080\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String response = head(app.getInputStream());
        assertThat(response).startsWith("HTTP/1.1 101");
        byte[] frame = {(byte) 0x81, 0x05, 'h', 'e', 'l', 'l', 'o'};
        out.write(frame);
        out.flush();
        assertThat(app.getInputStream().readNBytes(frame.length)).isEqualTo(frame);
        assertThat(mesh.prometheus()).contains("response_code=\"101\"");
      }
    }
  }
}
