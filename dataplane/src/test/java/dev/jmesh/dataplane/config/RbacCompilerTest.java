package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.IstioRbac.andIds;
import static dev.jmesh.dataplane.config.IstioRbac.andRules;
import static dev.jmesh.dataplane.config.IstioRbac.anyone;
import static dev.jmesh.dataplane.config.IstioRbac.everything;
import static dev.jmesh.dataplane.config.IstioRbac.header;
import static dev.jmesh.dataplane.config.IstioRbac.host;
import static dev.jmesh.dataplane.config.IstioRbac.httpFilter;
import static dev.jmesh.dataplane.config.IstioRbac.ipBlock;
import static dev.jmesh.dataplane.config.IstioRbac.method;
import static dev.jmesh.dataplane.config.IstioRbac.namespace;
import static dev.jmesh.dataplane.config.IstioRbac.notId;
import static dev.jmesh.dataplane.config.IstioRbac.notRule;
import static dev.jmesh.dataplane.config.IstioRbac.orIds;
import static dev.jmesh.dataplane.config.IstioRbac.orRules;
import static dev.jmesh.dataplane.config.IstioRbac.path;
import static dev.jmesh.dataplane.config.IstioRbac.policy;
import static dev.jmesh.dataplane.config.IstioRbac.port;
import static dev.jmesh.dataplane.config.IstioRbac.principal;
import static dev.jmesh.dataplane.config.IstioRbac.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.ConnectionRbac;
import dev.jmesh.dataplane.policy.FakePolicyRequest;
import dev.jmesh.dataplane.policy.HttpFilterChain;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.InboundHttpFilter;
import dev.jmesh.dataplane.policy.PolicyContext;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.policy.RbacFilter;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RBAC as istiod writes it for AuthorizationPolicy, compiled and evaluated. */
class RbacCompilerTest {

  private static final String SLEEP = "cluster.local/ns/default/sa/sleep";
  private static final String PROD = "cluster.local/ns/prod/sa/frontend";

  private static RbacFilter compile(RBAC rbac) throws InvalidConfigException {
    return RbacCompiler.rules("envoy.filters.http.rbac", rbac, "rules");
  }

  /** Whether an ALLOW policy of one rule lets {@code request} through. */
  private static boolean allowed(Permission permission, Principal principal, FakePolicyRequest r)
      throws InvalidConfigException {
    RbacFilter f = compile(rules(RBAC.Action.ALLOW, policy(permission, principal)));
    return !f.denies(PolicyContext.of(r));
  }

  private static FakePolicyRequest get(String path) {
    return FakePolicyRequest.get(path);
  }

  @Test
  void principalsMatchThePeersSpiffeIdExactlyOrByPrefix() throws Exception {
    assertThat(allowed(everything(), principal(SLEEP), get("/").from("spiffe://" + SLEEP)))
        .isTrue();
    assertThat(allowed(everything(), principal(SLEEP), get("/").from("spiffe://" + PROD)))
        .isFalse();
    // Plaintext: no peer identity at all.
    assertThat(allowed(everything(), principal(SLEEP), get("/"))).isFalse();
    assertThat(
            allowed(
                everything(),
                principal("cluster.local/ns/default/*"),
                get("/").from("spiffe://" + SLEEP)))
        .isTrue();
  }

  @Test
  void namespacesAreIstiodsRegexOnThePrincipal() throws Exception {
    assertThat(allowed(everything(), namespace("prod"), get("/").from("spiffe://" + PROD)))
        .isTrue();
    assertThat(allowed(everything(), namespace("prod"), get("/").from("spiffe://" + SLEEP)))
        .isFalse();
    assertThat(allowed(everything(), notId(namespace("prod")), get("/").from("spiffe://" + SLEEP)))
        .isTrue();
  }

  @Test
  void notPrincipalsInvertTheMatch() throws Exception {
    Principal notSleep = notId(principal(SLEEP));
    assertThat(allowed(everything(), notSleep, get("/").from("spiffe://" + SLEEP))).isFalse();
    assertThat(allowed(everything(), notSleep, get("/").from("spiffe://" + PROD))).isTrue();
  }

