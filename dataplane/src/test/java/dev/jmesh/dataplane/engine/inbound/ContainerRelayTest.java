package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.stats.InboundConnections;
import dev.jmesh.dataplane.stats.RequestPaths;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A port a servlet container claimed, over real loopback sockets: the engine settles mTLS, then
 * relays the decrypted bytes to the application untouched, and registers the loopback connection as
 * carrying the downstream peer for exactly as long as it is open; the container finds the peer by
 * the request's remote address and runs the chain's HTTP policy with it.
 */
class ContainerRelayTest {

  private static final String GET =
      "GET /reviews HTTP/1.1\r\nHost: reviews\r\n"
          + "X-Forwarded-Client-Cert: URI=spiffe://evil/sa/x\r\n\r\n";

  private final InboundFixture fixture;
  private final DirectInbound direct;
  private final EchoApp app;

  ContainerRelayTest() throws Exception {
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
    direct =
        new DirectInbound(
            context,
            new RequestPaths(),
            new InboundConnections(),
            fixture.listeners::get,
            () -> true,
            fixture.engine);
    app = new EchoApp();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
    app.close();
  }

  /** Denies {@code /admin}, lets everything else in. */
  private static final HttpPolicy NO_ADMIN =
      request ->
          request.path().startsWith("/admin")
              ? PolicyVerdict.deny(403, "RBAC: access denied", List.of())
              : PolicyVerdict.CONTINUE;

  private InboundPort claimedPort(Mode mode) throws Exception {
    InboundPort port = fixture.serve(app.address(), InboundFixture.http(mode, NO_ADMIN));
    // The container's first request claims the port; it came through the engine: left alone.
    assertThat(direct.container("servlet", app.address().getPort(), "127.0.0.1", 1)).isNull();
    return port;
  }

  /** What the container asks for a request from {@code remote} to the application's port. */
  private MeshInbound container(InetSocketAddress remote) {
    return direct.container(
        "servlet", app.address().getPort(), remote.getAddress().getHostAddress(), remote.getPort());
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }

  @Test
  void aClaimedPortRelaysDecryptedBytesAndTheContainerFindsThePeerByTheLoopbackAddress()
      throws Exception {
    InboundPort port = claimedPort(Mode.STRICT);
    try (SSLSocket s = InboundFixture.tlsClient(port.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, GET);
      assertThat(r.status()).isEqualTo(200);
      // Byte for byte: the engine parsed nothing, so the client's own XFCC reached the app.
      assertThat(r.header("seen-xfcc")).isEqualTo("URI=spiffe://evil/sa/x");
      InetSocketAddress relay = loopback(Integer.parseInt(r.header("seen-remote-port")));
      assertThat(fixture.engine.relayed().size()).isEqualTo(1);

      MeshInbound inbound = container(relay);
      assertThat(inbound).isNotNull().isNotSameAs(MeshHooks.REFUSING);
      assertThat(inbound.http()).isTrue();

      MeshInboundRequest allowed = inbound.request(request("/reviews"));
      assertThat(allowed.allowed()).isTrue();
      Map<String, String> headers = new HashMap<>();
      headers.put("x-forwarded-client-cert", "URI=spiffe://evil/sa/x");
      allowed.requestHeaders(headers(headers));
      assertThat(headers.get("x-forwarded-client-cert"))
          .startsWith("By=" + InboundFixture.SERVER_ID)
          .endsWith("URI=" + InboundFixture.CLIENT_ID);
      assertThat(headers.get("x-forwarded-proto")).isEqualTo("https");

      MeshInboundRequest denied = inbound.request(request("/admin"));
      assertThat(denied.allowed()).isFalse();
      assertThat(denied.replyStatus()).isEqualTo(403);
    }
  }

