package dev.jmesh.dataplane.identity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code /certs} shows of a workload's identity: the SPIFFE ID, the certificate's serial and
 * validity, renewals and failures, and the trust bundle's roots by fingerprint. Never a key.
 */
public final class CertsView {

  private CertsView() {}

  /** The view of {@code identity}; {@code null} gives the reason there is none. */
  public static Map<String, Object> of(WorkloadIdentity identity, String whyNone) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (identity == null) {
      out.put("identity", null);
      out.put("reason", whyNone);
      return out;
    }
    out.put("identity", identity.id().toString());
    Svid svid = identity.current();
    if (svid == null) {
      out.put("certificate", null);
    } else {
      Map<String, Object> cert = new LinkedHashMap<>();
      cert.put("serial", svid.leaf().getSerialNumber().toString(16));
      cert.put("notBefore", svid.leaf().getNotBefore().toInstant().toString());
      cert.put("notAfter", svid.leaf().getNotAfter().toInstant().toString());
      cert.put("chainLength", svid.chain().size());
      cert.put("generation", svid.generation());
      out.put("certificate", cert);
    }
    out.put(
        "nextRenewal",
        identity.nextRenewalMillis() == 0
            ? null
            : java.time.Instant.ofEpochMilli(identity.nextRenewalMillis()).toString());
    out.put("renewals", identity.renewals());
    out.put("failures", identity.failures());
    out.put("lastFailure", identity.lastFailure());
    TrustBundle bundle = identity.trustBundle();
    List<Object> roots = new ArrayList<>();
    if (bundle != null) {
      for (int i = 0; i < bundle.roots().size(); i++) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("subject", bundle.roots().get(i).getSubjectX500Principal().getName());
        root.put("sha256", bundle.fingerprints().get(i));
        root.put("notAfter", bundle.roots().get(i).getNotAfter().toInstant().toString());
        roots.add(root);
      }
    }
    out.put("trustDomain", identity.id().trustDomain());
    out.put("roots", roots);
    return out;
  }
}