  @Test
  void ipBlocksMatchThePeerAddressInItsFamily() throws Exception {
    Principal tenEight = ipBlock("10.0.0.0", 8);
    assertThat(allowed(everything(), tenEight, get("/").fromIp("10.200.3.4"))).isTrue();
    assertThat(allowed(everything(), tenEight, get("/").fromIp("11.0.0.1"))).isFalse();
    assertThat(allowed(everything(), tenEight, get("/").fromIp("::ffff:0a00:0001"))).isTrue();
    Principal v6 = ipBlock("2001:db8::", 32);
    assertThat(allowed(everything(), v6, get("/").fromIp("2001:db8:1::7"))).isTrue();
    assertThat(allowed(everything(), v6, get("/").fromIp("2001:db9::7"))).isFalse();
    assertThat(allowed(everything(), v6, get("/").fromIp("10.0.0.1"))).isFalse();
    assertThat(allowed(everything(), ipBlock("10.1.2.3", 32), get("/").fromIp("10.1.2.3")))
        .isTrue();
  }

  @Test
  void pathsMatchWithoutTheQuery() throws Exception {
    FakePolicyRequest withQuery = get("/api/v1/books?id=7");
    assertThat(allowed(path("/api/*"), anyone(), withQuery)).isTrue();
    assertThat(allowed(path("*/books"), anyone(), withQuery)).isTrue();
    assertThat(allowed(path("/api/v1/books"), anyone(), withQuery)).isTrue();
    assertThat(allowed(path("/api/v1/book"), anyone(), withQuery)).isFalse();
    assertThat(allowed(path("*"), anyone(), get("/anything"))).isTrue();
    assertThat(allowed(path("/admin*"), anyone(), withQuery)).isFalse();
  }

  @Test
  void methodsHostsPortsAndHeaders() throws Exception {
    assertThat(allowed(method("GET"), anyone(), get("/"))).isTrue();
    assertThat(allowed(method("POST"), anyone(), get("/"))).isFalse();
    // hosts ignore case, as istiod asks.
    assertThat(allowed(host("Reviews*"), anyone(), get("/"))).isTrue();
    assertThat(allowed(host("ratings*"), anyone(), get("/"))).isFalse();
    assertThat(allowed(port(9080), anyone(), get("/"))).isTrue();
    assertThat(allowed(port(9080), anyone(), get("/").toPort(9443))).isFalse();
    assertThat(allowed(header("x-tenant", "blue"), anyone(), get("/").header("X-Tenant", "blue")))
        .isTrue();
    assertThat(allowed(header("x-tenant", "blue"), anyone(), get("/"))).isFalse();
    // The Host header is the authority.
    Permission hostHeader =
        Permission.newBuilder()
            .setHeader(HeaderMatcher.newBuilder().setName("host").setExactMatch("reviews:9080"))
            .build();
    assertThat(allowed(hostHeader, anyone(), get("/"))).isTrue();
  }

  @Test
  void notFormsOfOperations() throws Exception {
    Permission notPost = notRule(method("POST"));
    assertThat(allowed(notPost, anyone(), get("/"))).isTrue();
    assertThat(allowed(notPost, anyone(), FakePolicyRequest.of("POST", "reviews", "/"))).isFalse();
    Permission notAdmin = notRule(path("/admin*"));
    assertThat(allowed(notAdmin, anyone(), get("/admin/users"))).isFalse();
    assertThat(allowed(notAdmin, anyone(), get("/users"))).isTrue();
  }

  @Test
  void andOrNesting() throws Exception {
    // to: [{methods: [GET, HEAD], paths: [/public/*]}] from: [{principals: [sleep], ipBlocks}]
    Permission op = andRules(orRules(method("GET"), method("HEAD")), path("/public/*"));
    Principal src =
        andIds(principal(SLEEP), orIds(ipBlock("10.0.0.0", 8), ipBlock("192.168.0.0", 16)));
    FakePolicyRequest ok = get("/public/x").from("spiffe://" + SLEEP).fromIp("192.168.1.1");
    assertThat(allowed(op, src, ok)).isTrue();
    assertThat(allowed(op, src, get("/private").from("spiffe://" + SLEEP))).isFalse();
    assertThat(allowed(op, src, get("/public/x").from("spiffe://" + SLEEP).fromIp("172.16.0.1")))
        .isFalse();
    assertThat(
            allowed(
                op,
                src,
                FakePolicyRequest.of("DELETE", "reviews", "/public/x").from("spiffe://" + SLEEP)))
        .isFalse();
  }

