package dev.jmesh.dataplane.identity;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Where a workload's CSR is signed: the control plane's CA over Istio's {@code CreateCertificate}
 * in production. Called from the identity's own thread, so it may block.
 */
public interface CertificateSigner {

  /**
   * Signs {@code csrPem} for {@code ttlSeconds}.
   *
   * @return the issued chain, leaf first
   * @throws Exception when the CA refuses or cannot be reached; the identity retries with back-off
   */
  List<X509Certificate> sign(String csrPem, long ttlSeconds) throws Exception;
}
