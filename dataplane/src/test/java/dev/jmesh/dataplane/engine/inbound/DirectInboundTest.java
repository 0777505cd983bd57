package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.dataplane.MapHeaders;
import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.stats.InboundConnections;
import dev.jmesh.dataplane.stats.RequestPaths;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's inbound rules handed to a server that serves its port itself: this test plays the
 * server's instrumentation over real sockets (sniff the first bytes, wrap the accepted socket in
 * the mesh's TLS, check each request) and holds the answers to the engine's.
 */
class DirectInboundTest {

  private static final String GET = "GET /reviews HTTP/1.1\r\nHost: reviews:9080\r\n\r\n";

  private final Map<Integer, InboundListener> listeners = new ConcurrentHashMap<>();
  private final RequestPaths paths = new RequestPaths();
  private final InboundConnections connections = new InboundConnections();
  private final InboundFixture fixture;
  private final DirectInbound direct;
  private final ServerSocket server;

  DirectInboundTest() throws Exception {
    fixture = new InboundFixture(InboundLimits.DEFAULTS);
    EngineContext context =
        new EngineContext(
            null,
            () -> MeshSnapshot.EMPTY,
            null,
            InboundFixture::serverIdentityQuietly,
            fixture.metrics,
            InboundFixture.SELF,
            null,
            fixture.loops);
    direct = new DirectInbound(context, paths, connections, listeners::get, () -> true);
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    fixture.close();
  }

  private InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  /** What the server side of one connection learned, as an instrumentation would drive it. */
  private record Served(
      int transport, boolean secured, MeshInboundRequest request, Map<String, String> headers) {}

  private Served serveOne() throws Exception {
    Socket raw = server.accept();
    raw.setSoTimeout(5_000);
    MeshInbound in =
        direct.accept(
            "test-server",
            (InetSocketAddress) raw.getLocalSocketAddress(),
            (InetSocketAddress) raw.getRemoteSocketAddress());
    byte[] first = new byte[MeshInbound.SNIFF_BYTES];
    int n = 0;
    int transport = in.transport(null, 0);
    if (in.sniff()) {
      transport = MeshInbound.NEED_MORE;
      while (transport == MeshInbound.NEED_MORE) {
        int r = raw.getInputStream().read(first, n, first.length - n);
        n += Math.max(0, r);
        transport = r < 0 ? MeshInbound.REFUSE : in.transport(first, n);
      }
    }
    if (transport == MeshInbound.REFUSE) {
      raw.close();
      return new Served(transport, false, null, Map.of());
    }
    Socket s = raw;
    InputStream replay = new ByteArrayInputStream(first, 0, n);
    boolean secured = false;
    if (transport == MeshInbound.TLS) {
      SSLSocket tls = (SSLSocket) in.tls().getSocketFactory().createSocket(raw, replay, true);
      tls.setUseClientMode(false);
      tls.setSSLParameters(in.tlsParameters());
      try {
        tls.startHandshake();
      } catch (javax.net.ssl.SSLException e) {
        // A plaintext client on a TLS-only port: the instrumentation closes the connection.
        tls.close();
        return new Served(transport, false, null, Map.of());
      }
      secured = in.secured(tls.getSession());
      s = tls;
      replay = new ByteArrayInputStream(new byte[0]);
    }
    if (!in.admitted()) {
      s.close();
      return new Served(transport, secured, null, Map.of());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String head = readHead(new java.io.SequenceInputStream(replay, s.getInputStream()));
    String[] lines = head.split("\r\n");
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
    }
    String[] requestLine = lines[0].split(" ");
    MeshInboundRequest r = in.request(new Request(requestLine[0], requestLine[1], headers));
    Map<String, String> seen = new LinkedHashMap<>(headers);
    MapHeaders view = new MapHeaders(seen);
    Map<String, String> response = new LinkedHashMap<>();
    int status;
    String body;
    if (r.allowed()) {
      r.requestHeaders(view);
      status = 200;
      body = "served";
    } else {
      status = r.replyStatus();
      body = r.replyBody();
    }
    r.responseHeaders(new MapHeaders(response));
    StringBuilder out = new StringBuilder("HTTP/1.1 " + status + " X\r\n");
    response.forEach((k, v) -> out.append(k).append(": ").append(v).append("\r\n"));
    out.append("content-length: ")
        .append(body.length())
        .append("\r\nconnection: close\r\n\r\n")
        .append(body);
    s.getOutputStream().write(out.toString().getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    r.finish(status, -1, 0, body.length());
    s.close();
    return new Served(transport, secured, r, seen);
  }

  private static String readHead(InputStream in) throws Exception {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.append((char) c);
    }
    return b.toString().trim();
  }

