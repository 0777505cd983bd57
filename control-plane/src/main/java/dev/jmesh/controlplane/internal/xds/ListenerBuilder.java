package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.Map;

/**
 * Outbound listeners in the proxyless shape: an {@code api_listener} holding an
 * HttpConnectionManager that takes its routes from RDS, which is exactly what grpc-java's
 * {@code xds:///host:port} resolver asks for; a TCP proxy for non-HTTP ports.
 */
final class ListenerBuilder {
  private ListenerBuilder() {}

  static Listener http(String name, String routeName) {
    return http(name, routeName, java.util.List.of());
  }

  /** As {@link #http(String, String)}, its connection manager writing {@code accessLogs}. */
  static Listener http(String name, String routeName,
      java.util.List<io.envoyproxy.envoy.config.accesslog.v3.AccessLog> accessLogs) {
    return http(name, routeName, accessLogs, null);
  }

  /** As {@link #http(String, String, java.util.List)}, also tracing ({@code null}: none). */
  static Listener http(String name, String routeName,
      java.util.List<io.envoyproxy.envoy.config.accesslog.v3.AccessLog> accessLogs,
      HttpConnectionManager.Tracing tracing) {
    HttpConnectionManager.Builder b = HttpConnectionManager.newBuilder();
    if (tracing != null) {
      b.setTracing(tracing);
    }
    HttpConnectionManager hcm = b
        .addAllAccessLog(accessLogs)
        .setStatPrefix(name)
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setRds(Rds.newBuilder().setConfigSource(ClusterBuilder.ads())
            .setRouteConfigName(routeName))
        .addHttpFilters(HttpFilter.newBuilder().setName(RouteBuilder.FAULT_FILTER)
            .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
        .build();
  }

  /** A TCP proxy to one cluster, or split by weight over several. */
  static Listener tcp(String name, String address, int port, Map<String, Integer> weighted) {
    return base(name, address, port).addFilterChains(tcpChain(name, weighted)).build();
  }

  /**
   * A TLS pass-through listener: one filter chain per VirtualService {@code tls} route, chosen
   * by SNI (read by the TLS inspector), and a default chain for everything else.
   */
  static Listener tls(String name, String address, int port,
      Map<java.util.List<String>, Map<String, Integer>> bySni, Map<String, Integer> fallback) {
    Listener.Builder l = base(name, address, port).addListenerFilters(ListenerFilter.newBuilder()
        .setName("envoy.filters.listener.tls_inspector")
        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
    bySni.forEach((sni, weighted) -> l.addFilterChains(tcpChain(name, weighted).toBuilder()
        .setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(sni))));
    return l.addFilterChains(tcpChain(name, fallback)).build();
  }

  private static Listener.Builder base(String name, String address, int port) {
    return Listener.newBuilder()
        .setName(name)
        .setTrafficDirection(TrafficDirection.OUTBOUND)
        .setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress(address).setPortValue(port)))
        .setBindToPort(com.google.protobuf.BoolValue.of(false));
  }

  private static FilterChain tcpChain(String name, Map<String, Integer> weighted) {
    TcpProxy.Builder proxy = TcpProxy.newBuilder().setStatPrefix(name);
    if (weighted.size() == 1) {
      proxy.setCluster(weighted.keySet().iterator().next());
    } else {
      TcpProxy.WeightedCluster.Builder wc = TcpProxy.WeightedCluster.newBuilder();
      weighted.forEach((cluster, weight) -> wc.addClusters(
          TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName(cluster).setWeight(weight)));
      proxy.setWeightedClusters(wc);
    }
    return FilterChain.newBuilder().addFilters(Filter.newBuilder()
        .setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(proxy.build())))
        .build();
  }

}
