package dev.jmesh.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.Arrays;

/**
 * RBAC protos shaped as istiod (and jmesh's RbacBuilder) writes them for AuthorizationPolicy
 * fields, for tests.
 */
final class IstioRbac {

  private IstioRbac() {}

  /** Istio's {@code *}, {@code a*}, {@code *a} and exact values. */
  static StringMatcher wildcard(String v) {
    if (v.equals("*")) {
      return StringMatcher.newBuilder()
          .setSafeRegex(RegexMatcher.newBuilder().setRegex(".*"))
          .build();
    }
    if (v.startsWith("*")) {
      return StringMatcher.newBuilder().setSuffix(v.substring(1)).build();
    }
    if (v.endsWith("*")) {
      return StringMatcher.newBuilder().setPrefix(v.substring(0, v.length() - 1)).build();
    }
    return StringMatcher.newBuilder().setExact(v).build();
  }

  /** {@code principals: [v]}. */
  static Principal principal(String v) {
    StringMatcher name =
        v.endsWith("*")
            ? StringMatcher.newBuilder()
                .setPrefix("spiffe://" + v.substring(0, v.length() - 1))
                .build()
            : StringMatcher.newBuilder().setExact("spiffe://" + v).build();
    return authenticated(name);
  }

  /** {@code namespaces: [v]}: istiod's regex on the principal. */
  static Principal namespace(String v) {
    return authenticated(
        StringMatcher.newBuilder()
            .setSafeRegex(RegexMatcher.newBuilder().setRegex(".*/ns/" + v + "/.*"))
            .build());
  }

  static Principal authenticated(StringMatcher name) {
    return Principal.newBuilder()
        .setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name))
        .build();
  }

  /** {@code ipBlocks: [v]}. */
  static Principal ipBlock(String address, int prefix) {
    return Principal.newBuilder()
        .setDirectRemoteIp(
            CidrRange.newBuilder().setAddressPrefix(address).setPrefixLen(UInt32Value.of(prefix)))
        .build();
  }

  /** {@code requestPrincipals: [v]}: istiod's istio_authn metadata matcher. */
  static Principal requestPrincipal(String v) {
    return Principal.newBuilder()
        .setMetadata(
            MetadataMatcher.newBuilder()
                .setFilter("istio_authn")
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey("request.auth.principal"))
                .setValue(ValueMatcher.newBuilder().setStringMatch(wildcard(v))))
        .build();
  }

  /** {@code when: request.auth.claims[claim]}: a list match, as istiod writes it. */
  static Principal claim(String claim, String v) {
    return Principal.newBuilder()
        .setMetadata(
            MetadataMatcher.newBuilder()
                .setFilter("istio_authn")
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey("request.auth.claims"))
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(claim))
                .setValue(
                    ValueMatcher.newBuilder()
                        .setListMatch(
                            io.envoyproxy.envoy.type.matcher.v3.ListMatcher.newBuilder()
                                .setOneOf(ValueMatcher.newBuilder().setStringMatch(wildcard(v))))))
        .build();
  }

  static Principal notId(Principal p) {
    return Principal.newBuilder().setNotId(p).build();
  }

  static Principal orIds(Principal... ids) {
    return Principal.newBuilder()
        .setOrIds(Principal.Set.newBuilder().addAllIds(Arrays.asList(ids)))
        .build();
  }

  static Principal andIds(Principal... ids) {
    return Principal.newBuilder()
        .setAndIds(Principal.Set.newBuilder().addAllIds(Arrays.asList(ids)))
        .build();
  }

  static Principal anyone() {
    return Principal.newBuilder().setAny(true).build();
  }

  static Permission method(String v) {
    return Permission.newBuilder()
        .setHeader(HeaderMatcher.newBuilder().setName(":method").setStringMatch(wildcard(v)))
        .build();
  }

  static Permission host(String v) {
    return Permission.newBuilder()
        .setHeader(
            HeaderMatcher.newBuilder()
                .setName(":authority")
                .setStringMatch(wildcard(v).toBuilder().setIgnoreCase(true)))
        .build();
  }

  static Permission path(String v) {
    return Permission.newBuilder()
        .setUrlPath(PathMatcher.newBuilder().setPath(wildcard(v)))
        .build();
  }

  static Permission port(int port) {
    return Permission.newBuilder().setDestinationPort(port).build();
  }

  static Permission header(String name, String v) {
    return Permission.newBuilder()
        .setHeader(HeaderMatcher.newBuilder().setName(name).setStringMatch(wildcard(v)))
        .build();
  }

  static Permission notRule(Permission p) {
    return Permission.newBuilder().setNotRule(p).build();
  }

  static Permission orRules(Permission... rules) {
    return Permission.newBuilder()
        .setOrRules(Permission.Set.newBuilder().addAllRules(Arrays.asList(rules)))
        .build();
  }

  static Permission andRules(Permission... rules) {
    return Permission.newBuilder()
        .setAndRules(Permission.Set.newBuilder().addAllRules(Arrays.asList(rules)))
        .build();
  }

  static Permission everything() {
    return Permission.newBuilder().setAny(true).build();
  }

  static Policy policy(Permission permission, Principal principal) {
    return Policy.newBuilder().addPermissions(permission).addPrincipals(principal).build();
  }

  static RBAC rules(RBAC.Action action, Policy... policies) {
    RBAC.Builder b = RBAC.newBuilder().setAction(action);
    for (int i = 0; i < policies.length; i++) {
      b.putPolicies("ns[default]-policy[p" + i + "]-rule[0]", policies[i]);
    }
    return b.build();
  }

  static HttpFilter httpFilter(String name, RBAC rules) {
    return HttpFilter.newBuilder()
        .setName(name)
        .setTypedConfig(
            Any.pack(
                io.envoyproxy
                    .envoy
                    .extensions
                    .filters
                    .http
                    .rbac
                    .v3
                    .RBAC
                    .newBuilder()
                    .setRules(rules)
                    .build()))
        .build();
  }
}
