package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.engine.TcpPeerExchange;
import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.outbound.OutboundRouter;
import dev.jmesh.dataplane.outbound.TrafficEdges;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.netty.channel.EventLoop;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/** What every outbound connection of one engine shares; immutable but for the per-loop pools. */
final class OutboundRuntime {

  final EngineContext context;
  final OutboundLimits limits;
  final OutboundRouter router;
  final UpstreamTls tls;

  /** The source-reported labels of TCP connections per cluster, as requests have them. */
  final TrafficEdges tcpEdges;

  /** Istio's peer metadata of this workload, encoded once. */
  final String peerMetadata;

  final String peerMetadataId;

  /** This workload's TCP metadata exchange prefix, encoded once; never changed. */
  final byte[] tcpPeerPrefix;

  private final ConcurrentHashMap<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();
  volatile boolean draining;

  OutboundRuntime(EngineContext context, OutboundLimits limits) {
    this.context = context;
    this.limits = limits;
    this.router =
        new OutboundRouter(
            context.snapshot(),
            context.clusters(),
            context.metrics(),
            new TrafficEdges(context.self()));
    MeshTls.Provider provider =
        context.settings() == null ? MeshTls.Provider.JDK : context.settings().tlsProvider();
    this.tls = new UpstreamTls(context.identity(), provider);
    this.tcpEdges = new TrafficEdges(context.self());
    this.peerMetadata = PeerMetadata.encode(context.self());
    String address =
        context.settings() == null || context.settings().workloadAddress() == null
            ? "127.0.0.1"
            : context.settings().workloadAddress();
    this.peerMetadataId = PeerMetadata.id(context.self(), address);
    this.tcpPeerPrefix = TcpPeerExchange.prefix(context.self(), peerMetadataId);
  }

  MeshSnapshot snapshot() {
    return context.snapshot().get();
  }

  /** The pool of {@code loop}; call on that loop only. */
  UpstreamPool pool(EventLoop loop) {
    UpstreamPool p = pools.get(loop);
    return p != null ? p : pools.computeIfAbsent(loop, l -> new UpstreamPool(l, context.loops()));
  }

  /**
   * The TLS a connection to {@code host} of {@code cluster} uses: by the host's endpoint metadata
   * when the cluster has {@code transport_socket_matches} (Istio's auto-mTLS), else the cluster's.
   */
  UpstreamTls.Choice tlsFor(UpstreamCluster cluster, Host host) {
    return tls.choose(cluster.config().tlsFor(host.endpoint().transportSocketMatch()));
  }

  /**
   * Whether a request goes upstream to {@code cluster} over HTTP/2. As Envoy decides: HTTP/2 when
   * its {@code HttpProtocolOptions} say so explicitly (Istio's gRPC and h2 ports), the downstream's
   * protocol under {@code use_downstream_protocol_config}, otherwise HTTP/1.1 (Envoy's default, and
   * Istio's {@code http} ports): an h2c client of an HTTP/1.1 service has each stream sent as an
   * HTTP/1.1 request. One departure: a gRPC call from an HTTP/2 client stays on HTTP/2 when the
   * options name no protocol, since HTTP/1.1 cannot carry it, so gRPC works whatever the port is
   * named.
   */
  static boolean upstreamHttp2(UpstreamCluster cluster, boolean downstreamHttp2, boolean grpc) {
    HttpProtocolOptions options = cluster.config().httpProtocolOptions();
    if (options != null && options.hasExplicitHttpConfig()) {
      return options.getExplicitHttpConfig().hasHttp2ProtocolOptions();
    }
    if (options != null && options.hasUseDownstreamProtocolConfig()) {
      return downstreamHttp2;
    }
    return downstreamHttp2 && grpc;
  }

  void closePools() {
    pools.forEach(
        (loop, pool) -> {
          try {
            loop.execute(pool::closeAll);
          } catch (RejectedExecutionException e) {
            // The loops are already shut down, and their connections with them.
          }
        });
  }
}
