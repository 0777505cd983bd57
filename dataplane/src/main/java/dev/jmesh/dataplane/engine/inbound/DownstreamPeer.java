package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.policy.PeerConnection;
import dev.jmesh.dataplane.record.ConnectionSecurityPolicy;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;

/**
 * What the engine knows of a downstream once its transport is settled: its addresses, whether it
 * came over mutual TLS and with which SPIFFE ID, and the {@code x-forwarded-client-cert} value
 * Envoy would give the application for it. Immutable, one per connection.
 *
 * @param connection what policy sees
 * @param tls whether mutual TLS was terminated
 * @param clientCert the XFCC value, {@code null} for plaintext
 * @param serverName the SNI the peer sent in its TLS handshake, {@code null} for none
 * @param remoteAddress the address {@code x-forwarded-for} gains, formatted once per connection
 */
record DownstreamPeer(
    PeerConnection connection,
    boolean tls,
    String clientCert,
    String serverName,
    String remoteAddress) {

  static DownstreamPeer plaintext(InetSocketAddress remote, InetSocketAddress local) {
    return new DownstreamPeer(
        new PeerConnection(remote, local, null), false, null, null, addressOf(remote));
  }

  /** A mutual-TLS peer whose verified leaf is {@code peerLeaf} with SPIFFE ID {@code principal}. */
  static DownstreamPeer mutualTls(
      InetSocketAddress remote,
      InetSocketAddress local,
      String principal,
      X509Certificate peerLeaf,
      String self,
      SSLSession session) {
    String xfcc = "By=" + self + ";Hash=" + sha256Hex(peerLeaf) + ";URI=" + principal;
    return new DownstreamPeer(
        new PeerConnection(remote, local, principal),
        true,
        xfcc,
        serverName(session),
        addressOf(remote));
  }

  /** The host name the client asked for (SNI), read once per connection for the access log. */
  static String serverName(SSLSession session) {
    if (!(session instanceof ExtendedSSLSession extended)) {
      return null;
    }
    try {
      for (SNIServerName name : extended.getRequestedServerNames()) {
        if (name instanceof SNIHostName host) {
          return host.getAsciiName();
        }
      }
    } catch (UnsupportedOperationException e) {
      // A TLS provider that does not keep the requested names: the log shows none.
    }
    return null;
  }

  String principal() {
    return connection.peerPrincipal();
  }

  ConnectionSecurityPolicy securityPolicy() {
    return tls ? ConnectionSecurityPolicy.MUTUAL_TLS : ConnectionSecurityPolicy.NONE;
  }

  private static String addressOf(InetSocketAddress remote) {
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
