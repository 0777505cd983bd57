package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.jmesh.controlplane.config.AuthorizationPolicy;
import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.EnvoyFilter;
import dev.jmesh.controlplane.config.PeerAuthentication;
import dev.jmesh.controlplane.config.PeerAuthentication.MtlsMode;
import dev.jmesh.controlplane.config.RequestAuthentication;
import dev.jmesh.controlplane.config.ServicePort;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.registry.MeshService;
import dev.jmesh.controlplane.internal.registry.ServiceEndpoint;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
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
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Inbound listeners of a workload, one per port it serves (found by its {@code INSTANCE_IPS}
 * among the endpoints of the registry), named like Istio's proxyless inbound listeners
 * ({@code xds.istio.io/grpc/lds/inbound/10.0.0.7:9080}). Each carries the port's mTLS mode from
 * PeerAuthentication (a TLS chain, a plaintext chain, or both behind the TLS inspector for
 * PERMISSIVE), its RequestAuthentications as the JWT filter, the AuthorizationPolicies that
 * select the workload as RBAC filters (AUDIT, then DENY, then ALLOW, as istiod orders them;
 * CUSTOM is refused by validation) and EnvoyFilter local rate limits. Certificates are
 * named, not carried: instance {@code default}, certificates {@code default} and
 * {@code ROOTCA}, as in Istio's proxyless bootstrap.
 */
final class InboundBuilder {
  private InboundBuilder() {}

  static final String PREFIX = "xds.istio.io/grpc/lds/inbound/";

  static Map<String, Listener> build(MeshSnapshot snapshot, ProxyNode node) {
    Map<String, Listener> out = new TreeMap<>();
    if (node.ips().isEmpty()) {
      return out;
    }
    Map<Integer, ServicePort> ports = servedPorts(snapshot, node);
    for (Map.Entry<Integer, ServicePort> e : ports.entrySet()) {
      String address = node.ips().get(0);
      String name = PREFIX + (address.contains(":") ? "[" + address + "]" : address) + ":"
          + e.getKey();
      out.put(name, listener(name, address, e.getKey(), e.getValue(), snapshot, node));
    }
    return out;
  }

  /** The listener a proxyless server asks for by its listening address; null if none. */
  static Listener forRequestedName(String name, MeshSnapshot snapshot, ProxyNode node) {
    if (!name.startsWith(PREFIX)) {
      return null;
    }
    String hostPort = name.substring(PREFIX.length());
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      return null;
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    ServicePort servicePort = servedPorts(snapshot, node).get(port);
    if (servicePort == null) {
      // A server on a port no service names: plain HTTP, still under policy.
      servicePort = new ServicePort(port, "http", "HTTP", 0);
    }
    return listener(name, host, port, servicePort, snapshot, node);
  }

  /** Endpoint port to the service port it serves, for endpoints at the proxy's addresses. */
  private static Map<Integer, ServicePort> servedPorts(MeshSnapshot snapshot, ProxyNode node) {
    Map<Integer, ServicePort> out = new TreeMap<>();
    for (MeshService s : snapshot.registry().services()) {
      for (ServiceEndpoint e : s.endpoints()) {
        if (!node.ips().contains(e.address())) {
          continue;
        }
        for (ServicePort p : s.ports()) {
          Integer target = e.ports().get(p.number());
          if (target != null) {
            out.putIfAbsent(target, p);
          }
        }
      }
    }
    return out;
  }

