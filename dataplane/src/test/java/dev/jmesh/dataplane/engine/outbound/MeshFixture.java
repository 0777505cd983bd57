package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import dev.jmesh.dataplane.MeshTimer;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.stats.IstioMetrics;
import dev.jmesh.dataplane.stats.PrometheusText;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A mesh for engine tests: xDS resources compiled into a snapshot as the control plane sends them,
 * live clusters, metrics, a timer and one event loop, and the engine over them.
 */
public final class MeshFixture implements AutoCloseable {

  public static final WorkloadLabels PRODUCTPAGE =
      WorkloadLabels.builder()
          .workload("productpage-v1")
          .namespace("default")
          .app("productpage")
          .version("v1")
          .build();

  final List<Listener> listeners = new ArrayList<>();
  final List<Cluster> clusters = new ArrayList<>();
  final List<ClusterLoadAssignment> assignments = new ArrayList<>();
  public final IstioMetrics metrics = new IstioMetrics();
  public final MeshTimer timer = new MeshTimer();
  final EngineLoops loops = new EngineLoops(1);
  final UpstreamClusters live = new UpstreamClusters();
  public Supplier<WorkloadIdentity> identity = () -> null;
  OutboundLimits limits = OutboundLimits.DEFAULTS;
  public MeshSnapshot snapshot;
  public EngineContext context;
  OutboundEngine engine;

  /** Routes {@code name}: every request, whatever its host and path, to {@code cluster}. */
  public static RouteConfiguration allTo(String name, String cluster) {
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(name)
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster))))
        .build();
  }

  public MeshFixture httpListener(String name, RouteConfiguration routes) {
    listeners.add(
        Listener.newBuilder()
            .setName(name)
            .setApiListener(
                ApiListener.newBuilder()
                    .setApiListener(
                        Any.pack(
                            HttpConnectionManager.newBuilder()
                                .setRouteConfig(routes)
                                .addHttpFilters(
                                    HttpFilter.newBuilder().setName("envoy.filters.http.fault"))
                                .addHttpFilters(
                                    HttpFilter.newBuilder().setName("envoy.filters.http.router"))
                                .build())))
            .build());
    return this;
  }

  MeshFixture tcpListener(String name, int port, String cluster) {
    listeners.add(
        Listener.newBuilder()
            .setName(name)
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("10.9.0.1").setPortValue(port)))
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        Filter.newBuilder()
                            .setName("envoy.filters.network.tcp_proxy")
                            .setTypedConfig(
                                Any.pack(
                                    TcpProxy.newBuilder()
                                        .setStatPrefix("tcp")
                                        .setCluster(cluster)
                                        .build()))))
            .build());
    return this;
  }

  /** A TCP listener for a TLS service whose chains are chosen by SNI, as Istio builds them. */
  MeshFixture tcpSniListener(String name, int port, String sni, String cluster, String fallback) {
    listeners.add(
        Listener.newBuilder()
            .setName(name)
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("10.9.0.2").setPortValue(port)))
            .addListenerFilters(
                io.envoyproxy.envoy.config.listener.v3.ListenerFilter.newBuilder()
                    .setName("envoy.filters.listener.tls_inspector")
                    .setTypedConfig(
                        Any.pack(
                            io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3
                                .TlsInspector.getDefaultInstance())))
            .addFilterChains(
                tcpChain(cluster)
                    .setFilterChainMatch(
                        io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder()
                            .addServerNames(sni)))
            .addFilterChains(tcpChain(fallback))
            .build());
    return this;
  }

  private static FilterChain.Builder tcpChain(String cluster) {
    return FilterChain.newBuilder()
        .addFilters(
            Filter.newBuilder()
                .setName("envoy.filters.network.tcp_proxy")
                .setTypedConfig(
                    Any.pack(
                        TcpProxy.newBuilder().setStatPrefix("tcp").setCluster(cluster).build())));
  }

  /** Istio's {@code PassthroughCluster}: no endpoints, the caller's own destination. */
  public MeshFixture passthroughCluster(String name) {
    clusters.add(
        Cluster.newBuilder()
            .setName(name)
            .setType(Cluster.DiscoveryType.ORIGINAL_DST)
            .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
            .build());
    return this;
  }

  /** An EDS cluster of loopback endpoints on {@code ports}. */
  public MeshFixture cluster(Cluster.Builder cluster, int... ports) {
    return cluster(cluster, java.util.Set.of(), ports);
  }

  /**
   * An EDS cluster of loopback endpoints on {@code ports}; those in {@code istioPorts} carry
   * Istio's {@code envoy.transport_socket_match: {tlsMode: istio}} metadata.
   */
  public MeshFixture cluster(
      Cluster.Builder cluster, java.util.Set<Integer> istioPorts, int... ports) {
    Cluster c =
        cluster
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(
                Cluster.EdsClusterConfig.newBuilder()
                    .setEdsConfig(
                        io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
                            .setAds(
                                io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource
                                    .getDefaultInstance())))
            .build();
    clusters.add(c);
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (int port : ports) {
      LbEndpoint.Builder e = LbEndpoint.newBuilder();
      if (istioPorts.contains(port)) {
        e.setMetadata(
            io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
                .putFilterMetadata(
                    "envoy.transport_socket_match",
                    com.google.protobuf.Struct.newBuilder()
                        .putFields(
                            "tlsMode",
                            com.google.protobuf.Value.newBuilder().setStringValue("istio").build())
                        .build()));
      }
      l.addLbEndpoints(
          e.setEndpoint(
              Endpoint.newBuilder()
                  .setAddress(
                      Address.newBuilder()
                          .setSocketAddress(
                              SocketAddress.newBuilder()
                                  .setAddress("127.0.0.1")
                                  .setPortValue(port)))));
    }
    assignments.add(
        ClusterLoadAssignment.newBuilder().setClusterName(c.getName()).addEndpoints(l).build());
    return this;
  }

  /** Istio's ISTIO_MUTUAL transport socket, accepting servers with the SPIFFE ID {@code san}. */
  public static TransportSocket istioMutual(String san, String sni) {
    CertificateProviderPluginInstance.Builder provider =
        CertificateProviderPluginInstance.newBuilder().setInstanceName("default");
    CommonTlsContext common =
        CommonTlsContext.newBuilder()
            .setTlsCertificateProviderInstance(provider.clone().setCertificateName("default"))
            .addAlpnProtocols("istio")
            .setCombinedValidationContext(
                CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                    .setDefaultValidationContext(
                        CertificateValidationContext.newBuilder()
                            .addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(san))
                            .setCaCertificateProviderInstance(
                                provider.clone().setCertificateName("ROOTCA"))))
            .build();
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(
            Any.pack(
                UpstreamTlsContext.newBuilder().setCommonTlsContext(common).setSni(sni).build()))
        .build();
  }

  public OutboundEngine start() {
    MeshSnapshot.Compilation c = MeshSnapshot.compile(listeners, List.of(), clusters, assignments);
    assertThat(c.rejections()).isEmpty();
    snapshot = c.snapshot();
    live.update(snapshot);
    MeshSnapshot s = snapshot;
    context =
        new EngineContext(
            null, () -> s, live, () -> identity.get(), metrics, PRODUCTPAGE, timer, loops);
    engine = new OutboundEngine(context, limits);
    return engine;
  }

  public String prometheus() {
    StringBuilder out = new StringBuilder();
    metrics.writeTo(new PrometheusText(out));
    return out.toString();
  }

  @Override
  public void close() {
    if (engine != null) {
      engine.close();
    }
    live.close();
    loops.close();
    timer.close();
  }
}
