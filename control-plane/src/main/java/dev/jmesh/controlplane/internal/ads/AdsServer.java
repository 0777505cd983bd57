package dev.jmesh.controlplane.internal.ads;

import dev.jmesh.controlplane.ca.CallerAuthentication;
import dev.jmesh.controlplane.ca.token.Authentication;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.xds.OutboundResources;
import dev.jmesh.controlplane.internal.xds.ProxyNode;
import dev.jmesh.controlplane.internal.xds.ProxyResources;
import dev.jmesh.controlplane.internal.xds.XdsTranslator;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ObjLongConsumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The Aggregated Discovery Service, state of the world. Each stream gets the resources of its
 * own proxy's view; proxies with the same namespace and labels share one translation per
 * config version.
 */
public final class AdsServer extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
  private static final Logger logger = Logger.getLogger(AdsServer.class.getName());

  private final Supplier<MeshSnapshot> snapshots;
  private final Map<Long, AdsStream> connections = new ConcurrentHashMap<>();
  /** Who opened each stream on the TLS port, and on which connection. */
  private final Map<Long, StreamCaller> callers = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AdsMetrics metrics = new AdsMetrics();

  private final AtomicReference<ViewCache> cache = new AtomicReference<>(new ViewCache(null, null));

  private final ProxyLifecycle lifecycle;

  public AdsServer(Supplier<MeshSnapshot> snapshots, ProxyLifecycle lifecycle) {
    this.snapshots = snapshots;
    this.lifecycle = lifecycle;
  }

  /**
   * Translations of one snapshot, by proxy view, and the packed resources of this and the
   * previous snapshot: unchanged resources keep their instance across one version, and
   * names that are gone are forgotten after two.
   */
  private static final class ViewCache {
    final MeshSnapshot snapshot;
    final Map<String, OutboundResources> outbounds = new ConcurrentHashMap<>();
    final Map<String, PackedView> views = new ConcurrentHashMap<>();
    final PackedView.Interner interner;

    ViewCache(MeshSnapshot snapshot, ViewCache previous) {
      this.snapshot = snapshot;
      this.interner = new PackedView.Interner(previous == null ? Map.of()
          : previous.interner.current);
    }
  }

  public AdsMetrics metrics() {
    return metrics;
  }

  /** The resources a proxy receives under the current snapshot. */
  public ProxyResources resourcesFor(ProxyNode node) {
    return viewFor(node).resources();
  }

  /**
   * The packed view of a proxy. Translation is shared in layers: outbound resources per
   * proxy shape (namespace and labels), then per view the inbound listeners (by address) and
   * the endpoints of clusters that depend on the proxy's locality. Proxies whose views are
   * equal share one {@link PackedView}, so its resources are serialised once.
   */
  PackedView viewFor(ProxyNode node) {
    MeshSnapshot snapshot = snapshots.get();
    ViewCache c = cache.get();
    if (c.snapshot != snapshot) {
      ViewCache fresh = new ViewCache(snapshot, c);
      c = cache.compareAndSet(c, fresh) ? fresh : cache.get();
      if (c.snapshot != snapshot) {
        return new PackedView(XdsTranslator.translate(snapshot, node), c.interner);
      }
    }
    ViewCache fc = c;
    String shape = XdsTranslator.shapeKey(node);
    OutboundResources outbound =
        c.outbounds.computeIfAbsent(shape, k -> XdsTranslator.outbound(snapshot, node));
    String key = shape + "|" + node.ips() + "|" + outbound.localityKey(node);
    return c.views.computeIfAbsent(key, k ->
        new PackedView(XdsTranslator.translate(snapshot, node, outbound), fc.interner));
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(
      StreamObserver<DiscoveryResponse> responses) {
    ProxyConnection conn =
        new ProxyConnection(ids.incrementAndGet(), responses, this::viewFor, metrics, lifecycle);
    return accept(conn, responses, conn::onRequest);
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> responses) {
    DeltaConnection conn =
        new DeltaConnection(ids.incrementAndGet(), responses, this::viewFor, metrics, lifecycle);
    return accept(conn, responses, conn::onRequest);
  }

  /** Registers a new stream, state of the world or delta, and routes its requests to it. */
  private <Q, R> StreamObserver<Q> accept(AdsStream conn, StreamObserver<R> responses,
      ObjLongConsumer<Q> onRequest) {
    if (responses instanceof ServerCallStreamObserver<R> call) {
      call.setOnReadyHandler(conn::onReady);
    }
    connections.put(conn.id(), conn);
    Authentication who = CallerAuthentication.CALLER.get();
    if (who != null && who.isAuthenticated()) {
      callers.put(conn.id(), new StreamCaller(CallerAuthentication.CONNECTION.get(),
          who.namespace(), who.serviceAccount()));
    }
    metrics.connections.increment();
    return new StreamObserver<>() {
      @Override
      public void onNext(Q request) {
        onRequest.accept(request, snapshots.get().version());
      }

      @Override
      public void onError(Throwable t) {
        disconnect(conn, Status.fromThrowable(t).toString());
      }

      @Override
      public void onCompleted() {
        disconnect(conn, "closed by proxy");
        try {
          responses.onCompleted();
        } catch (RuntimeException e) {
          // already cancelled
        }
      }
    };
  }

  private void disconnect(AdsStream conn, String why) {
    conn.close();
    callers.remove(conn.id());
    if (connections.remove(conn.id()) != null) {
      lifecycle.disconnected(conn.id());
    }
    ProxyNode node = conn.node();
    logger.fine(() -> "proxy " + (node == null ? "#" + conn.id() : node.id()) + " disconnected: "
        + why);
  }


  /** Sends the current snapshot to every connected proxy whose resources changed. */
  public void pushAll() {
    long version = snapshots.get().version();
    metrics.configChanged(version);
    for (AdsStream conn : connections.values()) {
      conn.push(version);
    }
  }

  public Collection<? extends Object> connections() {
    return List.copyOf(connections.values());
  }

  /** One row of {@code /debug/syncz}; {@code caller} is null on the plaintext port. */
  public record ProxyStatus(String proxyId, String namespace, long stream,
      java.time.Instant connectedAt, List<TypeStatus> types, StreamCaller caller) {}

  /**
   * The identity a stream's caller proved and its connection's remote address, the key to the
   * certificate the CA issued on that connection.
   */
  public record StreamCaller(SocketAddress connection, String namespace,
      String serviceAccount) {}

  /** What one proxy was sent, ACKed and NACKed for one type. */
  public record TypeStatus(String type, int resources, String sentVersion, String sentNonce,
      String ackedVersion, String nackedVersion, String nackDetail) {}

  public List<ProxyStatus> status() {
    List<ProxyStatus> out = new ArrayList<>();
    for (AdsStream c : connections.values()) {
      ProxyNode node = c.node();
      if (node != null) {
        out.add(new ProxyStatus(node.id(), node.namespace(), c.id(), c.connectedAt(),
            c.typeStatus(), callers.get(c.id())));
      }
    }
    out.sort(java.util.Comparator.comparing(ProxyStatus::proxyId)
        .thenComparingLong(ProxyStatus::stream));
    return out;
  }

  /** The node of a connected proxy, by id; null when none is connected. */
  public ProxyNode connectedNode(String proxyId) {
    for (AdsStream c : connections.values()) {
      ProxyNode n = c.node();
      if (n != null && n.id().equals(proxyId)) {
        return n;
      }
    }
    return null;
  }
}
