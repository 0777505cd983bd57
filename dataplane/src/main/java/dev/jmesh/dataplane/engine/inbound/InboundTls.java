package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.engine.TcpPeerExchange;
import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.Svid;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLException;

/**
 * The server TLS contexts of the inbound side, built once per certificate and rebuilt when the
 * identity rotates to a new {@link Svid}: one offering ALPN {@code h2} and {@code http/1.1} for
 * HTTP ports, one offering only {@code istio-peer-exchange} for TCP ports (Istio's TCP metadata
 * exchange; a client offering no ALPN or another one is still served, without the exchange), all
 * {@link MeshTls#server}'s (client certificate required, SPIFFE verification, TLS 1.3 and 1.2).
 * Lock-free: a racing rebuild costs one spare context.
 */
final class InboundTls {

  private static final ApplicationProtocolConfig HTTP_ALPN =
      new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          ApplicationProtocolNames.HTTP_2,
          ApplicationProtocolNames.HTTP_1_1);

  /** For an application that speaks HTTP/1.1 only: h2 from the client would have nowhere to go. */
  private static final ApplicationProtocolConfig HTTP1_ALPN =
      new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          ApplicationProtocolNames.HTTP_1_1);

  /** Selected only when the client offers it; any other client still connects, with no ALPN. */
  private static final ApplicationProtocolConfig TCP_ALPN =
      new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          TcpPeerExchange.ALPN);

  private record Contexts(
      WorkloadIdentity identity, Svid svid, SslContext http, SslContext http1, SslContext tcp) {}

  private final MeshTls.Provider provider;
  private volatile Contexts contexts;

  InboundTls(MeshTls.Provider provider) {
    this.provider = provider == null ? MeshTls.Provider.JDK : provider;
  }

  /**
   * The context for a chain of an HTTP or TCP port; the identity must have its certificate. An HTTP
   * port offers {@code h2} by ALPN only when its application speaks HTTP/2 ({@code
   * http2Application}): the engine hands HTTP/2 streams on as HTTP/2.
   */
  SslContext context(WorkloadIdentity identity, boolean http, boolean http2Application)
      throws SSLException {
    Svid svid = identity.current();
    Contexts c = contexts;
    if (c == null || c.identity != identity || c.svid != svid) {
      c =
          new Contexts(
              identity,
              svid,
              build(identity, HTTP_ALPN),
              build(identity, HTTP1_ALPN),
              build(identity, TCP_ALPN));
      contexts = c;
    }
    if (!http) {
      return c.tcp;
    }
    return http2Application ? c.http : c.http1;
  }

  private SslContext build(WorkloadIdentity identity, ApplicationProtocolConfig alpn)
      throws SSLException {
    return MeshTls.server(identity, provider, alpn);
  }
}
