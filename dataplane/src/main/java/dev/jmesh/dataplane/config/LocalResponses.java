package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.route.DirectResponse;
import dev.jmesh.dataplane.route.PathMatch;
import dev.jmesh.dataplane.route.Redirect;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import java.util.Set;

/** Compiles the route actions the data path answers itself: redirects and direct responses. */
final class LocalResponses {

  private static final Set<String> REDIRECT =
      Set.of(
          "https_redirect",
          "scheme_redirect",
          "host_redirect",
          "port_redirect",
          "path_redirect",
          "prefix_rewrite",
          "response_code",
          "strip_query");
  private static final Set<String> DIRECT_RESPONSE = Set.of("status", "body");
  private static final Set<String> DATA_SOURCE = Set.of("inline_string", "inline_bytes");

  private LocalResponses() {}

  static Redirect redirect(RedirectAction r, PathMatch match, String at)
      throws InvalidConfigException {
    SupportedFields.check(r, at, REDIRECT);
    String scheme = null;
    if (r.hasHttpsRedirect() && r.getHttpsRedirect()) {
      scheme = "https";
    } else if (r.hasSchemeRedirect()) {
      scheme = r.getSchemeRedirect().toLowerCase(java.util.Locale.ROOT);
    }
    int status;
    switch (r.getResponseCode()) {
      case MOVED_PERMANENTLY:
        status = 301;
        break;
      case FOUND:
        status = 302;
        break;
      case SEE_OTHER:
        status = 303;
        break;
      case TEMPORARY_REDIRECT:
        status = 307;
        break;
      case PERMANENT_REDIRECT:
        status = 308;
        break;
      default:
        throw new InvalidConfigException(at + ".response_code", "unknown value");
    }
    String prefixRewrite = r.hasPrefixRewrite() ? r.getPrefixRewrite() : null;
    String matchedPrefix = null;
    if (prefixRewrite != null) {
      if (match.kind() != PathMatch.Kind.PREFIX
          && match.kind() != PathMatch.Kind.SEPARATED_PREFIX) {
        throw new InvalidConfigException(
            at + ".prefix_rewrite", "needs a prefix or path_separated_prefix match");
      }
      matchedPrefix = match.value();
    }
    return new Redirect(
        scheme,
        r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
        r.getPortRedirect(),
        r.hasPathRedirect() ? r.getPathRedirect() : null,
        prefixRewrite,
        matchedPrefix,
        status,
        r.getStripQuery());
  }

  static DirectResponse directResponse(DirectResponseAction d, String at)
      throws InvalidConfigException {
    SupportedFields.check(d, at, DIRECT_RESPONSE);
    if (d.getStatus() < 200 || d.getStatus() > 599) {
      throw new InvalidConfigException(at + ".status", "must be in [200, 600)");
    }
    String body = null;
    if (d.hasBody()) {
      SupportedFields.check(d.getBody(), at + ".body", DATA_SOURCE);
      body =
          d.getBody().hasInlineBytes()
              ? d.getBody().getInlineBytes().toStringUtf8()
              : d.getBody().getInlineString();
    }
    return new DirectResponse(d.getStatus(), body);
  }
}
