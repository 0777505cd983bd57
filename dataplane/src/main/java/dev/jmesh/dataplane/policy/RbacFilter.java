package dev.jmesh.dataplane.policy;

import java.util.List;

/**
 * One compiled RBAC filter (HTTP or network): a set of named policies and what a match means. A
 * policy matches when one of its permissions and one of its principals match.
 *
 * <ul>
 *   <li>ALLOW: a request no policy matches is denied; no policies at all denies everything.
 *   <li>DENY: a request any policy matches is denied.
 *   <li>LOG (Istio's AUDIT): never denies; a match marks the verdict audited.
 * </ul>
 */
public final class RbacFilter implements InboundHttpFilter {

  /** What a match of the filter's policies means. */
  public enum Action {
    ALLOW,
    DENY,
    LOG
  }

  /** One named policy. */
  public record Policy(String name, RbacMatcher permissions, RbacMatcher principals) {
    boolean matches(PolicyContext context) {
      return permissions.matches(context) && principals.matches(context);
    }
  }

  static final PolicyVerdict DENIED = PolicyVerdict.deny(403, "RBAC: access denied", List.of());

  private final String name;
  private final Action action;
  private final Policy[] policies;

  public RbacFilter(String name, Action action, List<Policy> policies) {
    this.name = name;
    this.action = action;
    this.policies = policies.toArray(new Policy[0]);
  }

  public String name() {
    return name;
  }

  public Action action() {
    return action;
  }

  /** The first policy that matches, {@code null} if none. */
  public Policy matching(PolicyContext context) {
    for (Policy p : policies) {
      if (p.matches(context)) {
        return p;
      }
    }
    return null;
  }

  /** Whether this filter refuses the request or connection of {@code context}. */
  public boolean denies(PolicyContext context) {
    Policy matched = matching(context);
    switch (action) {
      case ALLOW:
        return matched == null;
      case DENY:
        return matched != null;
      case LOG:
        if (matched != null) {
          context.audit();
        }
        return false;
      default:
        throw new AssertionError(action);
    }
  }

  @Override
  public PolicyVerdict apply(PolicyContext context) {
    return denies(context) ? DENIED : null;
  }

  @Override
  public String toString() {
    return name + "(" + action + ", " + policies.length + " policies)";
  }
}
