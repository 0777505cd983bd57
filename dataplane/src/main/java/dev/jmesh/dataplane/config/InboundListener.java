package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.route.RouteTable;
import dev.jmesh.dataplane.trace.Tracing;
import java.util.List;

/**
 * A compiled inbound listener: one per port the workload serves, with a filter chain per way a peer
 * may connect (mutual TLS, plaintext, or both behind the TLS inspector for PERMISSIVE).
 *
 * @param name Istio's name, e.g. {@code xds.istio.io/grpc/lds/inbound/10.0.0.7:9080}
 * @param address the workload address
 * @param port the port the application serves
 * @param tlsInspector whether the first bytes are sniffed to tell TLS from plaintext
 * @param chains the filter chains, in order
 */
public record InboundListener(
    String name, String address, int port, boolean tlsInspector, List<Chain> chains)
    implements ListenerConfig {

  public InboundListener {
    chains = List.copyOf(chains);
  }

  /** What the first bytes of a connection are, as the TLS inspector tells them apart. */
  public enum TransportProtocol {
    /** The chain matches any connection. */
    ANY,
    TLS,
    RAW_BUFFER
  }

  /**
   * One filter chain.
   *
   * @param name the chain name, e.g. {@code inbound-mtls}
   * @param transportProtocol the connections it takes
   * @param tls the TLS it terminates, {@code null} for plaintext
   * @param routes for an HTTP port, its route table (whose routes are non-forwarding: the request
   *     goes to the application); {@code null} for a TCP port
   * @param tcpCluster for a TCP port, the cluster the TCP proxy names; {@code null} for HTTP
   * @param httpPolicy for an HTTP port, its HTTP filters (JWT, RBAC, rate limit) in order
   * @param connectionPolicy for a TCP port, its network RBAC filters
   * @param accessLog for an HTTP port, its connection manager's access logs; {@code null} for none
   * @param tracing for an HTTP port, its connection manager's tracing; {@code null} for none
   */
  public record Chain(
      String name,
      TransportProtocol transportProtocol,
      DownstreamTls tls,
      RouteTable routes,
      String tcpCluster,
      HttpPolicy httpPolicy,
      ConnectionPolicy connectionPolicy,
      AccessLog accessLog,
      Tracing tracing) {

    /** A chain that traces nothing. */
    public Chain(
        String name,
        TransportProtocol transportProtocol,
        DownstreamTls tls,
        RouteTable routes,
        String tcpCluster,
        HttpPolicy httpPolicy,
        ConnectionPolicy connectionPolicy,
        AccessLog accessLog) {
      this(
          name,
          transportProtocol,
          tls,
          routes,
          tcpCluster,
          httpPolicy,
          connectionPolicy,
          accessLog,
          null);
    }

    /** A chain that logs nothing. */
    public Chain(
        String name,
        TransportProtocol transportProtocol,
        DownstreamTls tls,
        RouteTable routes,
        String tcpCluster,
        HttpPolicy httpPolicy,
        ConnectionPolicy connectionPolicy) {
      this(
          name,
          transportProtocol,
          tls,
          routes,
          tcpCluster,
          httpPolicy,
          connectionPolicy,
          null,
          null);
    }
  }

  /**
   * The first chain for a connection whose first bytes are TLS ({@code tls}) or not, as Envoy's
   * {@code filter_chain_match.transport_protocol} picks it; {@code null} when none matches.
   */
  public Chain chain(boolean tls) {
    Chain any = null;
    for (Chain c : chains) {
      if (c.transportProtocol() == (tls ? TransportProtocol.TLS : TransportProtocol.RAW_BUFFER)) {
        return c;
      }
      if (c.transportProtocol() == TransportProtocol.ANY && any == null) {
        any = c;
      }
    }
    return any;
  }
}
