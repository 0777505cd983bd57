package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import dev.jmesh.controlplane.config.RequestAuthentication;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;

/**
 * RequestAuthentication as Envoy's {@code envoy.filters.http.jwt_authn}, in istiod's shape: one
 * provider per jwtRule ({@code origins-0}, {@code origins-1}... in policy order), keys from
 * {@code jwks} inline or a {@code file://} {@code jwksUri}, the payload kept in metadata under
 * the issuer, and one rule for every path requiring any provider or no token at all. So a
 * request without a token passes (AuthorizationPolicy decides), one with a bad token is
 * refused with 401 — Istio's semantics.
 */
final class JwtAuthnBuilder {
  private JwtAuthnBuilder() {}

  static final String FILTER = "envoy.filters.http.jwt_authn";

  /** The filter for the RequestAuthentications selecting a workload; null when there are none. */
  static HttpFilter filter(List<RequestAuthentication> policies) {
    JwtAuthentication.Builder jwt = JwtAuthentication.newBuilder();
    JwtRequirementOrList.Builder any = JwtRequirementOrList.newBuilder();
    int n = 0;
    for (RequestAuthentication ra : policies) {
      for (RequestAuthentication.JwtRule rule : ra.jwtRules()) {
        String name = "origins-" + n++;
        jwt.putProviders(name, provider(rule));
        any.addRequirements(JwtRequirement.newBuilder().setProviderName(name));
      }
    }
    if (n == 0) {
      return null;
    }
    any.addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance()));
    jwt.addRules(RequirementRule.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRequires(JwtRequirement.newBuilder().setRequiresAny(any)));
    // CORS preflight requests carry no token; Istio lets them through.
    jwt.setBypassCorsPreflight(true);
    return HttpFilter.newBuilder().setName(FILTER).setTypedConfig(Any.pack(jwt.build())).build();
  }

  private static JwtProvider provider(RequestAuthentication.JwtRule rule) {
    JwtProvider.Builder p = JwtProvider.newBuilder()
        .setIssuer(rule.issuer())
        .addAllAudiences(rule.audiences())
        .setForward(rule.forwardOriginalToken())
        .setPayloadInMetadata(rule.issuer());
    if (!rule.jwks().isEmpty()) {
      p.setLocalJwks(DataSource.newBuilder().setInlineString(rule.jwks()));
    } else {
      // Validation admits only file:// here; remote key sets are refused.
      p.setLocalJwks(DataSource.newBuilder()
          .setFilename(rule.jwksUri().substring("file://".length())));
    }
    for (RequestAuthentication.JwtHeader h : rule.fromHeaders()) {
      p.addFromHeaders(JwtHeader.newBuilder().setName(h.name()).setValuePrefix(h.prefix()));
    }
    p.addAllFromParams(rule.fromParams());
    if (!rule.outputPayloadToHeader().isEmpty()) {
      p.setForwardPayloadHeader(rule.outputPayloadToHeader());
    }
    return p.build();
  }
}
