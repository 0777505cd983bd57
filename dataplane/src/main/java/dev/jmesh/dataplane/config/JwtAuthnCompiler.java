package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.policy.JwtAuthnFilter;
import dev.jmesh.dataplane.policy.JwtProvider;
import dev.jmesh.dataplane.policy.JwtRequirement;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compiles Envoy's {@code jwt_authn} filter as istiod writes it for RequestAuthentication:
 * providers with inline (or file) JWKS, and a rule for {@code /} requiring any provider or no token
 * at all.
 */
final class JwtAuthnCompiler {

  static final long DEFAULT_CLOCK_SKEW_SECONDS = 60;

  private static final Set<String> FILTER =
      Set.of("providers", "rules", "requirement_map", "bypass_cors_preflight", "stat_prefix");
  // payload_in_metadata only names where Envoy puts the claims; here they always reach RBAC.
  private static final Set<String> PROVIDER =
      Set.of(
          "issuer",
          "audiences",
          "local_jwks",
          "forward",
          "from_headers",
          "from_params",
          "from_cookies",
          "forward_payload_header",
          "claim_to_headers",
          "payload_in_metadata",
          "clock_skew_seconds");
  private static final Set<String> DATA_SOURCE =
      Set.of("inline_string", "inline_bytes", "filename");
  private static final Set<String> RULE = Set.of("match", "requires", "requirement_name");
  private static final Set<String> REQUIREMENT =
      Set.of(
          "provider_name",
          "requires_any",
          "requires_all",
          "allow_missing",
          "allow_missing_or_failed");

  private JwtAuthnCompiler() {}

  static JwtAuthnFilter compile(JwtAuthentication config, String at) throws InvalidConfigException {
    SupportedFields.check(config, at, FILTER);
    Map<String, JwtProvider> providers = new LinkedHashMap<>();
    for (Map.Entry<String, io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider> e :
        new TreeMap<>(config.getProvidersMap()).entrySet()) {
      providers.put(
          e.getKey(), provider(e.getKey(), e.getValue(), at + ".providers[" + e.getKey() + "]"));
    }
    Map<String, JwtRequirement> named = new TreeMap<>();
    for (Map.Entry<String, io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement>
        e : config.getRequirementMapMap().entrySet()) {
      named.put(
          e.getKey(),
          requirement(e.getValue(), providers, at + ".requirement_map[" + e.getKey() + "]"));
    }
    List<JwtAuthnFilter.Rule> rules = new ArrayList<>();
    for (int i = 0; i < config.getRulesCount(); i++) {
      RequirementRule r = config.getRules(i);
      String rat = at + ".rules[" + i + "]";
      SupportedFields.check(r, rat, RULE);
      if (!r.hasMatch()) {
        throw new InvalidConfigException(rat + ".match", "is required");
      }
      if (r.getMatch().getQueryParametersCount() > 0) {
        throw InvalidConfigException.unsupported(rat + ".match.query_parameters");
      }
      JwtRequirement requirement;
      switch (r.getRequirementTypeCase()) {
        case REQUIRES:
          requirement = requirement(r.getRequires(), providers, rat + ".requires");
          break;
        case REQUIREMENT_NAME:
          requirement = named.get(r.getRequirementName());
          if (requirement == null) {
            throw new InvalidConfigException(
                rat + ".requirement_name",
                "'" + r.getRequirementName() + "' is not in requirement_map");
          }
          break;
        default:
          // A rule without a requirement exempts the requests it matches.
          requirement = null;
      }
      rules.add(
          new JwtAuthnFilter.Rule(
              MatcherCompiler.path(r.getMatch(), rat + ".match"),
              MatcherCompiler.headers(r.getMatch().getHeadersList(), rat + ".match.headers"),
              requirement));
    }
    return new JwtAuthnFilter(
        List.copyOf(providers.values()), rules, config.getBypassCorsPreflight());
  }

