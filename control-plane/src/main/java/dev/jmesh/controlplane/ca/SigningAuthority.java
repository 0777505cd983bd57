package dev.jmesh.controlplane.ca;

import dev.jmesh.ca.api.RootFingerprint;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The certificate that signs workload certificates, its key, and the chain from it up to its
 * root — Istio's {@code ca-cert.pem}, {@code ca-key.pem}, {@code cert-chain.pem} and
 * {@code root-cert.pem}. For a root jmesh generated, the signing certificate is the root.
 * Immutable.
 */
public final class SigningAuthority {
  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final X509Certificate root;

  /**
   * @param chain the signing certificate first, then whatever {@code cert-chain.pem} holds up
   *     to the root
   */
  SigningAuthority(PrivateKey key, List<X509Certificate> chain, X509Certificate root)
      throws GeneralSecurityException {
    if (chain.isEmpty()) {
      throw new GeneralSecurityException("the CA certificate chain is empty");
    }
    X509Certificate ca = chain.get(0);
    if (ca.getBasicConstraints() < 0) {
      throw new GeneralSecurityException("ca-cert.pem (" + ca.getSubjectX500Principal()
          + ") is not a CA certificate (basicConstraints CA:FALSE)");
    }
    boolean[] usage = ca.getKeyUsage();
    if (usage != null && !usage[5]) {
      throw new GeneralSecurityException("ca-cert.pem (" + ca.getSubjectX500Principal()
          + ") may not sign certificates (keyUsage lacks keyCertSign)");
    }
    if (!KeyPairs.matches(key, ca.getPublicKey())) {
      throw new GeneralSecurityException("ca-key.pem is not the key of ca-cert.pem ("
          + ca.getSubjectX500Principal() + ")");
    }
    for (int i = 0; i + 1 < chain.size(); i++) {
      chain.get(i).verify(chain.get(i + 1).getPublicKey());
    }
    X509Certificate last = chain.get(chain.size() - 1);
    if (!last.equals(root)) {
      last.verify(root.getPublicKey());
    }
    this.key = KeyPairs.forSigning(key);
    this.root = root;
    List<X509Certificate> full = new ArrayList<>(chain);
    if (!last.equals(root)) {
      full.add(root);
    }
    this.chain = List.copyOf(full);
  }

  PrivateKey key() {
    return key;
  }

  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The signing certificate up to and including the root. */
  public List<X509Certificate> chain() {
    return chain;
  }

  public X509Certificate root() {
    return root;
  }

  public String rootFingerprint() {
    return RootFingerprint.of(root);
  }

  /** True for a root jmesh (or an operator) made to sign workloads directly. */
  public boolean selfSigned() {
    return chain.size() == 1;
  }

  @Override
  public String toString() {
    return "SigningAuthority{" + certificate().getSubjectX500Principal() + ", root sha256:"
        + rootFingerprint() + "}";
  }
}
