package dev.jmesh.dataplane.config;

import static dev.jmesh.dataplane.config.IstioRbac.anyone;
import static dev.jmesh.dataplane.config.IstioRbac.everything;
import static dev.jmesh.dataplane.config.IstioRbac.method;
import static dev.jmesh.dataplane.config.IstioRbac.namespace;
import static dev.jmesh.dataplane.config.IstioRbac.policy;
import static dev.jmesh.dataplane.config.IstioRbac.requestPrincipal;
import static dev.jmesh.dataplane.config.IstioRbac.rules;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Empty;
import dev.jmesh.dataplane.policy.FakePolicyRequest;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whole inbound listeners as the control plane's InboundBuilder builds them (PERMISSIVE: TLS
 * inspector, an mTLS and a plaintext chain), with AuthorizationPolicy and RequestAuthentication
 * filters, compiled into chains whose policies behave.
 */
class InboundPolicyListenerTest {

  private static final String HTTP = "xds.istio.io/grpc/lds/inbound/10.0.0.7:9080";
  private static final String TCP = "xds.istio.io/grpc/lds/inbound/10.0.0.7:5432";
  private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
  private static final String PROD = "spiffe://cluster.local/ns/prod/sa/frontend";
  private static final String ISSUER = "https://issuer.example";

  private static TransportSocket mtls() {
    CertificateProviderPluginInstance.Builder provider =
        CertificateProviderPluginInstance.newBuilder().setInstanceName("default");
    CommonTlsContext common =
        CommonTlsContext.newBuilder()
            .setTlsCertificateProviderInstance(provider.clone().setCertificateName("default"))
            .setCombinedValidationContext(
                CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                    .setDefaultValidationContext(
                        CertificateValidationContext.newBuilder()
                            .setCaCertificateProviderInstance(
                                provider.clone().setCertificateName("ROOTCA"))))
            .build();
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(
            Any.pack(
                DownstreamTlsContext.newBuilder()
                    .setCommonTlsContext(common)
                    .setRequireClientCertificate(BoolValue.of(true))
                    .build()))
        .build();
  }

