package dev.jmesh.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.jmesh.dataplane.route.FakeRequest;
import dev.jmesh.dataplane.route.RouteDecision;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Listener shapes the control plane sends besides outbound {@code api_listener}s: TCP proxies
 * (a service's TCP or TLS port, {@code virtualOutbound}) and inbound listeners per workload port,
 * built here as the control plane's ListenerBuilder and InboundBuilder build them.
 */
class ListenerShapesTest {

  private static final String INBOUND = "xds.istio.io/grpc/lds/inbound/10.0.0.7:9080";

  private static Listener.Builder socketListener(String name, String address, int port) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress(address).setPortValue(port)));
  }

  private static FilterChain.Builder tcpChain(TcpProxy.Builder proxy) {
    return FilterChain.newBuilder()
        .addFilters(
            Filter.newBuilder()
                .setName("envoy.filters.network.tcp_proxy")
                .setTypedConfig(Any.pack(proxy.setStatPrefix("s").build())));
  }

  private static FilterChain.Builder tcpChain(String cluster) {
    return tcpChain(TcpProxy.newBuilder().setCluster(cluster));
  }

  private static ListenerFilter tlsInspector() {
    return ListenerFilter.newBuilder()
        .setName("envoy.filters.listener.tls_inspector")
        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance()))
        .build();
  }

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

  private static HttpConnectionManager.Builder inboundHttp() {
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
                                .setNonForwardingAction(NonForwardingAction.getDefaultInstance()))))
        .addHttpFilters(
            HttpFilter.newBuilder()
                .setName("envoy.filters.http.router")
                .setTypedConfig(Any.pack(Router.getDefaultInstance())));
  }

  private static FilterChain.Builder httpChain(HttpConnectionManager.Builder hcm) {
    return FilterChain.newBuilder()
        .addFilters(
            Filter.newBuilder()
                .setName("envoy.filters.network.http_connection_manager")
                .setTypedConfig(Any.pack(hcm.build())));
  }

  private static MeshSnapshot.Compilation compile(Listener... listeners) {
    Map<String, Listener> byName = new HashMap<>();
    for (Listener l : listeners) {
      byName.put(l.getName(), l);
    }
    return MeshSnapshot.EMPTY.withListeners(byName);
  }

  @Test
  void virtualOutboundNamesWhereUnknownDestinationsGo() {
    Listener virtualOutbound =
        socketListener("virtualOutbound", "0.0.0.0", 15001)
            .setTrafficDirection(TrafficDirection.OUTBOUND)
            .setBindToPort(BoolValue.of(false))
            .addFilterChains(tcpChain("PassthroughCluster"))
            .build();
    MeshSnapshot.Compilation c = compile(virtualOutbound);
    assertThat(c.rejections()).isEmpty();
    TcpProxyListener l = c.snapshot().tcpListener("virtualOutbound");
    assertThat(l.address()).isEqualTo("0.0.0.0");
    assertThat(l.port()).isEqualTo(15001);
    assertThat(l.route(null).clusters().pick(7)).isEqualTo("PassthroughCluster");
    assertThat(c.snapshot().listener("virtualOutbound")).isNull();
  }

  @Test
  void aTcpPortSplitsConnectionsByWeight() {
    Listener mongo =
        socketListener("mongo.default.svc.cluster.local:27017", "10.9.0.1", 27017)
            .addFilterChains(
                tcpChain(
                    TcpProxy.newBuilder()
                        .setWeightedClusters(
                            TcpProxy.WeightedCluster.newBuilder()
                                .addClusters(cw("outbound|27017|v1|mongo", 3))
                                .addClusters(cw("outbound|27017|v2|mongo", 1)))))
            .build();
    MeshSnapshot.Compilation c = compile(mongo);
    assertThat(c.rejections()).isEmpty();
    ClusterSplit split =
        c.snapshot().tcpListener("mongo.default.svc.cluster.local:27017").route(null).clusters();
    int v1 = 0;
    for (long r = 0; r < 4000; r++) {
      v1 += split.pick(r).contains("|v1|") ? 1 : 0;
    }
    // random mod 4 over consecutive draws: exactly three quarters land on v1.
    assertThat(v1).isEqualTo(3000);
  }

  private static TcpProxy.WeightedCluster.ClusterWeight cw(String name, int weight) {
    return TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
        .setName(name)
        .setWeight(weight)
        .build();
  }

  @Test
  void tlsPassThroughPicksTheChainBySniExactThenLongestWildcardThenDefault() {
    Listener tls =
        socketListener("api.example.com:443", "10.9.0.2", 443)
            .addListenerFilters(tlsInspector())
            .addFilterChains(
                tcpChain("wild")
                    .setFilterChainMatch(
                        FilterChainMatch.newBuilder().addServerNames("*.example.com")))
            .addFilterChains(
                tcpChain("wilder")
                    .setFilterChainMatch(
                        FilterChainMatch.newBuilder().addServerNames("*.api.example.com")))
            .addFilterChains(
                tcpChain("exact")
                    .setFilterChainMatch(
                        FilterChainMatch.newBuilder().addServerNames("api.example.com")))
            .addFilterChains(tcpChain("default"))
            .build();
    MeshSnapshot.Compilation c = compile(tls);
    assertThat(c.rejections()).isEmpty();
    TcpProxyListener l = c.snapshot().tcpListener("api.example.com:443");
    assertThat(l.route("API.example.com").clusters().pick(0)).isEqualTo("exact");
    assertThat(l.route("v1.api.example.com").clusters().pick(0)).isEqualTo("wilder");
    assertThat(l.route("www.example.com").clusters().pick(0)).isEqualTo("wild");
    assertThat(l.route("example.com").clusters().pick(0)).isEqualTo("default");
    assertThat(l.route(null).clusters().pick(0)).isEqualTo("default");
  }

  @Test
  void serverNamesWithoutTheTlsInspectorAreRefused() {
    Listener tls =
        socketListener("api.example.com:443", "10.9.0.2", 443)
            .addFilterChains(
                tcpChain("exact")
                    .setFilterChainMatch(
                        FilterChainMatch.newBuilder().addServerNames("api.example.com")))
            .build();
    assertThat(compile(tls).rejections())
        .extracting(ConfigRejection::message)
        .containsExactly(
            "Listener api.example.com:443: filter_chains[0].filter_chain_match.server_names: needs"
                + " the envoy.filters.listener.tls_inspector listener filter to read the SNI");
  }

  @Test
  void everyInboundListenerIsFoundByItsPortAndNoOtherPortFindsOne() {
    // Listed out of port order: the lookup sorts the ports itself.
    int[] ports = {9080, 80, 15021, 443};
    Listener[] listeners = new Listener[ports.length];
    for (int i = 0; i < ports.length; i++) {
      listeners[i] =
          socketListener("inbound-" + ports[i], "10.0.0.7", ports[i])
              .setTrafficDirection(TrafficDirection.INBOUND)
              .addFilterChains(httpChain(inboundHttp()).setName("inbound-plaintext"))
              .build();
    }
    MeshSnapshot.Compilation c = compile(listeners);
    assertThat(c.rejections()).isEmpty();
    for (int port : ports) {
      assertThat(c.snapshot().inboundListener(port).port()).isEqualTo(port);
      assertThat(c.snapshot().inboundListener(port))
          .isSameAs(c.snapshot().inboundListener("inbound-" + port));
    }
    for (int absent : new int[] {0, 79, 81, 9081, 65535}) {
      assertThat(c.snapshot().inboundListener(absent)).isNull();
    }
  }

  @Test
  void permissiveInboundHasAnMtlsAndAPlaintextChainBehindTheInspector() {
    Listener inbound =
        socketListener(INBOUND, "10.0.0.7", 9080)
            .setTrafficDirection(TrafficDirection.INBOUND)
            .addListenerFilters(tlsInspector())
            .addFilterChains(
                httpChain(inboundHttp())
                    .setName("inbound-mtls")
                    .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls"))
                    .setTransportSocket(mtls()))
            .addFilterChains(
                httpChain(inboundHttp())
                    .setName("inbound-plaintext")
                    .setFilterChainMatch(
                        FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer")))
            .build();
    MeshSnapshot.Compilation c = compile(inbound);
    assertThat(c.rejections()).isEmpty();
    InboundListener l = c.snapshot().inboundListener(INBOUND);
    assertThat(l.port()).isEqualTo(9080);
    // The engine finds it by the port it serves, once per request.
    assertThat(c.snapshot().inboundListener(9080)).isSameAs(l);
    assertThat(c.snapshot().inboundListener(9081)).isNull();
    assertThat(l.tlsInspector()).isTrue();
    InboundListener.Chain tls = l.chain(true);
    assertThat(tls.name()).isEqualTo("inbound-mtls");
    assertThat(tls.tls())
        .isEqualTo(new DownstreamTls("default", "default", "default", "ROOTCA", true));
    InboundListener.Chain plain = l.chain(false);
    assertThat(plain.name()).isEqualTo("inbound-plaintext");
    assertThat(plain.tls()).isNull();
    RouteDecision d = plain.routes().decide(FakeRequest.get("anything:9080", "/x"), 0);
    assertThat(d.kind()).isEqualTo(RouteDecision.Kind.NON_FORWARDING);
    assertThat(c.snapshot().inboundListeners()).containsExactly(l);
  }

  @Test
  void strictInboundTcpPortHasOnlyAnMtlsChain() {
    Listener inbound =
        socketListener("xds.istio.io/grpc/lds/inbound/10.0.0.7:5432", "10.0.0.7", 5432)
            .setTrafficDirection(TrafficDirection.INBOUND)
            .addFilterChains(
                tcpChain("inbound|5432||").setName("inbound-mtls").setTransportSocket(mtls()))
            .build();
    MeshSnapshot.Compilation c = compile(inbound);
    assertThat(c.rejections()).isEmpty();
    InboundListener l = c.snapshot().inboundListener(inbound.getName());
    assertThat(l.tlsInspector()).isFalse();
    // One chain for any connection: a plaintext peer meets the TLS handshake and fails it.
    assertThat(l.chain(false)).isSameAs(l.chain(true));
    assertThat(l.chain(false).tcpCluster()).isEqualTo("inbound|5432||");
    assertThat(l.chain(false).tls().requireClientCertificate()).isTrue();
  }

  @Test
  void aTransportProtocolMatchWithoutTheInspectorIsRefused() {
    Listener inbound =
        socketListener(INBOUND, "10.0.0.7", 9080)
            .setTrafficDirection(TrafficDirection.INBOUND)
            .addFilterChains(
                httpChain(inboundHttp())
                    .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls"))
                    .setTransportSocket(mtls()))
            .build();
    assertThat(compile(inbound).rejections())
        .extracting(ConfigRejection::message)
        .containsExactly(
            "Listener "
                + INBOUND
                + ": filter_chains[0].filter_chain_match.transport_protocol:"
                + " needs the envoy.filters.listener.tls_inspector listener filter to tell TLS"
                + " from plaintext");
  }

  @Test
  void mutualTlsWithoutRootsToVerifyTheClientIsRefused() {
    TransportSocket noRoots =
        TransportSocket.newBuilder()
            .setName("envoy.transport_sockets.tls")
            .setTypedConfig(
                Any.pack(
                    DownstreamTlsContext.newBuilder()
                        .setCommonTlsContext(
                            CommonTlsContext.newBuilder()
                                .setTlsCertificateProviderInstance(
                                    CertificateProviderPluginInstance.newBuilder()
                                        .setInstanceName("default")))
                        .setRequireClientCertificate(BoolValue.of(true))
                        .build()))
            .build();
    Listener inbound =
        socketListener(INBOUND, "10.0.0.7", 9080)
            .setTrafficDirection(TrafficDirection.INBOUND)
            .addFilterChains(tcpChain("inbound|9080||").setTransportSocket(noRoots))
            .build();
    assertThat(compile(inbound).rejections())
        .extracting(ConfigRejection::message)
        .containsExactly(
            "Listener "
                + INBOUND
                + ": filter_chains[0].transport_socket.typed_config"
                + ".require_client_certificate: needs a validation context to verify the client"
                + " certificate against");
  }

  @Test
  void unknownNetworkFiltersAndListenerFiltersAreNamed() {
    Listener redis =
        socketListener("redis:6379", "10.9.0.3", 6379)
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        Filter.newBuilder()
                            .setName("envoy.filters.network.redis_proxy")
                            .setTypedConfig(Any.pack(Router.getDefaultInstance()))))
            .build();
    Listener original =
        socketListener("orig:1", "10.9.0.4", 1)
            .addListenerFilters(
                ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst"))
            .addFilterChains(tcpChain("x"))
            .build();
    assertThat(compile(redis, original).rejections())
        .extracting(ConfigRejection::message)
        .containsExactlyInAnyOrder(
            "Listener redis:6379: filter_chains[0].filters[0]: network filter"
                + " envoy.filters.network.redis_proxy"
                + " (type.googleapis.com/envoy.extensions.filters.http.router.v3.Router)"
                + " not supported",
            "Listener orig:1: listener_filters[0]: listener filter"
                + " envoy.filters.listener.original_dst not supported");
  }

  @Test
  void aListenerWithNeitherApiListenerNorAddressIsRefused() {
    assertThat(compile(Listener.newBuilder().setName("x").build()).rejections())
        .extracting(ConfigRejection::message)
        .containsExactly("Listener x: api_listener: an api_listener or an address is required");
  }
}
