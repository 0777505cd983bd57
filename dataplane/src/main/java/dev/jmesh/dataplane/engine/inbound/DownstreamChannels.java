package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.engine.ConnectionIdle;
import dev.jmesh.dataplane.engine.FirstBytes;
import dev.jmesh.dataplane.engine.TcpPeerExchange;
import dev.jmesh.dataplane.engine.TcpPeerExchangeHandler;
import dev.jmesh.dataplane.identity.SvidVerifier;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.log.MeshLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * Builds a downstream pipeline once its chain is chosen: the idle timeout, mutual TLS when the
 * chain terminates it, then HTTP/1.1, HTTP/2 or a TCP relay.
 */
final class DownstreamChannels {

  private DownstreamChannels() {}

  static void install(ServedPort port, ChannelHandlerContext ctx, InboundChain chain) {
    ChannelPipeline p = ctx.pipeline();
    Duration idle = port.engine().limits().idleTimeout();
    if (idle.toNanos() > 0) {
      p.addLast("idle", new ConnectionIdle(idle));
    }
    if (chain.tls() || chain.http()) {
      // Only a plaintext TCP relay passes half-closes on.
      p.addLast("input-shutdown", new CloseOnInputShutdown());
    }
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
    if (!chain.tls()) {
      DownstreamPeer peer = DownstreamPeer.plaintext(remote, local);
      if (chain.http() && port.claimed()) {
        p.addLast("container", TcpProxy.forContainer(port, peer, chain));
      } else if (chain.http()) {
        p.addLast("http-version", new HttpVersionSniffer(port, chain, peer));
      } else {
        installTcp(port, p, chain, peer);
      }
      return;
    }
    WorkloadIdentity identity = port.engine().context().identity().get();
    if (identity == null || identity.current() == null) {
      MeshLog.warnOnce(
          "inbound-no-certificate",
          "inbound "
              + port.declared()
              + ": mutual TLS asked for before the workload has a"
              + " certificate; connections are refused until it has one");
      ctx.close();
      return;
    }
    SslHandler ssl;
    try {
      ssl =
          port.engine()
              .tls()
              .context(identity, chain.http(), port.applicationSpeaksHttp2())
              .newHandler(ctx.alloc());
    } catch (SSLException e) {
      MeshLog.warnOnce("inbound-tls-context", "inbound TLS context failed: " + e.getMessage());
      ctx.close();
      return;
    }
    // Netty's own default is 10 s too; set here so the setting governs it.
    ssl.setHandshakeTimeout(
        port.engine().limits().tlsHandshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    p.addLast("tls", ssl);
    p.addLast("tls-established", new TlsEstablished(port, chain, identity, remote, local));
  }

  static void installTcp(
      ServedPort port, ChannelPipeline p, InboundChain chain, DownstreamPeer peer) {
    if (!chain.connectionPolicy().allows(peer.connection())) {
      MeshLog.debug("inbound " + port.declared() + ": connection policy refused " + peer);
      p.channel().close();
      return;
    }
    p.addLast("tcp", new TcpProxy(port, peer, null));
  }

  /**
   * A TCP chain whose mTLS client chose ALPN {@code istio-peer-exchange}: this workload's prefix
   * goes out at once (so a protocol whose server speaks first does not wait on a peer that writes
   * its own prefix only once it has read something), the client's is read and stripped, and only
   * then is the application dialled, with the connection labelled by the peer.
   */
  static void installTcpExchange(
      ServedPort port, ChannelPipeline p, InboundChain chain, DownstreamPeer peer) {
    if (!chain.connectionPolicy().allows(peer.connection())) {
      MeshLog.debug("inbound " + port.declared() + ": connection policy refused " + peer);
      p.channel().close();
      return;
    }
    p.channel().writeAndFlush(Unpooled.wrappedBuffer(port.engine().tcpPeerPrefix()));
    p.addLast(
        "tcp-peer-exchange",
        new TcpPeerExchangeHandler(
            peer.principal(),
            "inbound " + port.declared(),
            source -> p.addAfter("tcp-peer-exchange", "tcp", new TcpProxy(port, peer, source))));
  }

  static void installHttp1(
      ServedPort port, ChannelPipeline p, InboundChain chain, DownstreamPeer peer) {
    InboundLimits limits = port.engine().limits();
    RequestHeadersGuard guard = new RequestHeadersGuard(limits.requestHeadersTimeout());
    p.addLast("request-guard", guard);
    p.addLast(
        "http1",
        new HttpServerCodec(
            new HttpDecoderConfig()
                .setMaxHeaderSize(limits.maxRequestHeadersBytes())
                .setMaxInitialLineLength(Math.min(limits.maxRequestHeadersBytes(), 16 * 1024))
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)));
    p.addLast("http1-exchange", new Http1Downstream(port, chain, peer, guard));
  }