  /** PERMISSIVE, as InboundBuilder.listener builds it around one chain. */
  private static Listener permissive(String name, int port, FilterChain chain) {
    return Listener.newBuilder()
        .setName(name)
        .setTrafficDirection(TrafficDirection.INBOUND)
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress("10.0.0.7").setPortValue(port)))
        .addListenerFilters(
            ListenerFilter.newBuilder()
                .setName("envoy.filters.listener.tls_inspector")
                .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
        .addFilterChains(
            chain.toBuilder()
                .setName("inbound-mtls")
                .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls"))
                .setTransportSocket(mtls()))
        .addFilterChains(
            chain.toBuilder()
                .setName("inbound-plaintext")
                .setFilterChainMatch(
                    FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer")))
        .build();
  }

  private static HttpConnectionManager.Builder hcm() {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix("inbound_9080")
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setRouteConfig(
            RouteConfiguration.newBuilder()
                .setName("inbound|9080")
                .addVirtualHosts(
                    VirtualHost.newBuilder()
                        .setName("inbound|http|9080")
                        .addDomains("*")
                        .addRoutes(
                            Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setNonForwardingAction(
                                    NonForwardingAction.getDefaultInstance()))));
  }

  private static HttpFilter fault() {
    return HttpFilter.newBuilder()
        .setName("envoy.filters.http.fault")
        .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance()))
        .build();
  }

  private static HttpFilter router() {
    return HttpFilter.newBuilder()
        .setName("envoy.filters.http.router")
        .setTypedConfig(Any.pack(Router.getDefaultInstance()))
        .build();
  }

  private static FilterChain httpChain(HttpConnectionManager.Builder hcm) {
    return FilterChain.newBuilder()
        .addFilters(
            Filter.newBuilder()
                .setName("envoy.filters.network.http_connection_manager")
                .setTypedConfig(Any.pack(hcm.build())))
        .build();
  }

  private static Filter networkRbac(String name, RBAC rules) {
    return Filter.newBuilder()
        .setName(name)
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
                    .setRules(rules)
                    .setStatPrefix("inbound_5432")
                    .build()))
        .build();
  }

  private static MeshSnapshot.Compilation compile(Listener l) {
    return MeshSnapshot.EMPTY.withListeners(Map.of(l.getName(), l));
  }

  /** DENY DELETE from anyone; ALLOW the default namespace: Istio's two filters, then fault. */
  private static HttpConnectionManager.Builder authorized() {
    return hcm()
        .addHttpFilters(
            IstioRbac.httpFilter(
                "envoy.filters.http.rbac.deny",
                rules(RBAC.Action.DENY, policy(method("DELETE"), anyone()))))
        .addHttpFilters(
            IstioRbac.httpFilter(
                "envoy.filters.http.rbac",
                rules(RBAC.Action.ALLOW, policy(everything(), namespace("default")))))
        .addHttpFilters(fault())
        .addHttpFilters(router());
  }

  @Test
  void anHttpPortEnforcesAuthorizationOnEveryChain() {
    MeshSnapshot.Compilation c = compile(permissive(HTTP, 9080, httpChain(authorized())));
    assertThat(c.rejections()).isEmpty();
    InboundListener l = c.snapshot().inboundListener(HTTP);
    InboundListener.Chain mtls = l.chain(true);
    assertThat(mtls.name()).isEqualTo("inbound-mtls");
    assertThat(mtls.httpPolicy().check(FakePolicyRequest.get("/").from(SLEEP)).allowed()).isTrue();
    PolicyVerdict delete =
        mtls.httpPolicy().check(FakePolicyRequest.of("DELETE", "reviews", "/").from(SLEEP));
    assertThat(delete.status()).isEqualTo(403);
    assertThat(delete.body()).isEqualTo("RBAC: access denied");
    assertThat(mtls.httpPolicy().check(FakePolicyRequest.get("/").from(PROD)).allowed()).isFalse();
    // Plaintext peers have no identity, so a namespace rule cannot admit them.
    InboundListener.Chain plaintext = l.chain(false);
    assertThat(plaintext.httpPolicy().check(FakePolicyRequest.get("/")).status()).isEqualTo(403);
    assertThat(mtls.connectionPolicy().allows(FakePolicyRequest.get("/").connection())).isTrue();
  }

  @Test
  void aRequestAuthenticationFeedsTheAuthorizationAfterIt() {
    JwtAuthentication jwt =
        JwtAuthentication.newBuilder()
            .putProviders(
                "origins-0",
                JwtProvider.newBuilder()
                    .setIssuer(ISSUER)
                    .setLocalJwks(DataSource.newBuilder().setInlineString(JwtTokens.jwks()))
                    .build())
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
            .build();
    HttpConnectionManager.Builder hcm =
        hcm()
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.jwt_authn")
                    .setTypedConfig(Any.pack(jwt)))
            .addHttpFilters(
                IstioRbac.httpFilter(
                    "envoy.filters.http.rbac",
                    rules(
                        RBAC.Action.ALLOW, policy(everything(), requestPrincipal(ISSUER + "/*")))))
            .addHttpFilters(fault())
            .addHttpFilters(router());
    MeshSnapshot.Compilation c = compile(permissive(HTTP, 9080, httpChain(hcm)));
    assertThat(c.rejections()).isEmpty();
    InboundListener.Chain chain = c.snapshot().inboundListener(HTTP).chain(false);
    String token =
        JwtTokens.sign("ES256", JwtTokens.payload(ISSUER, "alice", "any", JwtTokens.now() + 60));
    PolicyVerdict ok =
        chain
            .httpPolicy()
            .check(FakePolicyRequest.get("/").header("authorization", "Bearer " + token));
    assertThat(ok.allowed()).isTrue();
    assertThat(ok.requestPrincipal()).isEqualTo(ISSUER + "/alice");
    assertThat(chain.httpPolicy().check(FakePolicyRequest.get("/")).status()).isEqualTo(403);
    assertThat(
            chain
                .httpPolicy()
                .check(FakePolicyRequest.get("/").header("authorization", "Bearer x.y.z"))
                .status())
        .isEqualTo(401);
  }

  @Test
  void aTcpPortChecksConnectionsBeforeTheProxy() {
    FilterChain chain =
        FilterChain.newBuilder()
            .addFilters(
                networkRbac(
                    "envoy.filters.network.rbac.deny",
                    rules(
                        RBAC.Action.DENY,
                        policy(
                            everything(),
                            IstioRbac.principal("cluster.local/ns/default/sa/banned")))))
            .addFilters(
                networkRbac(
                    "envoy.filters.network.rbac",
                    rules(RBAC.Action.ALLOW, policy(everything(), namespace("default")))))
            .addFilters(
                Filter.newBuilder()
                    .setName("envoy.filters.network.tcp_proxy")
                    .setTypedConfig(
                        Any.pack(
                            TcpProxy.newBuilder()
                                .setStatPrefix("inbound_5432")
                                .setCluster("inbound|5432||")
                                .build())))
            .build();
    MeshSnapshot.Compilation c = compile(permissive(TCP, 5432, chain));
    assertThat(c.rejections()).isEmpty();
    InboundListener.Chain mtls = c.snapshot().inboundListener(TCP).chain(true);
    assertThat(mtls.tcpCluster()).isEqualTo("inbound|5432||");
    assertThat(
            mtls.connectionPolicy()
                .allows(FakePolicyRequest.connection("10.1.0.1", 1, "10.0.0.7", 5432, SLEEP)))
        .isTrue();
    assertThat(
            mtls.connectionPolicy()
                .allows(
                    FakePolicyRequest.connection(
                        "10.1.0.1",
                        1,
                        "10.0.0.7",
                        5432,
                        "spiffe://cluster.local/ns/default/sa/banned")))
        .isFalse();
    assertThat(
            mtls.connectionPolicy()
                .allows(FakePolicyRequest.connection("10.1.0.1", 1, "10.0.0.7", 5432, PROD)))
        .isFalse();
  }

  @Test
  void anUnknownInboundFilterIsRefusedNotIgnored() {
    HttpConnectionManager.Builder hcm =
        authorized()
            .addHttpFilters(
                0,
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.ext_authz")
                    .setTypedConfig(
                        Any.pack(
                            io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                                .getDefaultInstance())));
    assertThat(compile(permissive(HTTP, 9080, httpChain(hcm))).rejections())
        .extracting(ConfigRejection::message)
        .singleElement()
        .asString()
        .isEqualTo(
            "Listener "
                + HTTP
                + ": filter_chains[0].filters[0].typed_config.http_filters[0]: filter"
                + " envoy.filters.http.ext_authz: type"
                + " type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz not"
                + " supported");
  }

  @Test
  void aFilterAfterTheRouterIsRefused() {
    HttpConnectionManager.Builder hcm =
        hcm()
            .addHttpFilters(router())
            .addHttpFilters(
                IstioRbac.httpFilter("envoy.filters.http.rbac", rules(RBAC.Action.ALLOW)));
    assertThat(compile(permissive(HTTP, 9080, httpChain(hcm))).rejections())
        .extracting(ConfigRejection::message)
        .singleElement()
        .asString()
        .endsWith(
            "http_filters[1]: filter envoy.filters.http.rbac comes after the router, which ends"
                + " the chain");
  }

  @Test
  void anOutboundListenerRefusesInboundPolicy() {
    Listener outbound =
        Listener.newBuilder()
            .setName("reviews.default.svc.cluster.local:9080")
            .setApiListener(
                ApiListener.newBuilder()
                    .setApiListener(
                        Any.pack(
                            authorized()
                                .clearRouteConfig()
                                .setRds(
                                    io.envoyproxy.envoy.extensions.filters.network
                                        .http_connection_manager.v3.Rds.newBuilder()
                                        .setRouteConfigName("9080"))
                                .build())))
            .build();
    assertThat(compile(outbound).rejections())
        .extracting(ConfigRejection::message)
        .singleElement()
        .asString()
        .endsWith(
            "api_listener.api_listener.http_filters[0]: filter envoy.filters.http.rbac.deny: only"
                + " enforced on inbound listeners");
  }
}
