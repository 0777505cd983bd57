package dev.jmesh.controlplane.internal.http;

import dev.jmesh.controlplane.ca.CaService;
import dev.jmesh.controlplane.ca.IssuedCertificates;
import dev.jmesh.controlplane.internal.ads.AdsServer;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A connected workload's certificate as the CA issued it, for {@code /debug/syncz}
 * ({@code certificate}) and {@code /debug/config_dump} ({@code secrets}, the rows of istioctl's
 * {@code proxy-config secret}: the workload's chain as {@code default}, each root as
 * {@code ROOTCA}).
 */
final class CertificateView {

  private CertificateView() {}

  /** The last certificate issued to the stream's caller, or null (plaintext port, no CA). */
  static IssuedCertificates.Match issuedTo(CaService ca, AdsServer.StreamCaller caller) {
    if (ca == null || caller == null) {
      return null;
    }
    return ca.authority().issued().lastFor(caller.connection(), caller.namespace(),
        caller.serviceAccount());
  }

  static Map<String, Object> certificate(IssuedCertificates.Match match) {
    IssuedCertificates.Issued c = match.certificate();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("identity", c.spiffeId());
    out.put("serial", c.serial());
    out.put("notBefore", c.notBefore().toString());
    out.put("notAfter", c.notAfter().toString());
    out.put("issuedAt", c.issuedAt().toString());
    out.put("matchedBy", match.matchedBy());
    return out;
  }

  /** The workload's chain (if the CA issued one) and the roots it trusts. */
  static List<Object> secrets(CaService ca, IssuedCertificates.Match match, Instant now) {
    List<Object> out = new ArrayList<>();
    if (ca == null) {
      return out;
    }
    if (match != null) {
      IssuedCertificates.Issued c = match.certificate();
      Map<String, Object> chain = row("default", "Cert Chain", c.serial(), c.notBefore(),
          c.notAfter(), now);
      chain.put("identity", c.spiffeId());
      chain.put("matchedBy", match.matchedBy());
      out.add(chain);
    }
    for (X509Certificate root : ca.authority().trustBundle().roots()) {
      out.add(row("ROOTCA", "CA", root.getSerialNumber().toString(16),
          root.getNotBefore().toInstant(), root.getNotAfter().toInstant(), now));
    }
    return out;
  }

  private static Map<String, Object> row(String name, String type, String serial,
      Instant notBefore, Instant notAfter, Instant now) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", name);
    out.put("type", type);
    out.put("status", "ACTIVE");
    out.put("valid", !now.isBefore(notBefore) && now.isBefore(notAfter));
    out.put("serial", serial);
    out.put("notAfter", notAfter.toString());
    out.put("notBefore", notBefore.toString());
    return out;
  }
}
