package dev.jmesh.dataplane.policy;

import java.net.InetSocketAddress;

/**
 * What inbound policy knows of one downstream connection once its transport is settled.
 *
 * @param remote the peer's address as the engine accepted it (Envoy's {@code direct_remote_ip})
 * @param local the address the peer connected to (its port is {@code destination.port})
 * @param peerPrincipal the peer's SPIFFE ID ({@code spiffe://td/ns/x/sa/y}) verified by mutual TLS,
 *     {@code null} for plaintext or a peer without a certificate
 */
public record PeerConnection(
    InetSocketAddress remote, InetSocketAddress local, String peerPrincipal) {

  /** Whether the peer proved an identity with mutual TLS. */
  public boolean authenticated() {
    return peerPrincipal != null;
  }
}