  private CompletableFuture<String> client(boolean tls) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket s =
              tls ? InboundFixture.tlsClient(address()) : InboundFixture.plainClient(address())) {
            s.getOutputStream().write(GET.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
          } catch (Exception e) {
            return "failed: " + e;
          }
        });
  }

  @Test
  void strictServesAMeshClientOverMutualTlsAndTellsTheApplicationWhoItIs() throws Exception {
    listeners.put(server.getLocalPort(), InboundFixture.http(Mode.STRICT, HttpPolicy.ALLOW_ALL));
    CompletableFuture<String> answer = client(true);
    Served served = serveOne();
    assertThat(served.transport).isEqualTo(MeshInbound.TLS);
    assertThat(served.secured).isTrue();
    assertThat(served.headers.get("x-forwarded-client-cert"))
        .contains("URI=" + InboundFixture.CLIENT_ID)
        .startsWith("By=" + InboundFixture.SERVER_ID);
    assertThat(served.headers.get("x-forwarded-proto")).isEqualTo("https");
    assertThat(answer.get(10, TimeUnit.SECONDS))
        .startsWith("HTTP/1.1 200")
        // The client sent no peer metadata: as in Istio, only a mesh peer gets the server's.
        .doesNotContain("x-envoy-peer-metadata");
    assertThat(connections.get("test-server", InboundConnections.Transport.TLS)).isEqualTo(1);
    assertThat(paths.get("test-server", RequestPaths.Path.DIRECT)).isEqualTo(1);
    assertThat(
            fixture
                .scrape()
                .value(
                    "istio_requests_total",
                    "reporter",
                    "destination",
                    "response_code",
                    "200",
                    "source_principal",
                    InboundFixture.CLIENT_ID.toString(),
                    "connection_security_policy",
                    "mutual_tls"))
        .isEqualTo(1.0);
  }

  @Test
  void strictRefusesAPlaintextClient() throws Exception {
    listeners.put(server.getLocalPort(), InboundFixture.http(Mode.STRICT, HttpPolicy.ALLOW_ALL));
    CompletableFuture<String> answer = client(false);
    Served served = serveOne();
    // STRICT does not sniff: the mesh's TLS handshake meets a plaintext request and fails.
    assertThat(served.transport).isEqualTo(MeshInbound.TLS);
    assertThat(served.secured).isFalse();
    assertThat(answer.get(10, TimeUnit.SECONDS)).doesNotContain("served");
  }

  @Test
  void permissiveSniffsTlsAndPlaintextAndASilentClientIsPlaintext() throws Exception {
    listeners.put(
        server.getLocalPort(), InboundFixture.http(Mode.PERMISSIVE, HttpPolicy.ALLOW_ALL));
    CompletableFuture<String> plain = client(false);
    Served p = serveOne();
    assertThat(p.transport).isEqualTo(MeshInbound.PLAINTEXT);
    assertThat(p.headers).doesNotContainKey("x-forwarded-client-cert");
    assertThat(plain.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200");
    CompletableFuture<String> tls = client(true);
    assertThat(serveOne().transport).isEqualTo(MeshInbound.TLS);
    assertThat(tls.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200");

    MeshInbound silent = direct.accept("test-server", address(), address());
    assertThat(silent.sniff()).isTrue();
    assertThat(silent.transport(null, 0)).isEqualTo(MeshInbound.PLAINTEXT);
    assertThat(silent.transport(new byte[] {0x16}, 1)).isEqualTo(MeshInbound.NEED_MORE);
  }

  @Test
  void aDeniedRequestIsAnsweredByTheMeshAndRecordedWithItsStatus() throws Exception {
    HttpPolicy denyAll = r -> PolicyVerdict.deny(403, "RBAC: access denied", List.of());
    listeners.put(server.getLocalPort(), InboundFixture.http(Mode.PERMISSIVE, denyAll));
    CompletableFuture<String> answer = client(true);
    Served served = serveOne();
    assertThat(served.request.allowed()).isFalse();
    assertThat(answer.get(10, TimeUnit.SECONDS))
        .startsWith("HTTP/1.1 403")
        .endsWith("RBAC: access denied");
    assertThat(fixture.scrape().value("istio_requests_total", "response_code", "403"))
        .isEqualTo(1.0);
  }

  @Test
  void aTcpPortsConnectionPolicyCanRefuseThePeer() throws Exception {
    ConnectionPolicy nobody = c -> false;
    listeners.put(server.getLocalPort(), InboundFixture.tcp(Mode.STRICT, nobody));
    CompletableFuture<String> answer = client(true);
    Served served = serveOne();
    assertThat(served.secured).isTrue();
    assertThat(served.request).as("refused before any byte reaches the application").isNull();
    assertThat(answer.get(10, TimeUnit.SECONDS)).doesNotContain("served");
  }

  @Test
  void withoutConfigEveryConnectionIsRefused() {
    DirectInbound unconfigured =
        new DirectInbound(
            new EngineContext(
                null,
                () -> MeshSnapshot.EMPTY,
                null,
                () -> null,
                fixture.metrics,
                InboundFixture.SELF,
                null,
                fixture.loops),
            paths,
            connections,
            listeners::get,
            () -> false);
    MeshInbound in = unconfigured.accept("test-server", address(), address());
    assertThat(in).isSameAs(MeshHooks.REFUSING);
    assertThat(in.transport(null, 0)).isEqualTo(MeshInbound.REFUSE);
    assertThat(connections.get("test-server", InboundConnections.Transport.REFUSED)).isEqualTo(1);
  }

  private record Request(String method, String path, Map<String, String> headers)
      implements MeshRequest {
    @Override
    public String host() {
      return "reviews";
    }

    @Override
    public int port() {
      return 9080;
    }

    @Override
    public String header(String lowerCaseName) {
      return headers.get(lowerCaseName);
    }
  }
}
