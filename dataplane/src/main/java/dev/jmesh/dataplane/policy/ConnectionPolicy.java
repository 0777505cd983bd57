package dev.jmesh.dataplane.policy;

/**
 * The compiled network filters of one filter chain of a TCP port (RBAC deny, RBAC allow), checked
 * once per connection before any byte reaches the application. Immutable.
 */
@FunctionalInterface
public interface ConnectionPolicy {

  /** No filters: every connection is let through. */
  ConnectionPolicy ALLOW_ALL = connection -> true;

  /** Whether the connection may reach the application; {@code false} closes it. */
  boolean allows(PeerConnection connection);
}
