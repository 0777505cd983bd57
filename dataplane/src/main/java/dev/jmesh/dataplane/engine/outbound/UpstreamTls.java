package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.engine.TcpPeerExchange;
import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.ServerIdentities;
import dev.jmesh.dataplane.identity.SpiffeId;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.log.MeshLog;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * How the engine secures a connection to an upstream host, from the cluster's (or the host's
 * matched) {@code UpstreamTlsContext}: Istio's ISTIO_MUTUAL shape presents the workload's SVID and
 * accepts only servers whose SPIFFE ID one of the context's SAN matchers takes. Contexts are built
 * once per TLS config and identity (a Netty context reads the identity's current certificate at
 * each handshake, so rotations need no rebuild) and shared by every event loop.
 */
final class UpstreamTls {

  /**
   * The TLS of a connection: {@link #PLAINTEXT}, a client context with its SNI, or {@link
   * #NO_IDENTITY} when mTLS is configured and the workload has no certificate — the request then
   * fails rather than leave in the clear. Pools key connections by this object's identity.
   */
  static final class Choice {
    final SslContext context;
    final String sni;

    /**
     * The same, offering ALPN {@code istio-peer-exchange} then {@code istio}: for TCP proxy
     * connections, which exchange peer metadata when the server accepts (Istio's TCP metadata
     * exchange), as Istio's sidecars offer it on TCP clusters.
     */
    final SslContext tcpContext;

    Choice(SslContext context, String sni) {
      this(context, context, sni);
    }

    Choice(SslContext context, SslContext tcpContext, String sni) {
      this.context = context;
      this.tcpContext = tcpContext;
      this.sni = sni;
    }

    boolean secure() {
      return context != null;
    }
  }

  private static final ApplicationProtocolConfig TCP_ALPN =
      new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          TcpPeerExchange.ALPN,
          TcpPeerExchange.ALPN_ISTIO);

  static final Choice PLAINTEXT = new Choice(null, null);
  static final Choice NO_IDENTITY = new Choice(null, null);
  static final Choice BROKEN = new Choice(null, null);

  private final Supplier<WorkloadIdentity> identity;
  private final MeshTls.Provider provider;
  private final ConcurrentHashMap<UpstreamTlsContext, Built> built = new ConcurrentHashMap<>();

  UpstreamTls(Supplier<WorkloadIdentity> identity, MeshTls.Provider provider) {
    this.identity = identity;
    this.provider = provider == null ? MeshTls.Provider.JDK : provider;
  }

  private record Built(WorkloadIdentity identity, Choice choice) {}

  /** The TLS for {@code tls} ({@code null}: plaintext). */
  Choice choose(UpstreamTlsContext tls) {
    if (tls == null) {
      return PLAINTEXT;
    }
    WorkloadIdentity id = identity.get();
    if (id == null) {
      MeshLog.warnOnce(
          "outbound-mtls-no-identity",
          "an upstream cluster requires mTLS but this workload has no certificate yet: its"
              + " requests fail (503 UF) instead of leaving in plaintext; check the join token");
      return NO_IDENTITY;
    }
    Built b = built.get(tls);
    if (b != null && b.identity == id) {
      return b.choice;
    }
    Choice c = build(tls, id);
    built.put(tls, new Built(id, c));
    return c;
  }

  private Choice build(UpstreamTlsContext tls, WorkloadIdentity id) {
    try {
      Predicate<SpiffeId> allowed = ServerIdentities.allowed(tls.getCommonTlsContext());
      SslContext context = MeshTls.client(id, allowed, provider);
      SslContext tcpContext = MeshTls.client(id, allowed, provider, TCP_ALPN);
      return new Choice(context, tcpContext, tls.getSni().isEmpty() ? null : tls.getSni());
    } catch (SSLException | RuntimeException e) {
      MeshLog.warnOnce(
          "outbound-tls-context:" + e.getMessage(),
          "cannot build the upstream TLS context (" + e + "): requests needing it fail (503 UF)");
      return BROKEN;
    }
  }
}
