package dev.jmesh.controlplane.internal.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inbound listeners: mTLS mode from PeerAuthentication, AuthorizationPolicy as RBAC. */
class InboundBuilderTest {
  static final String NAME = "xds.istio.io/grpc/lds/inbound/127.0.0.14:9080";
  static final ProxyNode REVIEWS_V2 = new ProxyNode("reviews-v2", "default",
      Map.of("app", "reviews", "version", "v2"), List.of("127.0.0.14"));

  @TempDir Path dir;

  @BeforeEach
  void services() {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
  }

  private Listener inbound(String... files) {
    for (int i = 0; i < files.length; i += 2) {
      TestMesh.write(dir, files[i], files[i + 1]);
    }
    MeshSnapshot snapshot = TestMesh.load(dir);
    assertThat(snapshot.diagnostics()).isEmpty();
    return (Listener) XdsTranslator.translate(snapshot, REVIEWS_V2).get(TypeUrls.LISTENER, NAME);
  }

  private static HttpConnectionManager hcm(FilterChain chain) throws Exception {
    return chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
  }

  @Test
  void permissiveByDefaultWithTlsAndPlaintextChains() throws Exception {
    Listener l = inbound();
    assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(9080);
    assertThat(l.getListenerFilters(0).getName()).isEqualTo("envoy.filters.listener.tls_inspector");
    assertThat(l.getFilterChainsList()).extracting(c -> c.getFilterChainMatch()
        .getTransportProtocol()).containsExactly("tls", "raw_buffer");
    DownstreamTlsContext tls = l.getFilterChains(0).getTransportSocket().getTypedConfig()
        .unpack(DownstreamTlsContext.class);
    assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
    assertThat(tls.getCommonTlsContext().getTlsCertificateProviderInstance().getInstanceName())
        .isEqualTo("default");
    HttpConnectionManager hcm = hcm(l.getFilterChains(1));
    assertThat(hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).hasNonForwardingAction())
        .isTrue();
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.fault", "envoy.filters.http.router");
  }

  @Test
  void strictNamespaceWideAndPortLevelDisable() throws Exception {
    String strict = String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: PeerAuthentication",
        "metadata: {name: default}",
        "spec: {mtls: {mode: STRICT}}",
        "");
    Listener l = inbound("pa.yaml", strict);
    assertThat(l.getFilterChainsCount()).isEqualTo(1);
    assertThat(l.getFilterChains(0).hasTransportSocket()).isTrue();

    Listener open = inbound("pa-reviews.yaml", String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: PeerAuthentication",
        "metadata: {name: reviews}",
        "spec:",
        "  selector: {matchLabels: {app: reviews}}",
        "  portLevelMtls:",
        "    9080: {mode: DISABLE}",
        ""));
    assertThat(open.getFilterChainsCount()).isEqualTo(1);
    assertThat(open.getFilterChains(0).hasTransportSocket()).isFalse();
  }

  @Test
  void authorizationPoliciesBecomeRbacDenyThenAllow() throws Exception {
    Listener l = inbound("ap.yaml", String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: reviews-viewer}",
        "spec:",
        "  selector: {matchLabels: {app: reviews}}",
        "  rules:",
        "  - from:",
        "    - source: {principals: [cluster.local/ns/default/sa/bookinfo-productpage]}",
        "    to:",
        "    - operation: {methods: [GET], paths: [/reviews/*]}",
        "---",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: no-admin, namespace: istio-system}",
        "spec:",
        "  action: DENY",
        "  rules:",
        "  - to:",
        "    - operation: {paths: [/admin*]}",
        "---",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: ratings-only}",
        "spec:",
        "  selector: {matchLabels: {app: ratings}}",
        "  rules: [{}]",
        ""));
    HttpConnectionManager hcm = hcm(l.getFilterChains(1));
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(
        "envoy.filters.http.rbac.deny", "envoy.filters.http.rbac", "envoy.filters.http.fault",
        "envoy.filters.http.router");
    RBAC deny = hcm.getHttpFilters(0).getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
    assertThat(deny.getAction()).isEqualTo(RBAC.Action.DENY);
    assertThat(deny.getPoliciesMap()).containsOnlyKeys(
        "ns[istio-system]-policy[no-admin]-rule[0]");
    assertThat(deny.getPoliciesMap().values().iterator().next().getPermissions(0).getUrlPath()
        .getPath().getPrefix()).isEqualTo("/admin");

    RBAC allow = hcm.getHttpFilters(1).getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
    assertThat(allow.getAction()).isEqualTo(RBAC.Action.ALLOW);
    Policy p = allow.getPoliciesOrThrow("ns[default]-policy[reviews-viewer]-rule[0]");
    assertThat(p.getPrincipals(0).getAuthenticated().getPrincipalName().getExact())
        .isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
    // Fields keep the order written: methods, then paths.
    var and = p.getPermissions(0).getAndRules().getRulesList();
    assertThat(and.get(0).getHeader().getName()).isEqualTo(":method");
    assertThat(and.get(0).getHeader().getStringMatch().getExact()).isEqualTo("GET");
    assertThat(and.get(1).getUrlPath().getPath().getPrefix()).isEqualTo("/reviews/");
  }

  @Test
  void proxylessServerGetsTheListenerOfItsListeningAddress() {
    MeshSnapshot snapshot = TestMesh.load(dir);
    ProxyResources r = XdsTranslator.translate(snapshot, REVIEWS_V2);
    assertThat(r.all(TypeUrls.LISTENER)).containsKey(NAME);
    Listener l = (Listener) r.get(TypeUrls.LISTENER, InboundBuilder.PREFIX + "0.0.0.0:9080");
    assertThat(l.getName()).isEqualTo(InboundBuilder.PREFIX + "0.0.0.0:9080");
    assertThat(l.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
    assertThat(XdsTranslator.translate(snapshot, XdsTranslatorTest.PRODUCTPAGE)
        .all(TypeUrls.LISTENER).keySet()).noneMatch(n -> n.startsWith(InboundBuilder.PREFIX));
  }
}
