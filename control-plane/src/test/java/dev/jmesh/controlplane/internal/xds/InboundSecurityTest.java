package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inbound HTTP and TCP chains carry RequestAuthentication (jwt_authn), AuthorizationPolicy
 * (RBAC for AUDIT, DENY and ALLOW, request credentials as istio_authn metadata matchers) and
 * EnvoyFilter local rate limits in istiod's shapes and order.
 */
class InboundSecurityTest {
  static final String HTTP = InboundBuilderTest.NAME;
  static final String TCP = "xds.istio.io/grpc/lds/inbound/127.0.0.14:3306";
  static final ProxyNode REVIEWS_V2 = InboundBuilderTest.REVIEWS_V2;

  @TempDir Path dir;

  @BeforeEach
  void services() {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "db.yaml", String.join("\n",
        "apiVersion: v1",
        "kind: Service",
        "metadata: {name: reviews-db}",
        "spec:",
        "  selector: {app: reviews}",
        "  ports: [{name: tcp-mysql, port: 3306}]",
        ""));
  }

  private Listener inbound(String name, String yaml) {
    TestMesh.write(dir, "policy.yaml", yaml);
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    return (Listener) XdsTranslator.translate(snapshot, REVIEWS_V2).get(TypeUrls.LISTENER, name);
  }

  private static HttpConnectionManager hcm(Listener l) throws Exception {
    return l.getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class);
  }

  private static RBAC httpRules(HttpConnectionManager hcm, String name) throws Exception {
    HttpFilter f = hcm.getHttpFiltersList().stream().filter(x -> x.getName().equals(name))
        .findFirst().orElseThrow();
    return f.getTypedConfig().unpack(
        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
  }

  private static RBAC tcpRules(Listener l, String name) throws Exception {
    Filter f = l.getFilterChains(0).getFiltersList().stream()
        .filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
    return f.getTypedConfig().unpack(
        io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class).getRules();
  }

  static final String ALL_KINDS = String.join("\n",
      "apiVersion: security.istio.io/v1",
      "kind: RequestAuthentication",
      "metadata: {name: jwt}",
      "spec:",
      "  selector: {matchLabels: {app: reviews}}",
      "  jwtRules:",
      "  - issuer: https://issuer.example",
      "    audiences: [reviews]",
      "    jwks: '{\"keys\": []}'",
      "    fromHeaders: [{name: x-jwt-assertion, prefix: 'Bearer '}]",
      "    fromParams: [token]",
      "    forwardOriginalToken: true",
      "    outputPayloadToHeader: x-jwt-payload",
      "  - issuer: other",
      "    jwksUri: file:///etc/jmesh/other-jwks.json",
      "---",
      "apiVersion: security.istio.io/v1",
      "kind: AuthorizationPolicy",
      "metadata: {name: audit-admin}",
      "spec:",
      "  action: AUDIT",
      "  rules: [{to: [{operation: {paths: [/admin*]}}]}]",
      "---",
      "apiVersion: security.istio.io/v1",
      "kind: AuthorizationPolicy",
      "metadata: {name: no-guests}",
      "spec:",
      "  action: DENY",
      "  rules:",
      "  - when: [{key: 'request.auth.claims[groups]', values: [guests]}]",
      "---",
      "apiVersion: security.istio.io/v1",
      "kind: AuthorizationPolicy",
      "metadata: {name: users}",
      "spec:",
      "  rules:",
      "  - from: [{source: {requestPrincipals: ['https://issuer.example/*']}}]",
      "    when:",
      "    - {key: request.auth.audiences, values: [reviews]}",
      "    - {key: request.auth.presenter, notValues: [bad-client]}",
      "---",
      "apiVersion: networking.istio.io/v1alpha3",
      "kind: EnvoyFilter",
      "metadata: {name: ratelimit, namespace: istio-system}",
      "spec:",
      "  workloadSelector: {labels: {app: reviews}}",
      "  configPatches:",
      "  - applyTo: HTTP_FILTER",
      "    match:",
      "      context: SIDECAR_INBOUND",
      "      listener:",
      "        filterChain:",
      "          filter:",
      "            name: envoy.filters.network.http_connection_manager",
      "    patch:",
      "      operation: INSERT_BEFORE",
      "      value:",
      "        name: envoy.filters.http.local_ratelimit",
      "        typed_config:",
      "          '@type': type.googleapis.com/udpa.type.v1.TypedStruct",
      "          type_url: type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3"
          + ".LocalRateLimit",
      "          value:",
      "            stat_prefix: http_local_rate_limiter",
      "            token_bucket: {max_tokens: 4, tokens_per_fill: 4, fill_interval: 60s}",
      "            filter_enabled:",
      "              runtime_key: local_rate_limit_enabled",
      "              default_value: {numerator: 100, denominator: HUNDRED}",
      "            filter_enforced:",
      "              runtime_key: local_rate_limit_enforced",
      "              default_value: {numerator: 100, denominator: HUNDRED}",
      "            response_headers_to_add:",
      "            - append: false",
      "              header: {key: x-local-rate-limit, value: 'true'}",
      "");

  @Test
  void httpChainOrdersJwtAuditDenyAllowRateLimitThenRouter() throws Exception {
    HttpConnectionManager hcm = hcm(inbound(HTTP, ALL_KINDS));
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(
        "envoy.filters.http.jwt_authn", "envoy.filters.http.rbac.audit",
        "envoy.filters.http.rbac.deny", "envoy.filters.http.rbac",
        "envoy.filters.http.local_ratelimit", "envoy.filters.http.fault",
        "envoy.filters.http.router");
    assertThat(httpRules(hcm, "envoy.filters.http.rbac.audit").getAction())
        .isEqualTo(RBAC.Action.LOG);
    assertThat(httpRules(hcm, "envoy.filters.http.rbac.audit").getPoliciesOrThrow(
        "ns[default]-policy[audit-admin]-rule[0]").getPermissions(0).getUrlPath().getPath()
        .getPrefix()).isEqualTo("/admin");
  }

  @Test
  void requestAuthenticationBecomesJwtAuthnWithAllowMissing() throws Exception {
    JwtAuthentication jwt = hcm(inbound(HTTP, ALL_KINDS)).getHttpFilters(0).getTypedConfig()
        .unpack(JwtAuthentication.class);
    JwtProvider first = jwt.getProvidersOrThrow("origins-0");
    assertThat(first.getIssuer()).isEqualTo("https://issuer.example");
    assertThat(first.getAudiencesList()).containsExactly("reviews");
    assertThat(first.getLocalJwks().getInlineString()).isEqualTo("{\"keys\": []}");
    assertThat(first.getFromHeaders(0).getName()).isEqualTo("x-jwt-assertion");
    assertThat(first.getFromHeaders(0).getValuePrefix()).isEqualTo("Bearer ");
    assertThat(first.getFromParamsList()).containsExactly("token");
    assertThat(first.getForward()).isTrue();
    assertThat(first.getForwardPayloadHeader()).isEqualTo("x-jwt-payload");
    assertThat(first.getPayloadInMetadata()).isEqualTo("https://issuer.example");
    JwtProvider second = jwt.getProvidersOrThrow("origins-1");
    assertThat(second.getLocalJwks().getFilename()).isEqualTo("/etc/jmesh/other-jwks.json");
    assertThat(second.getForward()).isFalse();

    assertThat(jwt.getRulesList()).hasSize(1);
    assertThat(jwt.getRules(0).getMatch().getPrefix()).isEqualTo("/");
    List<JwtRequirement> any = jwt.getRules(0).getRequires().getRequiresAny().getRequirementsList();
    assertThat(any).extracting(JwtRequirement::getProviderName)
        .containsExactly("origins-0", "origins-1", "");
    assertThat(any.get(2).hasAllowMissing()).isTrue();
  }

  @Test
  void requestCredentialsAreIstioAuthnMetadataMatchers() throws Exception {
    HttpConnectionManager hcm = hcm(inbound(HTTP, ALL_KINDS));
    Policy deny = httpRules(hcm, "envoy.filters.http.rbac.deny")
        .getPoliciesOrThrow("ns[default]-policy[no-guests]-rule[0]");
    MetadataMatcher claim = deny.getPrincipals(0).getMetadata();
    assertThat(claim.getFilter()).isEqualTo("istio_authn");
    assertThat(claim.getPathList()).extracting(MetadataMatcher.PathSegment::getKey)
        .containsExactly("request.auth.claims", "groups");
    assertThat(claim.getValue().getListMatch().getOneOf().getStringMatch().getExact())
        .isEqualTo("guests");

    Policy allow = httpRules(hcm, "envoy.filters.http.rbac")
        .getPoliciesOrThrow("ns[default]-policy[users]-rule[0]");
    List<Principal> and = allow.getPrincipals(0).getAndIds().getIdsList();
    // when conditions first, then the source's fields, all ANDed.
    assertThat(and.get(0).getMetadata().getPath(0).getKey()).isEqualTo("request.auth.audiences");
    assertThat(and.get(0).getMetadata().getValue().getStringMatch().getExact())
        .isEqualTo("reviews");
    assertThat(and.get(1).getNotId().getMetadata().getPath(0).getKey())
        .isEqualTo("request.auth.presenter");
    MetadataMatcher principal = and.get(2).getMetadata();
    assertThat(principal.getFilter()).isEqualTo("istio_authn");
    assertThat(principal.getPath(0).getKey()).isEqualTo("request.auth.principal");
    assertThat(principal.getValue().getStringMatch().getPrefix())
        .isEqualTo("https://issuer.example/");
  }

  @Test
  void envoyFilterTypedStructBecomesLocalRateLimit() throws Exception {
    HttpConnectionManager hcm = hcm(inbound(HTTP, ALL_KINDS));
    LocalRateLimit rl = hcm.getHttpFilters(4).getTypedConfig().unpack(LocalRateLimit.class);
    assertThat(rl.getStatPrefix()).isEqualTo("http_local_rate_limiter");
    assertThat(rl.getTokenBucket().getMaxTokens()).isEqualTo(4);
    assertThat(rl.getTokenBucket().getTokensPerFill().getValue()).isEqualTo(4);
    assertThat(rl.getTokenBucket().getFillInterval().getSeconds()).isEqualTo(60);
    assertThat(rl.getFilterEnforced().getDefaultValue().getNumerator()).isEqualTo(100);
    assertThat(rl.getResponseHeadersToAdd(0).getHeader().getKey())
        .isEqualTo("x-local-rate-limit");
    assertThat(rl.getResponseHeadersToAdd(0).getAppend().getValue()).isFalse();

    // The TCP chain has no HTTP filters, and a workload the selector misses gets none.
    MeshSnapshot snapshot = TestMesh.load(dir);
    ProxyNode ratings = new ProxyNode("ratings-v1", "default",
        Map.of("app", "ratings", "version", "v1"), List.of("127.0.0.16"));
    Listener other = (Listener) XdsTranslator.translate(snapshot, ratings).get(TypeUrls.LISTENER,
        "xds.istio.io/grpc/lds/inbound/127.0.0.16:9080");
    assertThat(hcm(other).getHttpFiltersList()).extracting(HttpFilter::getName)
        .doesNotContain("envoy.filters.http.local_ratelimit", "envoy.filters.http.jwt_authn");
  }

  @Test
  void rateLimitOnlyOnItsPortNumber() throws Exception {
    String onOtherPort = String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: EnvoyFilter",
        "metadata: {name: ratelimit}",
        "spec:",
        "  configPatches:",
        "  - applyTo: HTTP_FILTER",
        "    match:",
        "      context: SIDECAR_INBOUND",
        "      listener:",
        "        portNumber: 9999",
        "        filterChain:",
        "          filter:",
        "            name: envoy.filters.network.http_connection_manager",
        "            subFilter: {name: envoy.filters.http.router}",
        "    patch:",
        "      operation: ADD",
        "      value:",
        "        name: envoy.filters.http.local_ratelimit",
        "        typed_config:",
        "          '@type': type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3"
            + ".LocalRateLimit",
        "          stat_prefix: rl",
        "          token_bucket: {max_tokens: 1, fill_interval: 1s}",
        "");
    assertThat(hcm(inbound(HTTP, onOtherPort)).getHttpFiltersList())
        .extracting(HttpFilter::getName).doesNotContain("envoy.filters.http.local_ratelimit");
    assertThat(hcm(inbound(HTTP, onOtherPort.replace("9999", "9080"))).getHttpFiltersList())
        .extracting(HttpFilter::getName).contains("envoy.filters.http.local_ratelimit");
  }

  @Test
  void onTcpAllowDropsHttpRulesAndDenyDropsOnlyTheirHttpFields() throws Exception {
    Listener l = inbound(TCP, String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: allow}",
        "spec:",
        "  rules:",
        "  - to: [{operation: {methods: [GET]}}]",
        "  - from: [{source: {requestPrincipals: ['*']}}]",
        "  - from: [{source: {namespaces: [default]}}]",
        "    to: [{operation: {ports: ['3306']}}]",
        "---",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: deny}",
        "spec:",
        "  action: DENY",
        "  rules:",
        "  - from: [{source: {ipBlocks: [10.1.0.0/16], requestPrincipals: ['*']}}]",
        "    to: [{operation: {paths: [/admin], ports: ['3306']}}]",
        "    when: [{key: 'request.headers[x-debug]', values: ['1']}]",
        "---",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: audit}",
        "spec:",
        "  action: AUDIT",
        "  rules: [{to: [{operation: {methods: [POST]}}]}]",
        ""));
    assertThat(l.getFilterChains(0).getFiltersList()).extracting(Filter::getName)
        .containsExactly("envoy.filters.network.rbac.audit", "envoy.filters.network.rbac.deny",
            "envoy.filters.network.rbac", "envoy.filters.network.tcp_proxy");

    RBAC allow = tcpRules(l, "envoy.filters.network.rbac");
    assertThat(allow.getPoliciesMap()).containsOnlyKeys("ns[default]-policy[allow]-rule[2]");

    Policy deny = tcpRules(l, "envoy.filters.network.rbac.deny")
        .getPoliciesOrThrow("ns[default]-policy[deny]-rule[0]");
    // The header condition, the request principal and the path are gone; IP and port stay.
    assertThat(deny.getPrincipals(0).getDirectRemoteIp().getAddressPrefix())
        .isEqualTo("10.1.0.0");
    assertThat(deny.getPermissions(0).getDestinationPort()).isEqualTo(3306);

    RBAC audit = tcpRules(l, "envoy.filters.network.rbac.audit");
    assertThat(audit.getAction()).isEqualTo(RBAC.Action.LOG);
    assertThat(audit.getPoliciesOrThrow("ns[default]-policy[audit]-rule[0]").getPermissions(0)
        .getAny()).isTrue();
  }
}
