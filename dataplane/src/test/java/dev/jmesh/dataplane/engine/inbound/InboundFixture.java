package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.DownstreamTls;
import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.config.InboundListener.Chain;
import dev.jmesh.dataplane.config.InboundListener.TransportProtocol;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.SpiffeId;
import dev.jmesh.dataplane.identity.TestCa;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.route.RouteTable;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.PrometheusText;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An inbound engine on one event loop with listeners the test sets per port, workload identities
 * from a test CA, and the peer's TLS client.
 */
final class InboundFixture implements AutoCloseable {

  static final SpiffeId SERVER_ID = SpiffeId.workload("cluster.local", "default", "reviews");
  static final SpiffeId CLIENT_ID = SpiffeId.workload("cluster.local", "default", "productpage");
  static final WorkloadLabels SELF =
      WorkloadLabels.builder()
          .workload("reviews-v1")
          .namespace("default")
          .app("reviews")
          .version("v1")
          .principal(SERVER_ID.toString())
          .build();

  /** A JWT as a client sends it, and its payload segment as the policy forwards it. */
  static final String TOKEN_PAYLOAD = "eyJpc3MiOiJpc3N1ZXIiLCJzdWIiOiJhbGljZSJ9";

  static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9." + TOKEN_PAYLOAD + ".c2lnbmF0dXJl";

  /**
   * The verdict JwtAuthnFilter reaches for a verified token that is not forwarded (Istio's default,
   * {@code forwardOriginalToken: false}) with {@code outputPayloadToHeader: x-jwt-payload}: the
   * token's header taken from the request, the payload set in its own.
   */
  static final HttpPolicy TAKES_TOKEN =
      request ->
          new PolicyVerdict(
              true,
              0,
              null,
              List.of(Map.entry("x-jwt-payload", TOKEN_PAYLOAD)),
              List.of(),
              "issuer/alice",
              List.of("authorization"),
              false);

  enum Mode {
    STRICT,
    PERMISSIVE,
    DISABLE
  }

  private static TestCa ca;
  private static WorkloadIdentity server;
  private static WorkloadIdentity client;

  final EngineLoops loops = new EngineLoops(1);
  final IstioMetrics metrics = new IstioMetrics();
  final Map<Integer, InboundListener> listeners = new ConcurrentHashMap<>();
  final InboundEngine engine;

  InboundFixture(InboundLimits limits) throws Exception {
    this(limits, null);
  }

  /**
   * With the workload's {@code settings}: their {@code servicePorts} tell which applications speak
   * HTTP/2 (an engine without settings takes every application for one that does).
   */
  InboundFixture(InboundLimits limits, MeshSettings settings) throws Exception {
    WorkloadIdentity identity = serverIdentity();
    EngineContext context =
        new EngineContext(
            settings, () -> MeshSnapshot.EMPTY, null, () -> identity, metrics, SELF, null, loops);
    engine = new InboundEngine(context, limits, listeners::get);
  }

  static synchronized WorkloadIdentity serverIdentity() throws Exception {
    if (server == null) {
      ca = new TestCa("inbound test root");
      server = identity(SERVER_ID);
      client = identity(CLIENT_ID);
    }
    return server;
  }

  /** {@link #serverIdentity()} for a supplier, which may not throw. */
  static WorkloadIdentity serverIdentityQuietly() {
    try {
      return serverIdentity();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static synchronized WorkloadIdentity clientIdentity() throws Exception {
    serverIdentity();
    return client;
  }

  private static WorkloadIdentity identity(SpiffeId id) throws Exception {
    WorkloadIdentity identity = new WorkloadIdentity(id, ca.signer(id.toString(), 3_600_000), 3600);
    identity.updateTrustBundle(ca.bundle("cluster.local"));
    identity.start();
    assertThat(identity.awaitFirst(10, TimeUnit.SECONDS)).isTrue();
    return identity;
  }

  /** Takes over an ephemeral port for the application at {@code app}, with {@code listener}. */
  InboundPort serve(InetSocketAddress app, InboundListener listener) throws Exception {
    InboundPort port = engine.takeOver(new InetSocketAddress("127.0.0.1", 0), app);
    if (listener != null) {
      listeners.put(port.declared().getPort(), listener);
    }
    return port;
  }

  static InboundListener http(Mode mode, HttpPolicy policy) {
    RouteTable routes = new RouteTable("inbound|http", List.of());
    return listener(mode, routes, null, policy, null);
  }

  static InboundListener tcp(Mode mode, ConnectionPolicy policy) {
    return listener(mode, null, "inbound|tcp||", null, policy);
  }

  private static InboundListener listener(
      Mode mode, RouteTable routes, String cluster, HttpPolicy http, ConnectionPolicy tcp) {
    DownstreamTls tls = new DownstreamTls("default", "default", "default", "ROOTCA", true);
    Chain mtls = new Chain("inbound-mtls", TransportProtocol.TLS, tls, routes, cluster, http, tcp);
    Chain plain =
        new Chain(
            "inbound-plaintext",
            mode == Mode.DISABLE ? TransportProtocol.ANY : TransportProtocol.RAW_BUFFER,
            null,
            routes,
            cluster,
            http,
            tcp);
    return switch (mode) {
      case STRICT -> new InboundListener("inbound", "127.0.0.1", 0, false, List.of(mtls));
      case PERMISSIVE -> new InboundListener("inbound", "127.0.0.1", 0, true, List.of(mtls, plain));
      case DISABLE -> new InboundListener("inbound", "127.0.0.1", 0, false, List.of(plain));
    };
  }

  /** A mutual-TLS client socket presenting the client workload's SVID. */
  static SSLSocket tlsClient(InetSocketAddress to) throws Exception {
    SSLContext tls = MeshTls.jdk(clientIdentity(), id -> true);
    SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket();
    socket.connect(to, 5_000);
    socket.setSoTimeout(5_000);
    socket.startHandshake();
    return socket;
  }

  static Socket plainClient(InetSocketAddress to) throws Exception {
    Socket socket = new Socket();
    socket.connect(to, 5_000);
    socket.setSoTimeout(5_000);
    return socket;
  }

  /**
   * Waits (at most 5 s) until the engine's metrics have exactly one of {@code metric} with {@code
   * labels} (name, value pairs): a record is counted just after the response leaves.
   */
  void awaitOne(String metric, String... labels) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> scrape().find(metric, labels).orElse(0.0) == 1.0);
  }

  dev.jmesh.testing.PrometheusText scrape() {
    StringBuilder out = new StringBuilder();
    metrics.writeTo(new PrometheusText(out));
    return dev.jmesh.testing.PrometheusText.parseStrict(out.toString());
  }

  @Override
  public void close() {
    engine.close();
    loops.close();
  }
}
