package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.JwtTokens.now;
import static dev.jmesh.dataplane.config.JwtTokens.payload;
import static dev.jmesh.dataplane.config.JwtTokens.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import dev.jmesh.dataplane.policy.FakePolicyRequest;
import dev.jmesh.dataplane.policy.HttpFilterChain;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.InboundHttpFilter;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Envoy's jwt_authn as istiod writes it for a RequestAuthentication, compiled and run. */
class JwtAuthnCompilerTest {

  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "bookinfo";

  /** istiod's shape: one provider, a rule on {@code /} requiring it or no token at all. */
  private static JwtAuthentication.Builder istiod(JwtProvider.Builder provider) {
    return JwtAuthentication.newBuilder()
        .putProviders("origins-0", provider.build())
        .addRules(
            RequirementRule.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRequires(
                    JwtRequirement.newBuilder()
                        .setRequiresAny(
                            JwtRequirementOrList.newBuilder()
                                .addRequirements(
                                    JwtRequirement.newBuilder().setProviderName("origins-0"))
                                .addRequirements(
                                    JwtRequirement.newBuilder()
                                        .setAllowMissing(Empty.getDefaultInstance())))))
        .setBypassCorsPreflight(true);
  }

  private static JwtProvider.Builder provider() {
    return JwtProvider.newBuilder()
        .setIssuer(ISSUER)
        .addAudiences(AUDIENCE)
        .setLocalJwks(DataSource.newBuilder().setInlineString(JwtTokens.jwks()))
        .setPayloadInMetadata(ISSUER);
  }

  private static HttpPolicy policy(JwtAuthentication.Builder config, InboundHttpFilter... after)
      throws InvalidConfigException {
    List<InboundHttpFilter> filters = new java.util.ArrayList<>();
    filters.add(JwtAuthnCompiler.compile(config.build(), "typed_config"));
    filters.addAll(List.of(after));
    return HttpFilterChain.of(filters);
  }

  private static FakePolicyRequest bearer(String token) {
    return FakePolicyRequest.get("/productpage").header("authorization", "Bearer " + token);
  }

  private static String valid(String alg) {
    return sign(alg, payload(ISSUER, "alice", AUDIENCE, now() + 600));
  }

  @Test
  void aValidTokenYieldsTheRequestPrincipalAndIsNotForwarded() throws Exception {
    HttpPolicy p = policy(istiod(provider()));
    for (String alg : List.of("RS256", "PS256", "ES256")) {
      PolicyVerdict v = p.check(bearer(valid(alg)));
      assertThat(v.allowed()).as(alg).isTrue();
      assertThat(v.requestPrincipal()).as(alg).isEqualTo(ISSUER + "/alice");
      assertThat(v.requestHeadersToRemove()).as(alg).containsExactly("authorization");
    }
  }

  @Test
  void forwardKeepsTheToken() throws Exception {
    PolicyVerdict v = policy(istiod(provider().setForward(true))).check(bearer(valid("RS256")));
    assertThat(v.requestPrincipal()).isEqualTo(ISSUER + "/alice");
    assertThat(v.requestHeadersToRemove()).isEmpty();
  }

  @Test
  void aForgedSignatureIsRefused() throws Exception {
    String token = valid("RS256");
    String other = sign("RS256", payload(ISSUER, "mallory", AUDIENCE, now() + 600));
    // Alice's header and payload under a signature made for another payload.
    String forged =
        token.substring(0, token.lastIndexOf('.')) + other.substring(other.lastIndexOf('.'));
    PolicyVerdict v = policy(istiod(provider())).check(bearer(forged));
    assertThat(v.allowed()).isFalse();
    assertThat(v.status()).isEqualTo(401);
    assertThat(v.body()).isEqualTo("Jwt verification fails");
    assertThat(v.responseHeaders())
        .containsExactly(
            Map.entry(
                "www-authenticate",
                "Bearer realm=\"http://reviews:9080/productpage\", error=\"invalid_token\""));
  }

