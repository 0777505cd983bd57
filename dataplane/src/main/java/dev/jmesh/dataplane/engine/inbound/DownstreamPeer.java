package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.policy.PeerConnection;
import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * What the engine knows of a downstream once its transport is settled: its addresses, whether it
 * came over mutual TLS and with which SPIFFE ID, and the {@code x-forwarded-client-cert} value
 * Envoy would give the application for it. Immutable, one per connection.
 *
 * @param connection what policy sees
 * @param tls whether mutual TLS was terminated
 * @param clientCert the XFCC value, {@code null} for plaintext
 */
record DownstreamPeer(PeerConnection connection, boolean tls, String clientCert) {

  static DownstreamPeer plaintext(InetSocketAddress remote, InetSocketAddress local) {
    return new DownstreamPeer(new PeerConnection(remote, local, null), false, null);
  }

  /** A mutual-TLS peer whose verified leaf is {@code peerLeaf} with SPIFFE ID {@code principal}. */
  static DownstreamPeer mutualTls(
      InetSocketAddress remote,
      InetSocketAddress local,
      String principal,
      X509Certificate peerLeaf,
      String self) {
    String xfcc = "By=" + self + ";Hash=" + sha256Hex(peerLeaf) + ";URI=" + principal;
    return new DownstreamPeer(new PeerConnection(remote, local, principal), true, xfcc);
  }

  String principal() {
    return connection.peerPrincipal();
  }

  ConnectionSecurityPolicy securityPolicy() {
    return tls ? ConnectionSecurityPolicy.MUTUAL_TLS : ConnectionSecurityPolicy.NONE;
  }

  /** The address {@code x-forwarded-for} gains. */
  String remoteAddress() {
    InetSocketAddress remote = connection.remote();
    return remote.getAddress() != null
        ? remote.getAddress().getHostAddress()
        : remote.getHostString();
  }

  String scheme() {
    return tls ? "https" : "http";
  }

  private static String sha256Hex(X509Certificate cert) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot hash the peer certificate", e);
    }
  }
}
