package dev.jmesh.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.ConnectionRbac;
import dev.jmesh.dataplane.policy.HttpFilterChain;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.InboundHttpFilter;
import dev.jmesh.dataplane.policy.RbacFilter;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles Listeners that have an address: outbound TCP proxies (a service's TCP or TLS port, and
 * Istio's {@code virtualOutbound}) and inbound listeners (one per workload port). Neither binds a
 * port of its own: the data path matches connections the application makes or accepts against them.
 */
final class SocketListenerCompiler {

  static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
  static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

  private static final Set<String> LISTENER =
      Set.of(
          "name",
          "address",
          "traffic_direction",
          "bind_to_port",
          "filter_chains",
          "listener_filters");
  private static final Set<String> ADDRESS = Set.of("socket_address");
  private static final Set<String> SOCKET_ADDRESS = Set.of("address", "port_value", "protocol");
  private static final Set<String> LISTENER_FILTER = Set.of("name", "typed_config");
  private static final Set<String> FILTER_CHAIN =
      Set.of("name", "filter_chain_match", "filters", "transport_socket");
  private static final Set<String> CHAIN_MATCH = Set.of("server_names", "transport_protocol");
  private static final Set<String> FILTER = Set.of("name", "typed_config");
  private static final Set<String> TCP_PROXY_FIELDS =
      Set.of("stat_prefix", "cluster", "weighted_clusters");
  private static final Set<String> WEIGHTED = Set.of("clusters");
  private static final Set<String> CLUSTER_WEIGHT = Set.of("name", "weight");

  private SocketListenerCompiler() {}

  static ListenerConfig compile(Listener listener) throws InvalidConfigException {
    SupportedFields.check(listener, "", LISTENER);
    SupportedFields.check(listener.getAddress(), "address", ADDRESS);
    SocketAddress sa = listener.getAddress().getSocketAddress();
    SupportedFields.check(sa, "address.socket_address", SOCKET_ADDRESS);
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw new InvalidConfigException("address.socket_address.protocol", "only TCP is supported");
    }
    if (sa.getAddress().isEmpty()) {
      throw new InvalidConfigException("address.socket_address.address", "must not be empty");
    }
    if (sa.getPortValue() < 1 || sa.getPortValue() > 65535) {
      throw new InvalidConfigException(
          "address.socket_address.port_value", "must be in [1, 65535]");
    }
    if (listener.getFilterChainsCount() == 0) {
      throw new InvalidConfigException("filter_chains", "must not be empty");
    }
    boolean tlsInspector = false;
    for (int i = 0; i < listener.getListenerFiltersCount(); i++) {
      ListenerFilter f = listener.getListenerFilters(i);
      String at = "listener_filters[" + i + "]";
      SupportedFields.check(f, at, LISTENER_FILTER);
      boolean inspector =
          f.hasTypedConfig()
              ? f.getTypedConfig().is(TlsInspector.class)
              : f.getName().equals(TLS_INSPECTOR);
      if (!inspector) {
        throw new InvalidConfigException(at, "listener filter " + f.getName() + " not supported");
      }
      if (f.hasTypedConfig()) {
        unpack(f.getTypedConfig(), TlsInspector.class, at + ".typed_config", Set.of());
      }
      tlsInspector = true;
    }
    if (listener.getTrafficDirection() == TrafficDirection.INBOUND) {
      return inbound(listener, sa, tlsInspector);
    }
    List<TcpProxyListener.TcpRoute> routes = new ArrayList<>();
    for (int i = 0; i < listener.getFilterChainsCount(); i++) {
      String at = "filter_chains[" + i + "]";
      FilterChain chain = listener.getFilterChains(i);
      SupportedFields.check(chain, at, FILTER_CHAIN);
      if (chain.hasTransportSocket()) {
        // Outbound chains carry pass-through TLS; originating TLS is the cluster's business.
        throw InvalidConfigException.unsupported(at + ".transport_socket");
      }
      FilterChainMatch match = chain.getFilterChainMatch();
      SupportedFields.check(match, at + ".filter_chain_match", Set.of("server_names"));
      if (match.getServerNamesCount() > 0 && !tlsInspector) {
        throw new InvalidConfigException(
            at + ".filter_chain_match.server_names",
            "needs the " + TLS_INSPECTOR + " listener filter to read the SNI");
      }
      routes.add(new TcpProxyListener.TcpRoute(match.getServerNamesList(), tcpProxy(chain, at)));
    }
    return new TcpProxyListener(listener.getName(), sa.getAddress(), sa.getPortValue(), routes);
  }

  private static InboundListener inbound(Listener listener, SocketAddress sa, boolean tlsInspector)
      throws InvalidConfigException {
    List<InboundListener.Chain> chains = new ArrayList<>();
    for (int i = 0; i < listener.getFilterChainsCount(); i++) {
      String at = "filter_chains[" + i + "]";
      FilterChain chain = listener.getFilterChains(i);
      SupportedFields.check(chain, at, FILTER_CHAIN);
      FilterChainMatch match = chain.getFilterChainMatch();
      SupportedFields.check(match, at + ".filter_chain_match", Set.of("transport_protocol"));
      InboundListener.TransportProtocol protocol;
      switch (match.getTransportProtocol()) {
        case "":
          protocol = InboundListener.TransportProtocol.ANY;
          break;
        case "tls":
          protocol = InboundListener.TransportProtocol.TLS;
          break;
        case "raw_buffer":
          protocol = InboundListener.TransportProtocol.RAW_BUFFER;
          break;
        default:
          throw new InvalidConfigException(
              at + ".filter_chain_match.transport_protocol",
              "'" + match.getTransportProtocol() + "' is not tls or raw_buffer");
      }
      if (protocol != InboundListener.TransportProtocol.ANY && !tlsInspector) {
        throw new InvalidConfigException(
            at + ".filter_chain_match.transport_protocol",
            "needs the " + TLS_INSPECTOR + " listener filter to tell TLS from plaintext");
      }
      DownstreamTls tls =
          chain.hasTransportSocket()
              ? TlsContexts.downstream(chain.getTransportSocket(), at + ".transport_socket")
              : null;
      if (chain.getFiltersCount() == 0) {
        throw new InvalidConfigException(
            at + ".filters", "an http_connection_manager or tcp_proxy filter is required");
      }
      // Network RBAC filters (Istio's DENY, then ALLOW) come first; the last filter serves.
      int last = chain.getFiltersCount() - 1;
      List<RbacFilter> connectionRbac = new ArrayList<>();
      for (int j = 0; j < last; j++) {
        Filter rf = chain.getFilters(j);
        String rat = at + ".filters[" + j + "]";
        SupportedFields.check(rf, rat, FILTER);
        if (!InboundFilterCompiler.isNetworkRbac(rf)) {
          throw new InvalidConfigException(
              rat,
              "network filter "
                  + rf.getName()
                  + " ("
                  + rf.getTypedConfig().getTypeUrl()
                  + ") not supported before the last filter; only RBAC is");
        }
        RbacFilter compiled = InboundFilterCompiler.network(rf, rat);
        if (compiled != null) {
          connectionRbac.add(compiled);
        }
      }
      ConnectionPolicy connectionPolicy = ConnectionRbac.of(connectionRbac);
      Filter f = chain.getFilters(last);
      String fat = at + ".filters[" + last + "]";
      SupportedFields.check(f, fat, FILTER);
      if (f.getTypedConfig().is(HttpConnectionManager.class)) {
        HttpConnectionManager hcm =
            unpack(f.getTypedConfig(), HttpConnectionManager.class, fat + ".typed_config", null);
        OutboundListener http;
        List<InboundHttpFilter> httpFilters = new ArrayList<>();
        try {
          http = ListenerCompiler.connectionManager(listener.getName(), hcm, httpFilters);
        } catch (InvalidConfigException e) {
          throw e.under(fat + ".typed_config");
        }
        if (http.routeTable() == null) {
          throw new InvalidConfigException(
              fat + ".typed_config.rds", "an inbound chain needs an inline route_config");
        }
        chains.add(
            new InboundListener.Chain(
                chain.getName(),
                protocol,
                tls,
                http.routeTable(),
                null,
                HttpFilterChain.of(httpFilters),
                connectionPolicy,
                http.accessLog(),
                http.tracing()));
      } else if (f.getTypedConfig().is(TcpProxy.class)) {
        ClusterSplit split = tcpProxy(f, fat);
        if (split.clusters().size() != 1) {
          throw new InvalidConfigException(
              fat + ".typed_config.weighted_clusters", "an inbound TCP proxy names one cluster");
        }
        chains.add(
            new InboundListener.Chain(
                chain.getName(),
                protocol,
                tls,
                null,
                split.clusters().get(0),
                HttpPolicy.ALLOW_ALL,
                connectionPolicy));
      } else {
        throw new InvalidConfigException(
            fat,
            "network filter "
                + f.getName()
                + " ("
                + f.getTypedConfig().getTypeUrl()
                + ") not supported");
      }
    }
    return new InboundListener(
        listener.getName(), sa.getAddress(), sa.getPortValue(), tlsInspector, chains);
  }

  private static ClusterSplit tcpProxy(FilterChain chain, String at) throws InvalidConfigException {
    if (chain.getFiltersCount() != 1) {
      throw new InvalidConfigException(
          at + ".filters",
          "exactly one tcp_proxy filter is supported, got " + chain.getFiltersCount());
    }
    return tcpProxy(chain.getFilters(0), at + ".filters[0]");
  }

  private static ClusterSplit tcpProxy(Filter f, String fat) throws InvalidConfigException {
    SupportedFields.check(f, fat, FILTER);
    if (!f.getTypedConfig().is(TcpProxy.class)) {
      throw new InvalidConfigException(
          fat,
          "network filter "
              + f.getName()
              + " ("
              + f.getTypedConfig().getTypeUrl()
              + ") not supported");
    }
    String cat = fat + ".typed_config";
    TcpProxy proxy = unpack(f.getTypedConfig(), TcpProxy.class, cat, TCP_PROXY_FIELDS);
    Map<String, Integer> weighted = new LinkedHashMap<>();
    switch (proxy.getClusterSpecifierCase()) {
      case CLUSTER:
        if (proxy.getCluster().isEmpty()) {
          throw new InvalidConfigException(cat + ".cluster", "must not be empty");
        }
        weighted.put(proxy.getCluster(), 1);
        break;
      case WEIGHTED_CLUSTERS:
        SupportedFields.check(proxy.getWeightedClusters(), cat + ".weighted_clusters", WEIGHTED);
        for (int i = 0; i < proxy.getWeightedClusters().getClustersCount(); i++) {
          TcpProxy.WeightedCluster.ClusterWeight w = proxy.getWeightedClusters().getClusters(i);
          String wat = cat + ".weighted_clusters.clusters[" + i + "]";
          SupportedFields.check(w, wat, CLUSTER_WEIGHT);
          if (w.getName().isEmpty()) {
            throw new InvalidConfigException(wat + ".name", "must not be empty");
          }
          if (weighted.putIfAbsent(w.getName(), w.getWeight()) != null) {
            throw new InvalidConfigException(wat + ".name", w.getName() + " is listed twice");
          }
        }
        if (weighted.isEmpty()) {
          throw new InvalidConfigException(
              cat + ".weighted_clusters.clusters", "must not be empty");
        }
        break;
      default:
        throw new InvalidConfigException(cat, "cluster or weighted_clusters is required");
    }
    try {
      return new ClusterSplit(weighted);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(cat + ".weighted_clusters", e.getMessage());
    }
  }

  /** Unpacks {@code any}, checking its fields against {@code supported} unless that is null. */
  private static <T extends Message> T unpack(
      Any any, Class<T> type, String at, Set<String> supported) throws InvalidConfigException {
    T message;
    try {
      message = any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidConfigException(at, "cannot be parsed: " + e.getMessage());
    }
    if (supported != null) {
      SupportedFields.check(message, at, supported);
    }
    return message;
  }
}
