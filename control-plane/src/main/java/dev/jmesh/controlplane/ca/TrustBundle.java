package dev.jmesh.controlplane.ca;

import dev.jmesh.ca.api.RootFingerprint;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The roots a workload trusts. Usually one; during a root rotation the old and the new, so that
 * certificates issued under either verify until every workload has renewed. Immutable.
 */
public record TrustBundle(List<X509Certificate> roots) {
  public TrustBundle {
    // Same root twice (e.g. listed in both root-cert.pem and trusted-roots.pem) counts once.
    Map<String, X509Certificate> unique = new LinkedHashMap<>();
    for (X509Certificate r : roots) {
      unique.putIfAbsent(RootFingerprint.of(r), r);
    }
    roots = List.copyOf(unique.values());
  }

  public List<String> fingerprints() {
    List<String> out = new ArrayList<>();
    roots.forEach(r -> out.add(RootFingerprint.of(r)));
    return out;
  }

  public String pem() {
    return Pem.encode(roots);
  }
}
