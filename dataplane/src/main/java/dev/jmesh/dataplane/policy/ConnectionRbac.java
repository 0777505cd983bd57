package dev.jmesh.dataplane.policy;

import java.util.List;

/**
 * The network RBAC filters of a TCP chain, in order (Istio's DENY filter, then ALLOW): a connection
 * goes through only if none of them denies it.
 */
public final class ConnectionRbac implements ConnectionPolicy {

  private final RbacFilter[] filters;

  private ConnectionRbac(RbacFilter[] filters) {
    this.filters = filters;
  }

  /** The filters as one policy; no filters is {@link ConnectionPolicy#ALLOW_ALL}. */
  public static ConnectionPolicy of(List<RbacFilter> filters) {
    return filters.isEmpty()
        ? ConnectionPolicy.ALLOW_ALL
        : new ConnectionRbac(filters.toArray(new RbacFilter[0]));
  }

  @Override
  public boolean allows(PeerConnection connection) {
    PolicyContext context = PolicyContext.of(connection);
    for (RbacFilter f : filters) {
      if (f.denies(context)) {
        return false;
      }
    }
    return true;
  }
}
