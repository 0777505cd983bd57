package dev.jmesh.dataplane.identity;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The server identities an upstream TLS context accepts, from its SAN matchers (Istio puts the
 * destination's service accounts there): shared by the engine and the direct paths, so both check a
 * server the same way.
 *
 * <p>Both Envoy fields count: the deprecated {@code match_subject_alt_names} and istiod's {@code
 * match_typed_subject_alt_names}. A mesh certificate carries only its SPIFFE ID (a URI SAN), so a
 * typed matcher of another SAN type (DNS, email, IP) matches no mesh server: a context that lists
 * only such names accepts none, rather than any.
 */
public final class ServerIdentities {

  private ServerIdentities() {}

  /** The server identities the SAN matchers accept; any (verified) identity when there is none. */
  public static Predicate<SpiffeId> allowed(CommonTlsContext common) {
    CertificateValidationContext v = validation(common);
    if (v.getMatchSubjectAltNamesCount() == 0 && v.getMatchTypedSubjectAltNamesCount() == 0) {
      return id -> true;
    }
    List<StringMatcher> uris = uriMatchers(v);
    return id -> {
      String uri = id.toString();
      for (StringMatcher m : uris) {
        if (matches(m, uri)) {
          return true;
        }
      }
      return false;
    };
  }

  /**
   * The one identity the SAN matchers accept, when they name exactly one SPIFFE ID exactly (what
   * istiod writes for a service run by one service account); {@code null} otherwise.
   */
  public static String single(CommonTlsContext common) {
    CertificateValidationContext v = validation(common);
    if (v.getMatchSubjectAltNamesCount() + v.getMatchTypedSubjectAltNamesCount() != 1) {
      return null;
    }
    List<StringMatcher> uris = uriMatchers(v);
    if (uris.size() != 1) {
      return null;
    }
    StringMatcher m = uris.get(0);
    return m.getMatchPatternCase() == StringMatcher.MatchPatternCase.EXACT
            && !m.getIgnoreCase()
            && m.getExact().startsWith("spiffe://")
        ? m.getExact()
        : null;
  }

  /** The matchers a SPIFFE ID is checked against: every untyped one and the typed URI ones. */
  private static List<StringMatcher> uriMatchers(CertificateValidationContext v) {
    List<StringMatcher> out = new ArrayList<>(v.getMatchSubjectAltNamesList());
    for (SubjectAltNameMatcher typed : v.getMatchTypedSubjectAltNamesList()) {
      if (typed.getSanType() == SubjectAltNameMatcher.SanType.URI) {
        out.add(typed.getMatcher());
      }
    }
    return List.copyOf(out);
  }

  private static CertificateValidationContext validation(CommonTlsContext common) {
    return common.hasCombinedValidationContext()
        ? common.getCombinedValidationContext().getDefaultValidationContext()
        : common.getValidationContext();
  }

  private static boolean matches(StringMatcher m, String uri) {
    switch (m.getMatchPatternCase()) {
      case EXACT:
        return m.getIgnoreCase() ? m.getExact().equalsIgnoreCase(uri) : m.getExact().equals(uri);
      case PREFIX:
        return uri.startsWith(m.getPrefix());
      case SUFFIX:
        return uri.endsWith(m.getSuffix());
      case CONTAINS:
        return uri.contains(m.getContains());
      case SAFE_REGEX:
        return uri.matches(m.getSafeRegex().getRegex());
      default:
        return false;
    }
  }
}