  @Test
  void nothingOfARelayedConnectionIsHeldAfterItClosesAndItsLateRequestsAreRefused()
      throws Exception {
    InboundPort port = claimedPort(Mode.PERMISSIVE);
    InetSocketAddress last = null;
    for (int i = 0; i < 20; i++) {
      try (Socket s = InboundFixture.plainClient(port.declared())) {
        RawHttp.Response r = RawHttp.exchange(s, GET);
        assertThat(r.status()).isEqualTo(200);
        last = loopback(Integer.parseInt(r.header("seen-remote-port")));
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> fixture.engine.relayed().size() == 0);
    assertThat(fixture.engine.isEngineConnection(last)).isFalse();
    // A request the container still reads after the engine closed its connection: refused.
    assertThat(container(last)).isSameAs(MeshHooks.REFUSING);
  }

  @Test
  void connectionsOpenedBeforeTheClaimKeepTheEngineHttpPipeline() throws Exception {
    InboundPort port = fixture.serve(app.address(), InboundFixture.http(Mode.DISABLE, NO_ADMIN));
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response first = RawHttp.exchange(s, "GET /admin HTTP/1.1\r\nHost: reviews\r\n\r\n");
      // Not yet claimed: the engine's own pipeline refused it.
      assertThat(first.status()).isEqualTo(403);
      RawHttp.Response r = RawHttp.exchange(s, GET);
      assertThat(r.header("seen-xfcc")).isEqualTo("null");
      InetSocketAddress pooled = loopback(Integer.parseInt(r.header("seen-remote-port")));
      // The claim; the engine's pooled connection is checked by the engine: left alone.
      assertThat(container(pooled)).isNull();
      assertThat(container(pooled)).isNull();
      assertThat(fixture.engine.relayed().size()).isZero();
    }
    // A new connection is relayed.
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, "GET /admin HTTP/1.1\r\nHost: reviews\r\n\r\n");
      assertThat(r.status()).as("the container, not the engine, checks it now").isEqualTo(200);
      assertThat(fixture.engine.relayed().size()).isEqualTo(1);
    }
  }

  @Test
  void requestsTheEngineRelayedAsOpaqueTcpBytesAreRefusedOnceThePortIsClaimed() throws Exception {
    // An HTTP port accepted before its listener said so: the engine relays TCP, checking nothing.
    InboundPort port =
        fixture.serve(app.address(), InboundFixture.tcp(Mode.DISABLE, ConnectionPolicy.ALLOW_ALL));
    assertThat(direct.container("servlet", app.address().getPort(), "127.0.0.1", 1)).isNull();
    try (Socket s = InboundFixture.plainClient(port.declared())) {
      RawHttp.Response r = RawHttp.exchange(s, GET);
      InetSocketAddress tcp = loopback(Integer.parseInt(r.header("seen-remote-port")));
      assertThat(container(tcp)).isSameAs(MeshHooks.REFUSING);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> fixture.engine.relayed().size() == 0);
  }

  @Test
  void aPortNoEngineServesIsLeftAlone() throws Exception {
    fixture.serve(app.address(), InboundFixture.http(Mode.STRICT, NO_ADMIN));
    assertThat(direct.container("servlet", 1, "127.0.0.1", 2)).isNull();
  }

  @Test
  void aReleaseLeavesAnEntryThatAReusedAddressCarriesNow() {
    RelayedConnections registry = new RelayedConnections();
    InetSocketAddress address = loopback(40000);
    RelayedConnection old =
        new RelayedConnection(DownstreamPeer.plaintext(loopback(1), loopback(2)), null);
    RelayedConnection reused =
        new RelayedConnection(DownstreamPeer.plaintext(loopback(3), loopback(2)), null);
    registry.carry(address, old);
    registry.carry(address, reused);
    registry.release(address, old);
    assertThat(registry.find(address)).isSameAs(reused);
    registry.release(address, reused);
    assertThat(registry.find(address)).isNull();
    assertThat(registry.size()).isZero();
  }

  private static MeshRequest request(String path) {
    return new MeshRequest() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public String host() {
        return "reviews";
      }

      @Override
      public int port() {
        return 80;
      }

      @Override
      public String path() {
        return path;
      }

      @Override
      public String header(String lowerCaseName) {
        return null;
      }
    };
  }

  private static MeshHeaders headers(Map<String, String> map) {
    return new MeshHeaders() {
      @Override
      public boolean contains(String name) {
        return map.containsKey(name);
      }

      @Override
      public void set(String name, String value) {
        map.put(name, value);
      }

      @Override
      public void add(String name, String value) {
        map.merge(name, value, (a, b) -> a + "," + b);
      }

      @Override
      public void remove(String name) {
        map.remove(name);
      }
    };
  }
}
