package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHooks;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.net.SocketAddress;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * The mesh's mTLS on a direct connection: when a Netty channel connects to an endpoint the direct
 * path picked and the mesh secures it, an {@code SslHandler} made from the mesh's context goes
 * first in the channel's pipeline, under everything the client put there. The client still speaks
 * cleartext HTTP ({@code http://}); its own TLS stays off. No host name check: the context's trust
 * manager checks the server's SPIFFE ID.
 */
public final class ChannelTls {

  /** The handler's name; not Reactor Netty's own, so the client does not take it for its TLS. */
  static final String NAME = "jmesh.tls";

  private ChannelTls() {}

  /**
   * Whether Reactor Netty made the channel (its initializer, which runs at registration, before
   * the connect, names its handlers {@code reactor.*}). Other Netty clients that connect to mesh
   * endpoints bring their own mesh TLS (grpc-netty's negotiator) or none: a second TLS layer here
   * would break them.
   */
  private static boolean isReactorNetty(Channel channel) {
    for (String name : channel.pipeline().names()) {
      if (name.startsWith("reactor.")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A channel's {@code doConnect} entry, on its event loop before the connection exists. Throws
   * (failing the connect) rather than leave an endpoint the mesh secures in plaintext.
   */
  public static void connecting(Channel channel, SocketAddress remote) throws java.io.IOException {
    if (!(remote instanceof MeshEndpointAddress) || !isReactorNetty(channel)) {
      return;
    }
    MeshEndpointAddress endpoint = (MeshEndpointAddress) remote;
    SSLContext tls = MeshHooks.tlsFor(endpoint);
    if (tls == null || channel.pipeline().get(NAME) != null) {
      return;
    }
    SSLEngine engine = tls.createSSLEngine(endpoint.literal(), endpoint.getPort());
    engine.setUseClientMode(true);
    // Added before the channel is active: the handler starts its handshake on channelActive and
    // holds the client's writes until it is done.
    channel.pipeline().addFirst(NAME, new SslHandler(engine));
  }
}
