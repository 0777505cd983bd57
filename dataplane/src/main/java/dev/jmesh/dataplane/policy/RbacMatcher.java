package dev.jmesh.dataplane.policy;

/**
 * One compiled node of an RBAC principal or permission tree. Matching allocates nothing; a node
 * that needs the request (a header, a path) does not match on a connection-level check, as in
 * Envoy's network RBAC filter.
 */
@FunctionalInterface
public interface RbacMatcher {

  RbacMatcher ANY = context -> true;

  boolean matches(PolicyContext context);
}