  @Test
  void anAllowFilterWithoutPoliciesDeniesEverything() throws Exception {
    RbacFilter f = compile(rules(RBAC.Action.ALLOW));
    assertThat(f.denies(PolicyContext.of(get("/").from("spiffe://" + SLEEP)))).isTrue();
    PolicyVerdict v = HttpFilterChain.of(List.of(f)).check(get("/"));
    assertThat(v.allowed()).isFalse();
    assertThat(v.status()).isEqualTo(403);
    assertThat(v.body()).isEqualTo("RBAC: access denied");
  }

  @Test
  void denyRunsBeforeAllow() throws Exception {
    // DENY POST from anyone; ALLOW everything from the default namespace.
    List<InboundHttpFilter> filters = new ArrayList<>();
    filters.add(
        RbacCompiler.http(
            "envoy.filters.http.rbac.deny",
            unpackHttp(httpFilter("d", rules(RBAC.Action.DENY, policy(method("POST"), anyone())))),
            "deny"));
    filters.add(
        RbacCompiler.http(
            "envoy.filters.http.rbac",
            unpackHttp(
                httpFilter(
                    "a", rules(RBAC.Action.ALLOW, policy(everything(), namespace("default"))))),
            "allow"));
    HttpPolicy policy = HttpFilterChain.of(filters);
    assertThat(policy.check(get("/").from("spiffe://" + SLEEP)).allowed()).isTrue();
    assertThat(
            policy
                .check(FakePolicyRequest.of("POST", "reviews", "/").from("spiffe://" + SLEEP))
                .allowed())
        .isFalse();
    assertThat(policy.check(get("/").from("spiffe://" + PROD)).allowed()).isFalse();
    assertThat(policy.check(get("/").from("spiffe://" + SLEEP))).isSameAs(PolicyVerdict.CONTINUE);
  }

  @Test
  void logNeverDeniesButMarksTheVerdictAudited() throws Exception {
    RbacFilter audit = compile(rules(RBAC.Action.LOG, policy(path("/secret*"), anyone())));
    HttpPolicy policy = HttpFilterChain.of(List.of(audit));
    PolicyVerdict matched = policy.check(get("/secret/1"));
    assertThat(matched.allowed()).isTrue();
    assertThat(matched.audited()).isTrue();
    PolicyVerdict other = policy.check(get("/public"));
    assertThat(other.allowed()).isTrue();
    assertThat(other.audited()).isFalse();
  }

  @Test
  void networkRbacChecksConnections() throws Exception {
    Filter deny =
        Filter.newBuilder()
            .setName("envoy.filters.network.rbac.deny")
            .setTypedConfig(
                Any.pack(
                    io.envoyproxy
                        .envoy
                        .extensions
                        .filters
                        .network
                        .rbac
                        .v3
                        .RBAC
                        .newBuilder()
                        .setStatPrefix("inbound_5432")
                        .setRules(
                            rules(RBAC.Action.DENY, policy(everything(), ipBlock("10.9.0.0", 16))))
                        .build()))
            .build();
    Filter allow =
        Filter.newBuilder()
            .setName("envoy.filters.network.rbac")
            .setTypedConfig(
                Any.pack(
                    io.envoyproxy
                        .envoy
                        .extensions
                        .filters
                        .network
                        .rbac
                        .v3
                        .RBAC
                        .newBuilder()
                        .setStatPrefix("inbound_5432")
                        .setRules(
                            rules(RBAC.Action.ALLOW, policy(port(5432), namespace("default"))))
                        .build()))
            .build();
    ConnectionPolicy p =
        ConnectionRbac.of(
            List.of(
                InboundFilterCompiler.network(deny, "filters[0]"),
                InboundFilterCompiler.network(allow, "filters[1]")));
    assertThat(
            p.allows(
                FakePolicyRequest.connection("10.1.0.1", 1, "10.0.0.7", 5432, "spiffe://" + SLEEP)))
        .isTrue();
    assertThat(
            p.allows(
                FakePolicyRequest.connection("10.9.0.1", 1, "10.0.0.7", 5432, "spiffe://" + SLEEP)))
        .isFalse();
    assertThat(p.allows(FakePolicyRequest.connection("10.1.0.1", 1, "10.0.0.7", 5432, null)))
        .isFalse();
    assertThat(
            p.allows(
                FakePolicyRequest.connection("10.1.0.1", 1, "10.0.0.7", 5433, "spiffe://" + SLEEP)))
        .isFalse();
  }

