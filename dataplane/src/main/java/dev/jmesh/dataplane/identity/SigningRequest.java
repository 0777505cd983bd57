package dev.jmesh.dataplane.identity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;

/**
 * A PKCS#10 certificate signing request for a workload key: an empty subject, the public key, and
 * the SPIFFE ID the workload expects as a critical URI SAN (as Istio's agent sends it). The CA does
 * not take the identity from here — it issues the identity the caller proved — so the SAN is a
 * statement of intent, not a claim.
 */
public final class SigningRequest {

  private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
  private static final String EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";

  private SigningRequest() {}

  /** The DER encoding of a CSR for {@code keys} (an EC key pair) naming {@code id}. */
  public static byte[] der(KeyPair keys, SpiffeId id) throws GeneralSecurityException {
    byte[] san =
        Der.sequence(
            Der.oid(SUBJECT_ALT_NAME),
            Der.bool(true),
            Der.octetString(Der.sequence(Der.uriName(id.toString()))));
    byte[] attributes =
        Der.tagged(0xa0, Der.sequence(Der.oid(EXTENSION_REQUEST), Der.set(Der.sequence(san))));
    byte[] info =
        Der.sequence(Der.integer(0), Der.sequence(), keys.getPublic().getEncoded(), attributes);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(keys.getPrivate());
    signer.update(info);
    return Der.sequence(
        info, Der.sequence(Der.oid(ECDSA_WITH_SHA256)), Der.bitString(signer.sign()));
  }

  /** The CSR in PEM, as Istio's {@code IstioCertificateRequest.csr} carries it. */
  public static String pem(KeyPair keys, SpiffeId id) throws GeneralSecurityException {
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der(keys, id))
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }
}
