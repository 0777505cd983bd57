package dev.jmesh.dataplane.policy;

import dev.jmesh.dataplane.route.HeaderMatch;
import dev.jmesh.dataplane.route.PathMatch;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Envoy's {@code jwt_authn} filter: the first rule whose match fits the request names the
 * requirement its tokens must meet. A failed requirement is answered with 401 and Envoy's reason; a
 * met one records {@code iss/sub} and the claims for the RBAC filters after it, forwards the
 * payload header and strips a token that is not to be forwarded.
 */
public final class JwtAuthnFilter implements InboundHttpFilter {

  /** A {@code RequirementRule}: a route match and what it requires ({@code null}: nothing). */
  public record Rule(PathMatch path, List<HeaderMatch> headers, JwtRequirement requirement) {
    public Rule {
      headers = List.copyOf(headers);
    }

    boolean matches(PolicyRequest request) {
      String p = request.path();
      if (p == null || !path.matches(p)) {
        return false;
      }
      for (HeaderMatch h : headers) {
        if (!h.matches(request)) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<JwtProvider> providers;
  private final Rule[] rules;
  private final boolean bypassCorsPreflight;
  private final LongSupplier epochSeconds;

  /**
   * @param providers every provider of the filter, in the order their principal is preferred
   * @param epochSeconds the clock tokens' {@code exp} and {@code nbf} are checked against
   */
  public JwtAuthnFilter(
      List<JwtProvider> providers,
      List<Rule> rules,
      boolean bypassCorsPreflight,
      LongSupplier epochSeconds) {
    this.providers = List.copyOf(providers);
    this.rules = rules.toArray(new Rule[0]);
    this.bypassCorsPreflight = bypassCorsPreflight;
    this.epochSeconds = epochSeconds;
  }

  public JwtAuthnFilter(
      List<JwtProvider> providers, List<Rule> rules, boolean bypassCorsPreflight) {
    this(providers, rules, bypassCorsPreflight, () -> System.currentTimeMillis() / 1000);
  }

  @Override
  public PolicyVerdict apply(PolicyContext context) {
    PolicyRequest request = context.request();
    if (bypassCorsPreflight
        && "OPTIONS".equals(request.method())
        && request.header("origin") != null
        && request.header("access-control-request-method") != null) {
      return null;
    }
    JwtRequirement requirement = null;
    for (Rule r : rules) {
      if (r.matches(request)) {
        requirement = r.requirement();
        break;
      }
    }
    if (requirement == null) {
      return null;
    }
    RequestVerification v = new RequestVerification(request, epochSeconds.getAsLong());
    JwtStatus status = requirement.evaluate(v);
    if (status != JwtStatus.OK) {
      return PolicyVerdict.deny(401, status.message(), List.of(challenge(request, status)));
    }
    v.apply(context);
    return null;
  }

  /** Envoy's {@code www-authenticate} for a refused token. */
  private static Map.Entry<String, String> challenge(PolicyRequest request, JwtStatus status) {
    String path = request.path() == null ? "/" : request.path();
    int q = path.indexOf('?');
    String realm =
        "http://"
            + (request.authority() == null ? "" : request.authority())
            + (q < 0 ? path : path.substring(0, q));
    String value =
        "Bearer realm=\""
            + realm
            + "\""
            + (status == JwtStatus.MISSING ? "" : ", error=\"invalid_token\"");
    return new AbstractMap.SimpleImmutableEntry<>("www-authenticate", value);
  }

  /** The tokens of one request, each provider's outcome computed once. */
  private final class RequestVerification implements JwtRequirement.Verification {
    private final PolicyRequest request;
    private final long now;
    private final List<JwtProvider> checked = new ArrayList<>(2);
    private final List<JwtStatus> outcomes = new ArrayList<>(2);
    private final List<Jwt> tokens = new ArrayList<>(2);
    private final List<JwtProvider.Found> found = new ArrayList<>(2);

    RequestVerification(PolicyRequest request, long now) {
      this.request = request;
      this.now = now;
    }

    @Override
    public JwtStatus check(JwtProvider provider) {
      int i = checked.indexOf(provider);
      if (i >= 0) {
        return outcomes.get(i);
      }
      JwtProvider.Found f = provider.find(request);
      Jwt jwt = null;
      JwtStatus status;
      if (f == null) {
        status = JwtStatus.MISSING;
      } else {
        try {
          jwt = Jwt.parse(f.token());
          status = provider.verify(jwt, now);
        } catch (Jwt.ParseException e) {
          status = e.status;
        }
      }
      checked.add(provider);
      outcomes.add(status);
      tokens.add(jwt);
      found.add(f);
      return status;
    }

    @Override
    public JwtStatus checkAll() {
      JwtStatus result = JwtStatus.MISSING;
      for (JwtProvider p : providers) {
        JwtStatus s = check(p);
        if (s == JwtStatus.OK) {
          result = s;
        } else if (result != JwtStatus.OK) {
          result = JwtRequirement.moreTelling(result, s);
        }
      }
      return result;
    }

    /** Records what the verified tokens prove, in the filter's provider order. */
    void apply(PolicyContext context) {
      for (JwtProvider p : providers) {
        int i = checked.indexOf(p);
        if (i < 0 || outcomes.get(i) != JwtStatus.OK) {
          continue;
        }
        Jwt jwt = tokens.get(i);
        context.authenticated(
            new RequestAuth(
                jwt.issuer() + "/" + jwt.subject(), jwt.audiences(), jwt.presenter(), jwt.payload));
        JwtProvider.Forwarding f = p.forwarding();
        if (!f.payloadHeader().isEmpty()) {
          context.setRequestHeader(f.payloadHeader(), jwt.payloadSegment);
        }
        for (JwtProvider.ClaimHeader c : f.claimHeaders()) {
          String value = jwt.claimText(c.claim());
          if (value != null) {
            context.setRequestHeader(c.lowerCaseHeader(), value);
          }
        }
        if (!f.forward() && found.get(i).header() != null) {
          context.removeRequestHeader(found.get(i).header());
        }
      }
    }
  }
}
