package dev.jmesh.controlplane.ca;

import java.util.regex.Pattern;

/**
 * Who a workload proved to be: {@code spiffe://<trust domain>/ns/<namespace>/sa/<service
 * account>}, Istio's identity form.
 */
public record WorkloadIdentity(String trustDomain, String namespace, String serviceAccount) {
  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]+");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

  public WorkloadIdentity {
    if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
      throw new IllegalArgumentException("trust domain '" + trustDomain
          + "' may hold only lowercase letters, digits, '.', '-' and '_' (SPIFFE)");
    }
    if (!SEGMENT.matcher(namespace).matches() || !SEGMENT.matcher(serviceAccount).matches()
        || dots(namespace) || dots(serviceAccount)) {
      throw new IllegalArgumentException("namespace '" + namespace + "' and service account '"
          + serviceAccount + "' may hold only letters, digits, '.', '-' and '_' (SPIFFE path)");
    }
  }

  /** SPIFFE forbids the relative path segments {@code .} and {@code ..}. */
  private static boolean dots(String segment) {
    return segment.equals(".") || segment.equals("..");
  }

  public String spiffeId() {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  @Override
  public String toString() {
    return spiffeId();
  }
}
