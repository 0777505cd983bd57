package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.record.Reporter;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.stats.TrafficSeries;
import java.util.Objects;

/**
 * The Istio traffic edge of a downstream connection's requests, reported by the destination (this
 * workload): the source is the peer as its {@code x-envoy-peer-metadata} describes it, with the
 * principal mutual TLS proved. A connection's requests nearly always carry the same header, so the
 * last one's series is kept and reused. One per connection, used on its event loop only.
 */
final class InboundTraffic {

  private final EngineContext context;
  private final DownstreamPeer peer;
  private String lastHeader;
  private Edge last;

  /** An edge's labels, for the record, and its series, for the metrics. */
  record Edge(TrafficLabels labels, TrafficSeries series) {}

  InboundTraffic(EngineContext context, DownstreamPeer peer) {
    this.context = context;
    this.peer = peer;
  }

  /** The edge of requests whose peer-metadata header is {@code header} ({@code null}: none). */
  Edge edge(String header) {
    if (last != null && Objects.equals(header, lastHeader)) {
      return last;
    }
    last = labelled(PeerMetadata.decode(header, peer.principal()));
    lastHeader = header;
    return last;
  }

  /**
   * The edge of a connection whose peer is {@code source}, as the TCP metadata exchange told it
   * ({@code null}: no exchange, only the principal mutual TLS proved).
   */
  Edge tcpEdge(WorkloadLabels source) {
    return source == null ? edge((String) null) : labelled(source);
  }

  private Edge labelled(WorkloadLabels source) {
    TrafficLabels.Builder labels =
        TrafficLabels.builder(Reporter.DESTINATION)
            .source(source)
            .destination(context.self())
            .securityPolicy(peer.securityPolicy());
    MeshSettings settings = context.settings();
    if (settings != null && settings.service() != null) {
      labels.destinationService(
          settings.service() + "." + settings.namespace() + ".svc.cluster.local",
          settings.service(),
          settings.namespace());
    }
    TrafficLabels built = labels.build();
    return new Edge(built, context.metrics().traffic(built));
  }
}
