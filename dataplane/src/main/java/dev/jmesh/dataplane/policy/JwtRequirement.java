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

    /**
     * Every provider of the filter on this request: {@link JwtStatus#OK} when one verified its
     * token, {@link JwtStatus#MISSING} when none found a token, else the most telling failure.
     */
    JwtStatus checkAll();
  }

  /**
   * Of two failures, the one to report, as Envoy ranks them: a real verification failure over an
   * unknown issuer (another provider's token) over a missing token.
   */
  static JwtStatus moreTelling(JwtStatus current, JwtStatus next) {
    if (current == JwtStatus.MISSING || current == JwtStatus.UNKNOWN_ISSUER) {
      return next == JwtStatus.MISSING
              || (next == JwtStatus.UNKNOWN_ISSUER && current == JwtStatus.UNKNOWN_ISSUER)
          ? current
          : next;
    }
    return current;
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
   * {@code allow_missing}: satisfied when the request carries no token at all, or when a token it
   * carries verifies with one of the filter's providers; a token that verifies with none fails.
   */
  public static JwtRequirement allowMissing() {
    return new JwtRequirement() {
      @Override
      JwtStatus evaluate(Verification v) {
        JwtStatus s = v.checkAll();
        return s == JwtStatus.MISSING ? JwtStatus.OK : s;
      }
    };
  }

  /** {@code allow_missing_or_failed}: always satisfied; tokens are still verified and count. */
  public static JwtRequirement allowMissingOrFailed() {
    return new JwtRequirement() {
      @Override
      JwtStatus evaluate(Verification v) {
        v.checkAll();
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
          result = moreTelling(result, s);
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