  private static Listener listener(String name, String address, int port, ServicePort servicePort,
      MeshSnapshot snapshot, ProxyNode node) {
    MtlsMode mode = mtlsMode(snapshot, node, port);
    Listener.Builder l = Listener.newBuilder()
        .setName(name)
        .setTrafficDirection(TrafficDirection.INBOUND)
        .setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress(address).setPortValue(port)));
    FilterChain chain = chain(port, servicePort, Policies.of(snapshot, node),
        AccessLogBuilder.forProxy(snapshot, node), TracingBuilder.forProxy(snapshot, node));
    switch (mode) {
      case STRICT:
        l.addFilterChains(chain.toBuilder().setName("inbound-mtls")
            .setTransportSocket(tls()));
        break;
      case DISABLE:
        l.addFilterChains(chain.toBuilder().setName("inbound-plaintext"));
        break;
      default:
        l.addListenerFilters(ListenerFilter.newBuilder()
            .setName("envoy.filters.listener.tls_inspector")
            .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
        l.addFilterChains(chain.toBuilder().setName("inbound-mtls")
            .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls"))
            .setTransportSocket(tls()));
        l.addFilterChains(chain.toBuilder().setName("inbound-plaintext")
            .setFilterChainMatch(FilterChainMatch.newBuilder()
                .setTransportProtocol("raw_buffer")));
    }
    return l.build();
  }

  /**
   * The policies of the proxy's chains, in istiod's filter order: JWT authentication, then
   * RBAC for AUDIT (LOG), DENY and ALLOW, then EnvoyFilter local rate limits, then the router.
   */
  private static FilterChain chain(int port, ServicePort servicePort, Policies policies,
      List<io.envoyproxy.envoy.config.accesslog.v3.AccessLog> accessLogs,
      HttpConnectionManager.Tracing tracing) {
    boolean tcp = !servicePort.isHttp();
    RBAC audit = RbacBuilder.build(policies.authorization, AuthorizationPolicy.Action.AUDIT, tcp);
    RBAC deny = RbacBuilder.build(policies.authorization, AuthorizationPolicy.Action.DENY, tcp);
    RBAC allow = RbacBuilder.build(policies.authorization, AuthorizationPolicy.Action.ALLOW, tcp);
    if (!tcp) {
      HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
          .setStatPrefix("inbound_" + port)
          .setCodecType(HttpConnectionManager.CodecType.AUTO)
          .addAllAccessLog(accessLogs)
          .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound|" + port)
              .addVirtualHosts(VirtualHost.newBuilder().setName("inbound|http|" + port)
                  .addDomains("*")
                  .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                      .setNonForwardingAction(NonForwardingAction.getDefaultInstance()))));
      if (tracing != null) {
        hcm.setTracing(tracing);
      }
      HttpFilter jwt = JwtAuthnBuilder.filter(policies.authentication);
      if (jwt != null) {
        hcm.addHttpFilters(jwt);
      }
      if (audit != null) {
        hcm.addHttpFilters(rbacFilter("envoy.filters.http.rbac.audit", audit));
      }
      if (deny != null) {
        hcm.addHttpFilters(rbacFilter("envoy.filters.http.rbac.deny", deny));
      }
      if (allow != null) {
        hcm.addHttpFilters(rbacFilter("envoy.filters.http.rbac", allow));
      }
      for (EnvoyFilter ef : policies.envoyFilters) {
        for (EnvoyFilter.LocalRateLimitPatch p : ef.patches()) {
          if (p.portNumber() == 0 || p.portNumber() == port) {
            hcm.addHttpFilters(HttpFilter.newBuilder().setName(LOCAL_RATE_LIMIT)
                .setTypedConfig(Any.pack(p.config())));
          }
        }
      }
      hcm.addHttpFilters(HttpFilter.newBuilder().setName(RouteBuilder.FAULT_FILTER)
              .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
          .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
              .setTypedConfig(Any.pack(Router.getDefaultInstance())));
      return FilterChain.newBuilder().addFilters(Filter.newBuilder()
          .setName("envoy.filters.network.http_connection_manager")
          .setTypedConfig(Any.pack(hcm.build()))).build();
    }
    FilterChain.Builder chain = FilterChain.newBuilder();
    if (audit != null) {
      chain.addFilters(networkRbac("envoy.filters.network.rbac.audit", port, audit));
    }
    if (deny != null) {
      chain.addFilters(networkRbac("envoy.filters.network.rbac.deny", port, deny));
    }
    if (allow != null) {
      chain.addFilters(networkRbac("envoy.filters.network.rbac", port, allow));
    }
    return chain.addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
        .setTypedConfig(Any.pack(
            io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder()
                .setStatPrefix("inbound_" + port).setCluster("inbound|" + port + "||")
                .build())))
        .build();
  }

  static final String LOCAL_RATE_LIMIT = "envoy.filters.http.local_ratelimit";

  /** The workload policies its inbound chains enforce, selected once per listener. */
  private static final class Policies {
    final List<AuthorizationPolicy> authorization;
    final List<RequestAuthentication> authentication;
    final List<EnvoyFilter> envoyFilters;

    private Policies(List<AuthorizationPolicy> authorization,
        List<RequestAuthentication> authentication, List<EnvoyFilter> envoyFilters) {
      this.authorization = authorization;
      this.authentication = authentication;
      this.envoyFilters = envoyFilters;
    }

    static Policies of(MeshSnapshot snapshot, ProxyNode node) {
      List<RequestAuthentication> authn = new ArrayList<>();
      List<EnvoyFilter> filters = new ArrayList<>();
      for (ConfigResource r : snapshot.resources()) {
        if (r instanceof RequestAuthentication) {
          RequestAuthentication ra = (RequestAuthentication) r;
          if (selects(snapshot, node, ra.namespace(), ra.selector())) {
            authn.add(ra);
          }
        } else if (r instanceof EnvoyFilter) {
          EnvoyFilter ef = (EnvoyFilter) r;
          if (selects(snapshot, node, ef.namespace(), ef.workloadSelector())) {
            filters.add(ef);
          }
        }
      }
      return new Policies(policies(snapshot, node), authn, filters);
    }
  }

  /**
   * Whether a policy of {@code namespace} with {@code selector} applies to the proxy: policies
   * of its own namespace and of the root namespace, when their selector matches its labels.
   */
  static boolean selects(MeshSnapshot snapshot, ProxyNode node, String namespace,
      Map<String, String> selector) {
    boolean scope = namespace.equals(node.namespace())
        || namespace.equals(snapshot.meshConfig().rootNamespace());
    return scope && node.labels().entrySet().containsAll(selector.entrySet());
  }

  private static HttpFilter rbacFilter(String name, RBAC rules) {
    return HttpFilter.newBuilder().setName(name).setTypedConfig(Any.pack(
        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules)
            .build())).build();
  }

  private static Filter networkRbac(String name, int port, RBAC rules) {
    return Filter.newBuilder().setName(name).setTypedConfig(Any.pack(
        io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder().setRules(rules)
            .setStatPrefix("inbound_" + port).build())).build();
  }

  private static TransportSocket tls() {
    CommonTlsContext common = CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext
            .newBuilder().setDefaultValidationContext(CertificateValidationContext.newBuilder()
                .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                    .setInstanceName("default").setCertificateName("ROOTCA"))))
        .build();
    return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(common)
            .setRequireClientCertificate(BoolValue.of(true)).build()))
        .build();
  }

  /** Workload policy (its port-level mode first), then namespace, then mesh (root namespace). */
  static MtlsMode mtlsMode(MeshSnapshot snapshot, ProxyNode node, int port) {
    String root = snapshot.meshConfig().rootNamespace();
    PeerAuthentication workload = null;
    PeerAuthentication namespace = null;
    PeerAuthentication mesh = null;
    for (ConfigResource r : snapshot.resources()) {
      if (!(r instanceof PeerAuthentication)) {
        continue;
      }
      PeerAuthentication pa = (PeerAuthentication) r;
      if (pa.namespace().equals(node.namespace()) && !pa.selector().isEmpty()
          && node.labels().entrySet().containsAll(pa.selector().entrySet())) {
        workload = workload == null ? pa : workload;
      } else if (pa.namespace().equals(node.namespace()) && pa.selector().isEmpty()) {
        namespace = namespace == null ? pa : namespace;
      } else if (pa.namespace().equals(root) && pa.selector().isEmpty()) {
        mesh = mesh == null ? pa : mesh;
      }
    }
    if (workload != null) {
      MtlsMode portMode = workload.portLevelMtls().get(port);
      if (portMode != null && portMode != MtlsMode.UNSET) {
        return portMode;
      }
    }
    for (PeerAuthentication pa : new PeerAuthentication[] {workload, namespace, mesh}) {
      if (pa != null && pa.mode() != MtlsMode.UNSET) {
        return pa.mode();
      }
    }
    return MtlsMode.PERMISSIVE;
  }

  /**
   * The mTLS mode a namespace's servers are known to have without looking at workloads: its
   * namespace-wide PeerAuthentication, else the mesh-wide one, else PERMISSIVE (istiod's best
   * effort inference for auto mTLS).
   */
  static MtlsMode namespaceMtlsMode(MeshSnapshot snapshot, String namespace) {
    String root = snapshot.meshConfig().rootNamespace();
    MtlsMode mesh = MtlsMode.UNSET;
    for (ConfigResource r : snapshot.resources()) {
      if (!(r instanceof PeerAuthentication)) {
        continue;
      }
      PeerAuthentication pa = (PeerAuthentication) r;
      if (!pa.selector().isEmpty() || pa.mode() == MtlsMode.UNSET) {
        continue;
      }
      if (pa.namespace().equals(namespace)) {
        return pa.mode();
      }
      if (pa.namespace().equals(root) && mesh == MtlsMode.UNSET) {
        mesh = pa.mode();
      }
    }
    return mesh == MtlsMode.UNSET ? MtlsMode.PERMISSIVE : mesh;
  }

  /** Policies selecting the workload: its namespace's (by selector) and the root namespace's. */
  static List<AuthorizationPolicy> policies(MeshSnapshot snapshot, ProxyNode node) {
    List<AuthorizationPolicy> out = new ArrayList<>();
    for (ConfigResource r : snapshot.resources()) {
      if (r instanceof AuthorizationPolicy) {
        AuthorizationPolicy ap = (AuthorizationPolicy) r;
        if (selects(snapshot, node, ap.namespace(), ap.selector())) {
          out.add(ap);
        }
      }
    }
    return out;
  }
}
