package dev.jmesh.dataplane.policy;

import java.util.List;

/**
 * A compiled {@code JwtRequirement}: a provider, a combination of requirements, or Istio's
 * tolerance of a missing token ({@code allow_missing}).
 */
public abstract class JwtRequirement {

  private JwtRequirement() {}

  /** What one request's verification has found so far; one per check of {@link JwtAuthnFilter}. */
  interface Verification {
    /** The outcome of {@code provider} for this request (verified once, then remembered). */
    JwtStatus check(JwtProvider provider);

    /** Whether any provider of the filter found a token in the request. */
    boolean anyToken();
  }

  abstract JwtStatus evaluate(Verification v);

  /** {@code provider_name}: a token of this provider must be present and valid. */
  public static JwtRequirement provider(JwtProvider provider) {
    return new JwtRequirement() {
      @Override
      JwtStatus evaluate(Verification v) {
        return v.check(provider);
      }
    };
  }

  /**
   * {@code allow_missing}: satisfied when the request carries no token at all; a token that is
   * present still has to satisfy a sibling requirement.
   */
  public static JwtRequirement allowMissing() {
    return new JwtRequirement() {
      @Override
      JwtStatus evaluate(Verification v) {
        return v.anyToken() ? JwtStatus.MISSING : JwtStatus.OK;
      }
    };
  }

  /** {@code allow_missing_or_failed}: always satisfied; a valid token still counts. */
  public static JwtRequirement allowMissingOrFailed() {
    return new JwtRequirement() {
      @Override
      JwtStatus evaluate(Verification v) {
        return JwtStatus.OK;
      }
    };
  }

  /**
   * {@code requires_any}: one child must be satisfied. When none is, the failure reported is the
   * most telling one, as in Envoy: a verification failure over an unknown issuer over a missing
   * token.
   */
  public static JwtRequirement any(List<JwtRequirement> children) {
    JwtRequirement[] all = children.toArray(new JwtRequirement[0]);
    return new JwtRequirement() {
      @Override
      JwtStatus evaluate(Verification v) {
        JwtStatus result = JwtStatus.MISSING;
        for (JwtRequirement r : all) {
          JwtStatus s = r.evaluate(v);
          if (s == JwtStatus.OK) {
            return s;
          }
          if (result == JwtStatus.MISSING || result == JwtStatus.UNKNOWN_ISSUER) {
            result = s == JwtStatus.MISSING ? result : s;
          }
        }
        return result;
      }
    };
  }

  /** {@code requires_all}: every child must be satisfied; the first failure is reported. */
  public static JwtRequirement all(List<JwtRequirement> children) {
    JwtRequirement[] all = children.toArray(new JwtRequirement[0]);
    return new JwtRequirement() {
      @Override
      JwtStatus evaluate(Verification v) {
        for (JwtRequirement r : all) {
          JwtStatus s = r.evaluate(v);
          if (s != JwtStatus.OK) {
            return s;
          }
        }
        return JwtStatus.OK;
      }
    };
  }
}
