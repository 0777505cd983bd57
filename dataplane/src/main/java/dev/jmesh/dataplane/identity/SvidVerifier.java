package dev.jmesh.dataplane.identity;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;

/**
 * Verifies a peer's X.509-SVID: the chain up to a root of the trust bundle (signatures, validity
 * dates, CA constraints of the intermediates), then the SPIFFE rules for the leaf — exactly one URI
 * SAN holding a valid SPIFFE ID of the bundle's trust domain, not a CA, allowed to sign. Host names
 * play no part: SPIFFE certificates carry none.
 */
public final class SvidVerifier {

  private static final int URI_NAME = 6;
  private static final int DIGITAL_SIGNATURE = 0;
  private static final int KEY_CERT_SIGN = 5;
  private static final int CRL_SIGN = 6;

  private SvidVerifier() {}

  /**
   * Verifies {@code chain} (leaf first) at {@code now} and returns the peer's identity.
   *
   * @throws CertificateException saying why the peer is refused
   */
  public static SpiffeId verify(X509Certificate[] chain, TrustBundle bundle, Date now)
      throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the peer presented no certificate");
    }
    X509Certificate leaf = chain[0];
    SpiffeId id = spiffeId(leaf);
    if (!id.trustDomain().equals(bundle.trustDomain())) {
      throw new CertificateException(
          "peer "
              + id
              + " is of trust domain "
              + id.trustDomain()
              + ", expected "
              + bundle.trustDomain());
    }
    if (leaf.getBasicConstraints() >= 0) {
      throw new CertificateException("peer " + id + " presented a CA certificate as its SVID");
    }
    boolean[] usage = leaf.getKeyUsage();
    if (usage == null || !usage[DIGITAL_SIGNATURE]) {
      throw new CertificateException(
          "peer " + id + ": the SVID lacks the digitalSignature key usage");
    }
    if ((usage.length > KEY_CERT_SIGN && usage[KEY_CERT_SIGN])
        || (usage.length > CRL_SIGN && usage[CRL_SIGN])) {
      throw new CertificateException("peer " + id + ": an SVID must not sign certificates or CRLs");
    }
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      CertPath path = factory.generateCertPath(chainWithoutRoots(chain, bundle));
      PKIXParameters params = new PKIXParameters(bundle.anchors());
      params.setRevocationEnabled(false);
      params.setDate(now);
      CertPathValidator.getInstance("PKIX").validate(path, params);
    } catch (CertPathValidatorException e) {
      throw new CertificateException(
          "peer "
              + id
              + ": the certificate chain does not verify against the trust bundle of "
              + bundle.trustDomain()
              + ": "
              + reason(e),
          e);
    } catch (GeneralSecurityException e) {
      throw new CertificateException("peer " + id + ": cannot verify the chain: " + e, e);
    }
    return id;
  }

  /** The SPIFFE ID of an SVID: its one URI SAN. */
  public static SpiffeId spiffeId(X509Certificate leaf) throws CertificateException {
    Collection<List<?>> names;
    try {
      names = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new CertificateException("the SVID's subject alternative names cannot be read", e);
    }
    String uri = null;
    if (names != null) {
      for (List<?> name : names) {
        if ((Integer) name.get(0) == URI_NAME) {
          if (uri != null) {
            throw new CertificateException(
                "the certificate has more than one URI SAN ("
                    + uri
                    + ", "
                    + name.get(1)
                    + "); an X.509-SVID has exactly one");
          }
          uri = (String) name.get(1);
        }
      }
    }
    if (uri == null) {
      throw new CertificateException("the certificate has no URI SAN, so no SPIFFE ID");
    }
    try {
      return SpiffeId.parse(uri);
    } catch (IllegalArgumentException e) {
      throw new CertificateException(e.getMessage());
    }
  }

  /** The chain without a trailing copy of a trusted root, as PKIX wants it. */
  private static List<X509Certificate> chainWithoutRoots(
      X509Certificate[] chain, TrustBundle bundle) {
    int end = chain.length;
    while (end > 1 && bundle.roots().contains(chain[end - 1])) {
      end--;
    }
    return Arrays.asList(chain).subList(0, end);
  }

  private static String reason(CertPathValidatorException e) {
    if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
      return "a certificate has expired";
    }
    if (e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
      return "a certificate is not yet valid";
    }
    if (e.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
      return "a signature does not verify (forged or from another CA)";
    }
    return e.getMessage();
  }
}
