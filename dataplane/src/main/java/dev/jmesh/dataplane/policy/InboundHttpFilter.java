package dev.jmesh.dataplane.policy;

/**
 * One compiled HTTP filter of an inbound chain (JWT authentication, RBAC, local rate limit).
 * Immutable; {@link HttpFilterChain} runs them in the listener's order.
 */
public interface InboundHttpFilter {

  /**
   * Runs the filter on one request.
   *
   * @return {@code null} to go on to the next filter, or the local reply that ends the chain
   */
  PolicyVerdict apply(PolicyContext context);
}