  @Test
  void aRequestOnlyMatcherNeverMatchesAConnection() throws Exception {
    RbacFilter allowGet = compile(rules(RBAC.Action.ALLOW, policy(method("GET"), anyone())));
    assertThat(
            allowGet.denies(
                PolicyContext.of(FakePolicyRequest.connection("10.1.0.1", 1, "10.0.0.7", 1, null))))
        .isTrue();
  }

  @Test
  void whatCannotBeEvaluatedIsRefusedWithItsLocation() {
    RBAC withCondition =
        RBAC.newBuilder()
            .setAction(RBAC.Action.ALLOW)
            .putPolicies(
                "p",
                policy(everything(), anyone()).toBuilder()
                    .setCondition(com.google.api.expr.v1alpha1.Expr.newBuilder().setId(1).build())
                    .build())
            .build();
    assertThatThrownBy(() -> compile(withCondition))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("rules.policies[p].condition: not supported");
    RBAC otherMetadata =
        rules(
            RBAC.Action.ALLOW,
            policy(
                everything(),
                Principal.newBuilder()
                    .setMetadata(
                        io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher.newBuilder()
                            .setFilter("envoy.filters.http.jwt_authn"))
                    .build()));
    assertThatThrownBy(() -> compile(otherMetadata))
        .hasMessageStartingWith(
            "rules.policies[ns[default]-policy[p0]-rule[0]].principals[0].metadata.filter: only"
                + " istio_authn");
    RBAC badCidr = rules(RBAC.Action.DENY, policy(everything(), ipBlock("10.0.0.300", 8)));
    assertThatThrownBy(() -> compile(badCidr))
        .hasMessageContaining("principals[0].direct_remote_ip: '10.0.0.300' is not an IP address");
    RBAC emptyPrincipals =
        RBAC.newBuilder()
            .putPolicies(
                "p",
                io.envoyproxy.envoy.config.rbac.v3.Policy.newBuilder()
                    .addPermissions(everything())
                    .build())
            .build();
    assertThatThrownBy(() -> compile(emptyPrincipals))
        .hasMessage("rules.policies[p].principals: must not be empty");
  }

  @Test
  void istiodsLiteralRegexesBecomeLiteralMatchers() {
    assertThat(RbacCompiler.literalRegex(".*/ns/prod/.*")).hasToString("contains:/ns/prod/");
    assertThat(RbacCompiler.literalRegex(".*")).hasToString("prefix:");
    assertThat(RbacCompiler.literalRegex("spiffe://td/.*")).hasToString("prefix:spiffe://td/");
    assertThat(RbacCompiler.literalRegex(".*\\.example\\.com")).hasToString("suffix:.example.com");
    assertThat(RbacCompiler.literalRegex("/exact")).hasToString("exact:/exact");
    for (String regex :
        List.of(".+", ".*/ns/(a|b)/.*", "\\d+", ".*/ns/\\Qx\\E/.*", "a\\.*", "a\\")) {
      assertThat(RbacCompiler.literalRegex(regex)).as(regex).isNull();
    }
  }

  private static io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC unpackHttp(
      io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter f)
      throws Exception {
    return f.getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
  }
}
