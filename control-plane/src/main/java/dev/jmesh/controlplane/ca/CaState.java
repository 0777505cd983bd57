package dev.jmesh.controlplane.ca;

/**
 * What the CA directory held when last read: the authority that signs, the one a rotation will
 * switch to (or null), and the roots workloads must trust. Immutable; swapped whole.
 */
public record CaState(SigningAuthority signer, SigningAuthority next, TrustBundle trustBundle) {
  /** The rotation phase, for {@code ca status} and logs. */
  public String phase() {
    if (next != null) {
      return "rotation started: new root distributed, old root still signing";
    }
    if (trustBundle.roots().size() > 1) {
      return "rotation activated: new root signing, old root still trusted";
    }
    return "steady: one root";
  }
}
