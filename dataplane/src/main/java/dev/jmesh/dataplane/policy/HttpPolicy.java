package dev.jmesh.dataplane.policy;

/**
 * The compiled inbound HTTP filters of one filter chain (JWT authentication, RBAC deny, RBAC allow,
 * local rate limit), run in the order the listener lists them. Immutable and safe to call from any
 * thread; a new config brings a new instance.
 */
@FunctionalInterface
public interface HttpPolicy {

  /** No filters: every request continues. */
  HttpPolicy ALLOW_ALL = request -> PolicyVerdict.CONTINUE;

  PolicyVerdict check(PolicyRequest request);
}
