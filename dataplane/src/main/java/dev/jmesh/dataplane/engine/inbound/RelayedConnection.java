package dev.jmesh.dataplane.engine.inbound;

/**
 * What the engine knows of one downstream connection whose decrypted bytes it relays 1:1 to a
 * servlet container on a claimed port: the peer the transport proved and the inbound chain it
 * settled on ({@code null} for a TCP relay, whose bytes nobody checks as HTTP requests). The
 * container's instrumentation finds it by the relay's loopback address and runs the chain's HTTP
 * policy per request ({@link DirectConnection}, built once on first use).
 */
final class RelayedConnection {

  private final DownstreamPeer peer;
  private final InboundChain chain;
  private volatile DirectConnection served;

  RelayedConnection(DownstreamPeer peer, InboundChain chain) {
    this.peer = peer;
    this.chain = chain;
  }

  DownstreamPeer peer() {
    return peer;
  }

  InboundChain chain() {
    return chain;
  }

  /**
   * The connection as the container's requests see it; two threads racing here build two equal
   * ones, which is harmless (one of them counts the connection twice).
   */
  DirectConnection served(DirectInbound inbound, String library) {
    DirectConnection c = served;
    if (c == null) {
      c = DirectConnection.relayed(inbound, library, chain, peer);
      served = c;
    }
    return c;
  }
}