  @Test
  void anExpiredTokenIsRefusedBeyondTheClockSkew() throws Exception {
    HttpPolicy p = policy(istiod(provider()));
    PolicyVerdict expired =
        p.check(bearer(sign("ES256", payload(ISSUER, "alice", AUDIENCE, now() - 120))));
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.body()).isEqualTo("Jwt is expired");
    // Within the default 60 s of skew.
    assertThat(
            p.check(bearer(sign("ES256", payload(ISSUER, "alice", AUDIENCE, now() - 20))))
                .allowed())
        .isTrue();
  }

  @Test
  void aWrongAudienceIsRefused() throws Exception {
    PolicyVerdict v =
        policy(istiod(provider()))
            .check(bearer(sign("RS256", payload(ISSUER, "alice", "other", now() + 600))));
    assertThat(v.status()).isEqualTo(401);
    assertThat(v.body()).isEqualTo("Audiences in Jwt are not allowed");
  }

  @Test
  void aWrongIssuerIsRefused() throws Exception {
    PolicyVerdict v =
        policy(istiod(provider()))
            .check(
                bearer(
                    sign(
                        "RS256", payload("https://evil.example", "alice", AUDIENCE, now() + 600))));
    assertThat(v.status()).isEqualTo(401);
    assertThat(v.body()).isEqualTo("Jwt issuer is not configured");
  }

  @Test
  void aMalformedTokenIsRefused() throws Exception {
    PolicyVerdict v = policy(istiod(provider())).check(bearer("not-a-jwt"));
    assertThat(v.status()).isEqualTo(401);
    assertThat(v.body()).startsWith("Jwt is not in the form of Header.Payload.Signature");
  }

  @Test
  void aMissingTokenPassesWithoutAPrincipal() throws Exception {
    PolicyVerdict v = policy(istiod(provider())).check(FakePolicyRequest.get("/productpage"));
    assertThat(v).isSameAs(PolicyVerdict.CONTINUE);
  }

  @Test
  void aRequiredTokenThatIsMissingIsRefused() throws Exception {
    JwtAuthentication.Builder required =
        JwtAuthentication.newBuilder()
            .putProviders("origins-0", provider().build())
            .addRules(
                RequirementRule.newBuilder()
                    .setMatch(RouteMatch.newBuilder().setPrefix("/api"))
                    .setRequires(JwtRequirement.newBuilder().setProviderName("origins-0")));
    HttpPolicy p = policy(required);
    PolicyVerdict v = p.check(FakePolicyRequest.get("/api/books"));
    assertThat(v.status()).isEqualTo(401);
    assertThat(v.body()).isEqualTo("Jwt is missing");
    // No rule matches: nothing is required.
    assertThat(p.check(FakePolicyRequest.get("/health")).allowed()).isTrue();
  }

  @Test
  void thePayloadIsForwardedInAHeader() throws Exception {
    String token = valid("RS256");
    PolicyVerdict v =
        policy(istiod(provider().setForwardPayloadHeader("X-Jwt-Payload"))).check(bearer(token));
    String payload = token.split("\\.")[1];
    assertThat(v.requestHeaders()).containsExactly(Map.entry("x-jwt-payload", payload));
    assertThat(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8))
        .contains("\"sub\":\"alice\"");
  }

  @Test
  void tokensAreReadFromConfiguredHeadersAndParameters() throws Exception {
    HttpPolicy p =
        policy(
            istiod(
                provider()
                    .addFromHeaders(
                        io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader
                            .newBuilder()
                            .setName("X-Token"))
                    .addFromParams("token")));
    PolicyVerdict fromHeader =
        p.check(FakePolicyRequest.get("/").header("x-token", valid("ES256")));
    assertThat(fromHeader.requestPrincipal()).isEqualTo(ISSUER + "/alice");
    assertThat(fromHeader.requestHeadersToRemove()).containsExactly("x-token");
    PolicyVerdict fromParam = p.check(FakePolicyRequest.get("/?a=1&token=" + valid("RS256")));
    assertThat(fromParam.requestPrincipal()).isEqualTo(ISSUER + "/alice");
    // Authorization is no longer a location once others are configured.
    assertThat(p.check(bearer("garbage")).allowed()).isTrue();
  }

  @Test
  void requestPrincipalsAreMatchedByALaterRbacFilter() throws Exception {
    InboundHttpFilter allow =
        RbacCompiler.rules(
            "envoy.filters.http.rbac",
            IstioRbac.rules(
                RBAC.Action.ALLOW,
                IstioRbac.policy(
                    IstioRbac.everything(), IstioRbac.requestPrincipal(ISSUER + "/*"))),
            "rules");
    InboundHttpFilter admins =
        RbacCompiler.rules(
            "envoy.filters.http.rbac.admin",
            IstioRbac.rules(
                RBAC.Action.ALLOW,
                IstioRbac.policy(IstioRbac.path("/admin*"), IstioRbac.claim("groups", "admin")),
                IstioRbac.policy(IstioRbac.notRule(IstioRbac.path("/admin*")), IstioRbac.anyone())),
            "rules");
    HttpPolicy p = policy(istiod(provider()), allow, admins);
    assertThat(p.check(bearer(valid("RS256"))).allowed()).isTrue();
    PolicyVerdict anonymous = p.check(FakePolicyRequest.get("/productpage"));
    assertThat(anonymous.status()).isEqualTo(403);
    assertThat(anonymous.body()).isEqualTo("RBAC: access denied");
    String admin = sign("RS256", payload(ISSUER, "alice", AUDIENCE, now() + 600));
    assertThat(
            p.check(FakePolicyRequest.get("/admin/x").header("authorization", "Bearer " + admin))
                .allowed())
        .isTrue();
    String dev =
        sign(
            "RS256",
            "{\"iss\":\""
                + ISSUER
                + "\",\"sub\":\"bob\",\"aud\":\""
                + AUDIENCE
                + "\",\"groups\":[\"dev\"]}");
    PolicyVerdict devDenied =
        p.check(FakePolicyRequest.get("/admin/x").header("authorization", "Bearer " + dev));
    assertThat(devDenied.status()).isEqualTo(403);
    // The record still learns who was refused.
    assertThat(devDenied.requestPrincipal()).isEqualTo(ISSUER + "/bob");
  }

  @Test
  void corsPreflightBypassesVerification() throws Exception {
    PolicyVerdict v =
        policy(istiod(provider()))
            .check(
                FakePolicyRequest.of("OPTIONS", "reviews", "/")
                    .header("origin", "https://a.example")
                    .header("access-control-request-method", "GET")
                    .header("authorization", "Bearer garbage"));
    assertThat(v.allowed()).isTrue();
  }

  @Test
  void jwksCanBeReadFromAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("jwks.json");
    Files.writeString(file, JwtTokens.jwks());
    HttpPolicy p =
        policy(
            istiod(provider().setLocalJwks(DataSource.newBuilder().setFilename(file.toString()))));
    assertThat(p.check(bearer(valid("ES256"))).requestPrincipal()).isEqualTo(ISSUER + "/alice");
  }

  @Test
  void aBadJwksIsRefusedNamingTheProvider() {
    JwtAuthentication.Builder bad =
        istiod(
            provider()
                .setLocalJwks(
                    DataSource.newBuilder().setInlineString("{\"keys\":[{\"kty\":\"oct\"}]}")));
    assertThatThrownBy(() -> policy(bad))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage(
            "typed_config.providers[origins-0].local_jwks: provider origins-0: bad JWKS: keys[0]:"
                + " kty 'oct' is not supported (RSA or EC)");
    JwtAuthentication.Builder remote =
        istiod(
            provider()
                .clearLocalJwks()
                .setRemoteJwks(
                    io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks
                        .getDefaultInstance()));
    assertThatThrownBy(() -> policy(remote))
        .hasMessage("typed_config.providers[origins-0].remote_jwks: not supported");
  }

  /**
   * istiod with two RequestAuthentication rules: OR{P1, P2, AND{OR{P1, missing}, OR{P2, missing}}}.
   */
  private static JwtAuthentication.Builder istiodTwoProviders() {
    JwtRequirement p0 = JwtRequirement.newBuilder().setProviderName("origins-0").build();
    JwtRequirement p1 = JwtRequirement.newBuilder().setProviderName("origins-1").build();
    JwtRequirement missing =
        JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance()).build();
    JwtRequirement inner =
        JwtRequirement.newBuilder()
            .setRequiresAll(
                io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementAndList
                    .newBuilder()
                    .addRequirements(
                        JwtRequirement.newBuilder()
                            .setRequiresAny(
                                JwtRequirementOrList.newBuilder()
                                    .addRequirements(p0)
                                    .addRequirements(missing)))
                    .addRequirements(
                        JwtRequirement.newBuilder()
                            .setRequiresAny(
                                JwtRequirementOrList.newBuilder()
                                    .addRequirements(p1)
                                    .addRequirements(missing))))
            .build();
    return JwtAuthentication.newBuilder()
        .putProviders("origins-0", provider().build())
        .putProviders(
            "origins-1", provider().setIssuer("https://other.example").clearAudiences().build())
        .addRules(
            RequirementRule.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRequires(
                    JwtRequirement.newBuilder()
                        .setRequiresAny(
                            JwtRequirementOrList.newBuilder()
                                .addRequirements(p0)
                                .addRequirements(p1)
                                .addRequirements(inner))))
        .setBypassCorsPreflight(true);
  }

  @Test
  void twoProvidersSharingTheAuthorizationHeaderEachAcceptTheirTokens() throws Exception {
    HttpPolicy p = policy(istiodTwoProviders());
    assertThat(p.check(bearer(valid("RS256"))).requestPrincipal()).isEqualTo(ISSUER + "/alice");
    String other = sign("ES256", payload("https://other.example", "bob", "x", now() + 600));
    assertThat(p.check(bearer(other)).requestPrincipal()).isEqualTo("https://other.example/bob");
    assertThat(p.check(FakePolicyRequest.get("/"))).isSameAs(PolicyVerdict.CONTINUE);
    PolicyVerdict unknown =
        p.check(
            bearer(sign("RS256", payload("https://evil.example", "eve", AUDIENCE, now() + 600))));
    assertThat(unknown.body()).isEqualTo("Jwt issuer is not configured");
    PolicyVerdict expired =
        p.check(bearer(sign("RS256", payload(ISSUER, "alice", AUDIENCE, now() - 3600))));
    assertThat(expired.body()).isEqualTo("Jwt is expired");
  }

  @Test
  void cookiesCarryTokensAndClaimsCanBecomeHeaders() throws Exception {
    HttpPolicy p =
        policy(
            istiod(
                provider()
                    .addFromCookies("session")
                    .addClaimToHeaders(
                        io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader
                            .newBuilder()
                            .setHeaderName("X-Groups")
                            .setClaimName("groups"))
                    .addClaimToHeaders(
                        io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader
                            .newBuilder()
                            .setHeaderName("x-sub")
                            .setClaimName("sub"))));
    PolicyVerdict v =
        p.check(FakePolicyRequest.get("/").header("cookie", "a=b; session=" + valid("ES256")));
    assertThat(v.requestPrincipal()).isEqualTo(ISSUER + "/alice");
    assertThat(v.requestHeaders())
        .containsExactly(Map.entry("x-groups", "admin,dev"), Map.entry("x-sub", "alice"));
    // A cookie is not removed: the header holds other cookies too.
    assertThat(v.requestHeadersToRemove()).isEmpty();
  }

  private static JwtAuthentication.Builder only(JwtRequirement.Builder requirement) {
    return JwtAuthentication.newBuilder()
        .putProviders("origins-0", provider().build())
        .addRules(
            RequirementRule.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRequires(requirement));
  }

  @Test
  void allowMissingAloneStillVerifiesATokenThatIsThere() throws Exception {
    HttpPolicy p =
        policy(only(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance())));
    assertThat(p.check(FakePolicyRequest.get("/"))).isSameAs(PolicyVerdict.CONTINUE);
    assertThat(p.check(bearer(valid("PS256"))).requestPrincipal()).isEqualTo(ISSUER + "/alice");
    assertThat(p.check(bearer(valid("PS256") + "x")).body()).isEqualTo("Jwt verification fails");
  }

  @Test
  void allowMissingOrFailedLetsEverythingThroughButKeepsAValidPrincipal() throws Exception {
    HttpPolicy p =
        policy(
            only(JwtRequirement.newBuilder().setAllowMissingOrFailed(Empty.getDefaultInstance())));
    PolicyVerdict bad = p.check(bearer("a.b.c"));
    assertThat(bad.allowed()).isTrue();
    assertThat(bad.requestPrincipal()).isNull();
    assertThat(p.check(bearer(valid("ES256"))).requestPrincipal()).isEqualTo(ISSUER + "/alice");
  }
}
