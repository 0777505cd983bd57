package dev.jmesh.controlplane.ca;

import dev.jmesh.controlplane.ca.IssuanceRefused.Reason;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Reads a PEM CSR and proves its sender holds the key: the CSR's signature must verify with
 * the key it carries. Only that key is taken from the CSR; its subject and SANs are ignored,
 * because the identity comes from who the caller authenticated as.
 */
final class CertificateRequestCheck {
  private static final JcaContentVerifierProviderBuilder VERIFIERS =
      new JcaContentVerifierProviderBuilder().setProvider(KeyPairs.PROVIDER);

  private CertificateRequestCheck() {}

  static PublicKey verifiedKey(String pem) throws IssuanceRefused {
    PKCS10CertificationRequest csr;
    try {
      csr = Pem.csr(pem);
    } catch (IOException | RuntimeException e) {
      csr = null;
    }
    if (csr == null) {
      throw new IssuanceRefused(Reason.MALFORMED_CSR,
          "csr is not a PEM PKCS#10 certificate request (BEGIN CERTIFICATE REQUEST)");
    }
    PublicKey key;
    try {
      key = new JcaPKCS10CertificationRequest(csr).getPublicKey();
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IssuanceRefused(Reason.UNSUPPORTED_KEY,
          "the CSR's public key cannot be read: " + e.getMessage());
    }
    String weakness = KeyPairs.weakness(key);
    if (weakness != null) {
      throw new IssuanceRefused(Reason.UNSUPPORTED_KEY, weakness);
    }
    boolean valid;
    try {
      valid = csr.isSignatureValid(VERIFIERS.build(csr.getSubjectPublicKeyInfo()));
    } catch (OperatorCreationException | PKCSException | RuntimeException e) {
      valid = false;
    }
    if (!valid) {
      throw new IssuanceRefused(Reason.CSR_SIGNATURE_INVALID,
          "the CSR's signature does not verify with its public key; sign it with the key it"
              + " carries");
    }
    return key;
  }
}
