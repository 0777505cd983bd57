package dev.jmesh.dataplane.identity;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a TLS peer by its SPIFFE identity: the chain must verify against the trust bundle in force
 * at the handshake (read on every handshake, so a rotated bundle applies to the next connection)
 * and the peer's SPIFFE ID must be one {@code allowed} accepts — for a client, the identities the
 * cluster names; for a server, any identity of the trust domain, leaving the decision to
 * authorization. Never a host name check.
 */
public final class SpiffeTrustManager extends X509ExtendedTrustManager {

  private final Supplier<TrustBundle> bundle;
  private final Predicate<SpiffeId> allowed;

  public SpiffeTrustManager(Supplier<TrustBundle> bundle, Predicate<SpiffeId> allowed) {
    this.bundle = bundle;
    this.allowed = allowed;
  }

  /** Verifies a peer chain and returns its identity. */
  public SpiffeId verify(X509Certificate[] chain) throws CertificateException {
    TrustBundle current = bundle.get();
    if (current == null) {
      throw new CertificateException("no trust bundle yet: the workload has no identity");
    }
    SpiffeId id = SvidVerifier.verify(chain, current, new Date());
    if (!allowed.test(id)) {
      throw new CertificateException("peer " + id + " is not an identity this connection accepts");
    }
    return id;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    TrustBundle current = bundle.get();
    return current == null
        ? new X509Certificate[0]
        : current.roots().toArray(new X509Certificate[0]);
  }
}