  static void installHttp2(
      ServedPort port, ChannelPipeline p, InboundChain chain, DownstreamPeer peer) {
    Http2Downstream.install(port, p, chain, peer);
  }

  /**
   * Closes a connection whose client ended its input: every downstream channel allows half-closure
   * so that a plaintext TCP relay can pass it on, but TLS and HTTP connections do not.
   */
  private static final class CloseOnInputShutdown extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent
          || evt == ChannelInputShutdownReadComplete.INSTANCE) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }
  }

  /** Plaintext HTTP: tells HTTP/2 with prior knowledge (its preface) from HTTP/1.x. */
  private static final class HttpVersionSniffer extends ByteToMessageDecoder {
    private final ServedPort port;
    private final InboundChain chain;
    private final DownstreamPeer peer;

    HttpVersionSniffer(ServedPort port, InboundChain chain, DownstreamPeer peer) {
      this.port = port;
      this.chain = chain;
      this.peer = peer;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = Math.min(in.readableBytes(), 24);
      byte[] first = new byte[n];
      in.getBytes(in.readerIndex(), first);
      FirstBytes.Protocol protocol = FirstBytes.classify(first, 0, n);
      if (protocol == FirstBytes.Protocol.NEED_MORE && n < 24) {
        return;
      }
      if (protocol == FirstBytes.Protocol.HTTP2) {
        installHttp2(port, ctx.pipeline(), chain, peer);
      } else {
        installHttp1(port, ctx.pipeline(), chain, peer);
      }
      ctx.pipeline().remove(this);
    }
  }

  /**
   * Waits for the TLS handshake, then learns the peer's SPIFFE ID from its verified certificate and
   * installs the protocol ALPN chose. Bytes decrypted meanwhile are held and passed on.
   */
  private static final class TlsEstablished extends ByteToMessageDecoder {
    private final ServedPort port;
    private final InboundChain chain;
    private final WorkloadIdentity identity;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;

    TlsEstablished(
        ServedPort port,
        InboundChain chain,
        WorkloadIdentity identity,
        InetSocketAddress remote,
        InetSocketAddress local) {
      this.port = port;
      this.chain = chain;
      this.identity = identity;
      this.remote = remote;
      this.local = local;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A plaintext client on a STRICT port ends here (not a TLS record): closed, once logged.
      MeshLog.debug("inbound " + port.declared() + ": TLS from " + remote + " failed: " + cause);
      ctx.close();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      // Held until the handshake completes; this handler is then removed and passes them on.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (!(evt instanceof SslHandshakeCompletionEvent done)) {
        super.userEventTriggered(ctx, evt);
        return;
      }
      if (!done.isSuccess()) {
        MeshLog.debug(
            "inbound "
                + port.declared()
                + ": TLS handshake with "
                + remote
                + " failed: "
                + done.cause());
        ctx.close();
        return;
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      DownstreamPeer peer;
      try {
        SSLSession session = ssl.engine().getSession();
        Certificate[] chainCerts = session.getPeerCertificates();
        X509Certificate leaf = (X509Certificate) chainCerts[0];
        String principal = SvidVerifier.spiffeId(leaf).toString();
        peer =
            DownstreamPeer.mutualTls(
                remote, local, principal, leaf, identity.id().toString(), session);
      } catch (Exception e) {
        MeshLog.debug("inbound " + port.declared() + ": peer " + remote + " has no SPIFFE ID");
        ctx.close();
        return;
      }
      ChannelPipeline p = ctx.pipeline();
      if (!chain.http() && TcpPeerExchange.ALPN.equals(ssl.applicationProtocol())) {
        installTcpExchange(port, p, chain, peer);
      } else if (!chain.http()) {
        installTcp(port, p, chain, peer);
      } else if (port.claimed()) {
        p.addLast("container", TcpProxy.forContainer(port, peer, chain));
      } else if (ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
        installHttp2(port, p, chain, peer);
      } else {
        // No ALPN (a client that offers none, such as a TLS origination without it) says
        // nothing about the protocol: HTTP/2 with prior knowledge is told by its preface.
        p.addLast("http-version", new HttpVersionSniffer(port, chain, peer));
      }
      if (ctx.channel().isActive()) {
        p.remove(this);
      }
    }
  }
}
