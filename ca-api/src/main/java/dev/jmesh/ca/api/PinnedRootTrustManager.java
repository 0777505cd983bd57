package dev.jmesh.ca.api;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server only when its chain contains a self-signed root whose SHA-256 fingerprint is
 * pinned (from a join token), then validates the chain to that root with the JDK's PKIX checks,
 * host name verification included. This is how a workload that knows nothing but its token verifies
 * the control plane on its first connection: the server sends its root in the chain, the token says
 * which root that must be.
 */
public final class PinnedRootTrustManager extends X509ExtendedTrustManager {
  private final Set<String> pins;

  public PinnedRootTrustManager(Collection<String> fingerprints) {
    if (fingerprints.isEmpty()) {
      throw new IllegalArgumentException("no root fingerprint to pin");
    }
    this.pins = Set.copyOf(fingerprints.stream().map(RootFingerprint::normalize).toList());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate(chain).checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate(chain).checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate(chain).checkServerTrusted(chain, authType);
  }

  private X509ExtendedTrustManager delegate(X509Certificate[] chain) throws CertificateException {
    X509Certificate root = null;
    for (X509Certificate c : chain) {
      if (pins.contains(RootFingerprint.of(c)) && isSelfSigned(c)) {
        root = c;
        break;
      }
    }
    if (root == null) {
      throw new CertificateException(
          "the control plane's certificate chain holds no root with"
              + " the pinned fingerprint ("
              + pins.stream().map(p -> p.substring(0, 16) + "…").toList()
              + "); the token was made for another CA, or the server is not ours");
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("pinned-root", root);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(store);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new CertificateException("the JDK offers no X509ExtendedTrustManager");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new CertificateException("cannot build a trust store for the pinned root", e);
    }
  }

  private static boolean isSelfSigned(X509Certificate c) {
    try {
      c.verify(c.getPublicKey());
      return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a pinned-root trust manager only checks servers");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a pinned-root trust manager only checks servers");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a pinned-root trust manager only checks servers");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
