package dev.jmesh.controlplane.ca.token;

/**
 * Turns a caller's bearer credential into the identity it proves, or a refusal. Join tokens
 * now; Kubernetes service-account tokens (TokenReview or the cluster's JWKS) later, behind the
 * same interface.
 */
@FunctionalInterface
public interface Authenticator {
  /** Never throws for a bad credential: that is a {@link Authentication#refused refusal}. */
  Authentication authenticate(String credential);
}