  private static JwtProvider provider(
      String name,
      io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider p,
      String at)
      throws InvalidConfigException {
    SupportedFields.check(p, at, PROVIDER);
    if (!p.hasLocalJwks()) {
      throw new InvalidConfigException(
          at + ".local_jwks",
          "provider "
              + name
              + ": local_jwks is required (remote_jwks is not"
              + " fetched by this data path; istiod inlines the keys)");
    }
    String jwks = jwks(name, p.getLocalJwks(), at + ".local_jwks");
    List<JwtProvider.HeaderLocation> headers = new ArrayList<>();
    for (int i = 0; i < p.getFromHeadersCount(); i++) {
      JwtHeader h = p.getFromHeaders(i);
      SupportedFields.check(h, at + ".from_headers[" + i + "]", Set.of("name", "value_prefix"));
      if (h.getName().isEmpty()) {
        throw new InvalidConfigException(at + ".from_headers[" + i + "].name", "must not be empty");
      }
      headers.add(
          new JwtProvider.HeaderLocation(h.getName().toLowerCase(Locale.ROOT), h.getValuePrefix()));
    }
    List<JwtProvider.ClaimHeader> claimHeaders = new ArrayList<>();
    for (int i = 0; i < p.getClaimToHeadersCount(); i++) {
      JwtClaimToHeader c = p.getClaimToHeaders(i);
      String cat = at + ".claim_to_headers[" + i + "]";
      SupportedFields.check(c, cat, Set.of("header_name", "claim_name"));
      if (c.getHeaderName().isEmpty() || c.getClaimName().isEmpty()) {
        throw new InvalidConfigException(cat, "header_name and claim_name are required");
      }
      claimHeaders.add(
          new JwtProvider.ClaimHeader(
              c.getHeaderName().toLowerCase(Locale.ROOT), c.getClaimName()));
    }
    if (p.getClockSkewSeconds() < 0) {
      throw new InvalidConfigException(at + ".clock_skew_seconds", "must not be negative");
    }
    try {
      return JwtProvider.of(
          name,
          p.getIssuer(),
          p.getAudiencesList(),
          jwks,
          new JwtProvider.Locations(headers, p.getFromParamsList(), p.getFromCookiesList()),
          new JwtProvider.Forwarding(p.getForward(), p.getForwardPayloadHeader(), claimHeaders),
          p.getClockSkewSeconds() == 0 ? DEFAULT_CLOCK_SKEW_SECONDS : p.getClockSkewSeconds());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(
          at + ".local_jwks", "provider " + name + ": bad JWKS: " + e.getMessage());
    }
  }

  private static String jwks(String provider, DataSource source, String at)
      throws InvalidConfigException {
    SupportedFields.check(source, at, DATA_SOURCE);
    switch (source.getSpecifierCase()) {
      case INLINE_STRING:
        return source.getInlineString();
      case INLINE_BYTES:
        return source.getInlineBytes().toStringUtf8();
      case FILENAME:
        try {
          return Files.readString(Path.of(source.getFilename()), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
          throw new InvalidConfigException(
              at + ".filename",
              "provider " + provider + ": cannot read " + source.getFilename() + ": " + e);
        }
      default:
        throw new InvalidConfigException(at, "provider " + provider + ": no JWKS given");
    }
  }

  private static JwtRequirement requirement(
      io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement r,
      Map<String, JwtProvider> providers,
      String at)
      throws InvalidConfigException {
    SupportedFields.check(r, at, REQUIREMENT);
    switch (r.getRequiresTypeCase()) {
      case PROVIDER_NAME:
        {
          JwtProvider p = providers.get(r.getProviderName());
          if (p == null) {
            throw new InvalidConfigException(
                at + ".provider_name", "'" + r.getProviderName() + "' is not a provider");
          }
          return JwtRequirement.provider(p);
        }
      case REQUIRES_ANY:
        return JwtRequirement.any(
            children(r.getRequiresAny().getRequirementsList(), providers, at + ".requires_any"));
      case REQUIRES_ALL:
        return JwtRequirement.all(
            children(r.getRequiresAll().getRequirementsList(), providers, at + ".requires_all"));
      case ALLOW_MISSING:
        return JwtRequirement.allowMissing();
      case ALLOW_MISSING_OR_FAILED:
        return JwtRequirement.allowMissingOrFailed();
      default:
        throw new InvalidConfigException(at, "a requirement is required");
    }
  }

  private static List<JwtRequirement> children(
      List<io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement> list,
      Map<String, JwtProvider> providers,
      String at)
      throws InvalidConfigException {
    if (list.size() < 2) {
      throw new InvalidConfigException(at + ".requirements", "needs at least two requirements");
    }
    List<JwtRequirement> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(requirement(list.get(i), providers, at + ".requirements[" + i + "]"));
    }
    return out;
  }
}
