package dev.jmesh.dataplane.identity;

import dev.jmesh.ca.api.RootFingerprint;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The roots a workload trusts for one trust domain. During a root rotation it holds the old and the
 * new root, so peers with certificates from either verify. Immutable; the workload's identity swaps
 * it atomically when the control plane sends a new one.
 *
 * @param trustDomain the trust domain whose SVIDs these roots sign
 * @param roots the root certificates
 */
public record TrustBundle(String trustDomain, List<X509Certificate> roots) {

  public TrustBundle {
    roots = List.copyOf(roots);
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("a trust bundle needs at least one root");
    }
    new SpiffeId(trustDomain, "");
  }

  /** The roots as PKIX trust anchors. */
  public Set<TrustAnchor> anchors() {
    Set<TrustAnchor> out = new HashSet<>();
    for (X509Certificate root : roots) {
      out.add(new TrustAnchor(root, null));
    }
    return out;
  }

  /** Each root's SHA-256 fingerprint in lower-case hex, as tokens carry it. */
  public List<String> fingerprints() {
    List<String> out = new ArrayList<>();
    for (X509Certificate root : roots) {
      out.add(fingerprint(root));
    }
    return out;
  }

  /** The SHA-256 fingerprint of {@code certificate}'s DER encoding, as join tokens pin it. */
  public static String fingerprint(X509Certificate certificate) {
    return RootFingerprint.of(certificate);
  }
}
