package dev.jmesh.dataplane.identity;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.function.Predicate;

/**
 * The server identities an upstream TLS context accepts, from its SAN matchers (Istio puts the
 * destination's service accounts there): shared by the engine and the direct paths, so both check a
 * server the same way.
 */
public final class ServerIdentities {

  private ServerIdentities() {}

  /** The server identities the SAN matchers accept; any (verified) identity when there is none. */
  public static Predicate<SpiffeId> allowed(CommonTlsContext common) {
    CertificateValidationContext v =
        common.hasCombinedValidationContext()
            ? common.getCombinedValidationContext().getDefaultValidationContext()
            : common.getValidationContext();
    List<StringMatcher> sans = List.copyOf(v.getMatchSubjectAltNamesList());
    if (sans.isEmpty()) {
      return id -> true;
    }
    return id -> {
      String uri = id.toString();
      for (StringMatcher m : sans) {
        if (matches(m, uri)) {
          return true;
        }
      }
      return false;
    };
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
