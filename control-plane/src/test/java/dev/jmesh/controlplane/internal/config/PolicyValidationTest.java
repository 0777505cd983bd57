package dev.jmesh.controlplane.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.config.AuthorizationPolicy;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.EnvoyFilter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What jmesh cannot enforce is refused with the line to fix and what to write instead:
 * CUSTOM authorization, remote JWKS, EnvoyFilter patches other than the inbound local rate
 * limit. Each refused resource is rejected alone.
 */
class PolicyValidationTest {
  @TempDir Path dir;

  private static List<String> errors(String yaml) {
    return ResourceParser.parseResources("f.yaml", yaml).diagnostics().stream()
        .map(Diagnostic::format).toList();
  }

  private static String envoyFilter(String applyTo, String context, String operation,
      String name) {
    return String.join("\n",
        "apiVersion: networking.istio.io/v1alpha3",
        "kind: EnvoyFilter",
        "metadata: {name: ef}",
        "spec:",
        "  configPatches:",
        "  - applyTo: " + applyTo,
        "    match:",
        "      context: " + context,
        "      listener:",
        "        filterChain:",
        "          filter: {name: envoy.filters.network.http_connection_manager}",
        "    patch:",
        "      operation: " + operation,
        "      value:",
        "        name: " + name,
        "        typed_config:",
        "          '@type': type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3"
            + ".LocalRateLimit",
        "          stat_prefix: rl",
        "          token_bucket: {max_tokens: 10, fill_interval: 1s}",
        "");
  }

  @Test
  void customActionIsRefusedAtItsLine() {
    assertThat(errors(String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: ext-authz}",
        "spec:",
        "  action: CUSTOM",
        "  provider: {name: opa}",
        "  rules: [{}]",
        ""))).containsExactly("f.yaml:5: AuthorizationPolicy ext-authz: action CUSTOM needs an"
            + " external authorizer (provider opa), which jmesh does not have yet; use ALLOW/DENY"
            + " rules (with requestPrincipals or request.auth.claims for JWT checks) instead");
  }

  @Test
  void auditIsAccepted() {
    var ap = (AuthorizationPolicy) ResourceParser.parseResources("f.yaml", String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: audit}",
        "spec: {action: AUDIT, rules: [{}]}",
        "")).resources().get(0);
    assertThat(ap.action()).isEqualTo(AuthorizationPolicy.Action.AUDIT);
  }

  @Test
  void remoteJwksIsRefusedWithHowToInlineIt() {
    String ra = String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: RequestAuthentication",
        "metadata: {name: jwt}",
        "spec:",
        "  jwtRules:",
        "  - issuer: https://issuer.example",
        "    jwksUri: JWKS",
        "");
    assertThat(errors(ra.replace("JWKS", "https://issuer.example/jwks.json")))
        .singleElement().asString()
        .startsWith("f.yaml:7: RequestAuthentication jwt: jwtRules.jwksUri:"
            + " 'https://issuer.example/jwks.json': fetching a remote JWKS is not supported yet;"
            + " put the key set inline (jwks: ")
        .contains("or in a local file (jwksUri: file:///etc/jmesh/jwks.json)");
    assertThat(errors(ra.replace("JWKS", "jwks.json"))).singleElement().asString()
        .contains("'jwks.json' is neither a local file (file:///path/jwks.json) nor an http(s)");
    assertThat(errors(ra.replace("    jwksUri: JWKS\n", ""))).singleElement().asString()
        .startsWith("f.yaml:6: RequestAuthentication jwt: jwtRules: issuer"
            + " https://issuer.example needs jwks");
  }

  @Test
  void onlyTheInboundLocalRateLimitPatchIsAccepted() {
    var ef = (EnvoyFilter) ResourceParser.parseResources("f.yaml", envoyFilter("HTTP_FILTER",
        "SIDECAR_INBOUND", "INSERT_FIRST", "envoy.filters.http.local_ratelimit"))
        .resources().get(0);
    assertThat(ef.patches()).singleElement().satisfies(p -> {
      assertThat(p.operation()).isEqualTo("INSERT_FIRST");
      assertThat(p.portNumber()).isZero();
      assertThat(p.config().getTokenBucket().getMaxTokens()).isEqualTo(10);
      assertThat(p.line()).isEqualTo(6);
    });

    assertThat(errors(envoyFilter("CLUSTER", "SIDECAR_INBOUND", "ADD",
        "envoy.filters.http.local_ratelimit"))).singleElement().asString()
        .startsWith("f.yaml:6: EnvoyFilter ef: configPatches.applyTo: CLUSTER is not supported;"
            + " jmesh applies only patches that insert envoy.filters.http.local_ratelimit into"
            + " the inbound HTTP filter chain (applyTo: HTTP_FILTER, match.context:"
            + " SIDECAR_INBOUND");
    assertThat(errors(envoyFilter("HTTP_FILTER", "SIDECAR_OUTBOUND", "ADD",
        "envoy.filters.http.local_ratelimit"))).singleElement().asString()
        .startsWith("f.yaml:8: EnvoyFilter ef: configPatches.match.context: SIDECAR_OUTBOUND is"
            + " not supported");
    assertThat(errors(envoyFilter("HTTP_FILTER", "SIDECAR_INBOUND", "REPLACE",
        "envoy.filters.http.local_ratelimit"))).singleElement().asString()
        .startsWith("f.yaml:13: EnvoyFilter ef: configPatches.patch.operation: REPLACE is not"
            + " supported");
    assertThat(errors(envoyFilter("HTTP_FILTER", "SIDECAR_INBOUND", "ADD",
        "envoy.filters.http.lua"))).singleElement().asString()
        .startsWith("f.yaml:15: EnvoyFilter ef: configPatches.patch.value.name:"
            + " envoy.filters.http.lua is not supported");
    assertThat(errors(envoyFilter("HTTP_FILTER", "SIDECAR_INBOUND", "ADD",
        "envoy.filters.http.local_ratelimit").replace("max_tokens", "max_tokenz")))
        .singleElement().asString()
        .startsWith("f.yaml:17: EnvoyFilter ef: typed_config: not a valid LocalRateLimit:")
        .contains("max_tokenz");
  }

  @Test
  void refusedPolicyIsRejectedAloneAndTheOthersStay() {
    MeshSnapshot snapshot = TestMesh.of(dir, "policies.yaml", String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: ext-authz}",
        "spec: {action: CUSTOM, provider: {name: opa}, rules: [{}]}",
        "---",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: deny-admin}",
        "spec: {action: DENY, rules: [{to: [{operation: {paths: [/admin]}}]}]}",
        "",
        ""), "ef.yaml", envoyFilter("NETWORK_FILTER", "SIDECAR_INBOUND", "ADD", "x"));
    assertThat(TestMesh.errors(snapshot)).hasSize(2)
        .anySatisfy(e -> assertThat(e).contains("action CUSTOM needs an external authorizer"))
        .anySatisfy(e -> assertThat(e).contains("NETWORK_FILTER is not supported"));
    assertThat(snapshot.resources()).extracting(r -> r.name()).containsExactly("deny-admin");
  }
}
