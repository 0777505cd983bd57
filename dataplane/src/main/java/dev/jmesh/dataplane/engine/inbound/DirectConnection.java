package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.dataplane.engine.FirstBytes;
import dev.jmesh.dataplane.identity.SvidVerifier;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.policy.PeerConnection;
import dev.jmesh.dataplane.stats.InboundConnections;
import dev.jmesh.dataplane.stats.TcpConnection;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * One connection an application's server accepted on a direct-inbound port: the transport its first
 * bytes (or the port's mode) pick, the peer mutual TLS proved, and a {@link DirectRequest} per HTTP
 * request. Driven by one thread at a time (the connection's event loop or thread), as the engine
 * drives its own downstream connections.
 */
final class DirectConnection extends MeshInbound {

  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  private static final String[] HTTP1 = {"http/1.1"};
  private static final String[] HTTP2_AND_1 = {"h2", "http/1.1"};

  private final DirectInbound inbound;
  private final String library;
  private final TransportPlan plan;
  private final InetSocketAddress local;
  private final InetSocketAddress remote;
  private InboundChain chain;
  private DownstreamPeer peer;
  private InboundTraffic traffic;

  /** An admitted TCP connection's metrics; read by the threads that move its bytes. */
  private volatile TcpConnection tcp;

  DirectConnection(
      DirectInbound inbound,
      String library,
      TransportPlan plan,
      InetSocketAddress local,
      InetSocketAddress remote) {
    this.inbound = inbound;
    this.library = library;
    this.plan = plan;
    this.local = local;
    this.remote = remote;
  }

  /**
   * A connection the engine relays to a servlet container: its transport was settled by the engine,
   * so only the per-request policy remains; counted once as the library's connection.
   */
  static DirectConnection relayed(
      DirectInbound inbound, String library, InboundChain chain, DownstreamPeer peer) {
    PeerConnection c = peer.connection();
    TransportPlan settled =
        new TransportPlan(false, peer.tls() ? chain : null, peer.tls() ? null : chain);
    DirectConnection d = new DirectConnection(inbound, library, settled, c.local(), c.remote());
    d.chain = chain;
    d.settled(
        peer,
        peer.tls() ? InboundConnections.Transport.TLS : InboundConnections.Transport.PLAINTEXT);
    return d;
  }

  @Override
  public boolean sniff() {
    return plan.sniff();
  }

  @Override
  public long detectionTimeoutMillis() {
    return inbound.detectionTimeoutMillis();
  }

  @Override
  public int transport(byte[] first, int length) {
    InboundChain chosen;
    if (!plan.sniff()) {
      chosen = plan.direct();
    } else if (first == null || length <= 0) {
      // The client said nothing in time: a server-speaks-first protocol, in plaintext.
      chosen = plan.plaintextChain();
    } else {
      FirstBytes.Protocol p = FirstBytes.classify(first, 0, length);
      if (p == FirstBytes.Protocol.NEED_MORE && length < SNIFF_BYTES) {
        return NEED_MORE;
      }
      chosen = p == FirstBytes.Protocol.TLS ? plan.tlsChain() : plan.plaintextChain();
    }
    if (chosen == null || (chosen.tls() && inbound.serverTls() == null)) {
      MeshLog.debug("inbound " + local + ": no filter chain for " + remote + "; refused");
      inbound.connections().count(library, InboundConnections.Transport.REFUSED);
      return REFUSE;
    }
    chain = chosen;
    if (!chosen.tls()) {
      settled(DownstreamPeer.plaintext(remote, local), InboundConnections.Transport.PLAINTEXT);
      return PLAINTEXT;
    }
    return TLS;
  }

  @Override
  public SSLContext tls() {
    return inbound.serverTls();
  }

  @Override
  public SSLParameters tlsParameters() {
    SSLParameters p = new SSLParameters();
    p.setNeedClientAuth(true);
    p.setProtocols(PROTOCOLS);
    if (chain == null || chain.http()) {
      p.setApplicationProtocols(
          inbound.applicationSpeaksHttp2(local.getPort()) ? HTTP2_AND_1 : HTTP1);
    }
    return p;
  }

  @Override
  public boolean secured(SSLSession session) {
    WorkloadIdentity identity = inbound.identity();
    if (chain == null || !chain.tls() || identity == null || session == null) {
      return false;
    }
    try {
      Certificate[] certs = session.getPeerCertificates();
      X509Certificate leaf = (X509Certificate) certs[0];
      String principal = SvidVerifier.spiffeId(leaf).toString();
      settled(
          DownstreamPeer.mutualTls(
              remote, local, principal, leaf, identity.id().toString(), session),
          InboundConnections.Transport.TLS);
      return true;
    } catch (Exception e) {
      MeshLog.debug("inbound " + local + ": peer " + remote + " has no SPIFFE ID: " + e);
      inbound.connections().count(library, InboundConnections.Transport.REFUSED);
      return false;
    }
  }

  private void settled(DownstreamPeer settledPeer, InboundConnections.Transport transport) {
    peer = settledPeer;
    traffic = new InboundTraffic(inbound.context(), settledPeer);
    inbound.connections().count(library, transport);
  }

  @Override
  public boolean admitted() {
    if (peer == null || chain == null) {
      return false;
    }
    if (chain.http()) {
      return true;
    }
    boolean allowed;
    try {
      allowed = chain.connectionPolicy().allows(peer.connection());
    } catch (RuntimeException e) {
      MeshLog.warnOnce("direct-inbound-connection-policy", "inbound TCP policy failed: " + e);
      return false;
    }
    if (allowed) {
      // Istio's TCP metrics for the connection, as the engine's relay keeps them.
      tcp =
          inbound
              .context()
              .metrics()
              .tcpConnection(
                  traffic.edge(null).series(),
                  0,
                  "inbound|" + local.getPort() + "||",
                  local.getAddress().getHostAddress() + ":" + local.getPort());
    }
    return allowed;
  }

  @Override
  public void transferred(long sent, long received) {
    TcpConnection connection = tcp;
    if (connection != null) {
      connection.addBytes(sent, received);
    }
  }

  @Override
  public void closed() {
    TcpConnection connection = tcp;
    if (connection != null) {
      tcp = null;
      connection.closed(0, 0);
    }
  }

  @Override
  public boolean http() {
    return chain != null && chain.http();
  }

  @Override
  public MeshInboundRequest request(MeshRequest request) {
    if (peer == null || chain == null) {
      // The instrumentation skipped the transport: nothing vouches for the peer.
      return DirectRequest.refused(this, request);
    }
    return new DirectRequest(this, request);
  }

  DirectInbound inbound() {
    return inbound;
  }

  String library() {
    return library;
  }

  InboundChain chain() {
    return chain;
  }

  DownstreamPeer peer() {
    return peer;
  }

  InboundTraffic traffic() {
    return traffic;
  }

  InetSocketAddress local() {
    return local;
  }
}
