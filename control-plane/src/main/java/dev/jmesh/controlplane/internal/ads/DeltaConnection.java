package dev.jmesh.controlplane.internal.ads;

import com.google.protobuf.Any;
import dev.jmesh.controlplane.internal.xds.ProxyNode;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * One incremental (delta) ADS stream: the proxy subscribes and unsubscribes names, and each
 * response carries only resources that are new or changed for it and the names it had that
 * are gone. Same rules as state of the world otherwise: per-view shared translation, a NACK
 * is recorded and not answered with the same resources, a full stream waits and then gets the
 * latest.
 */
final class DeltaConnection implements AdsStream {
  private static final Logger logger = Logger.getLogger(DeltaConnection.class.getName());

  /** Per type URL state. */
  private static final class TypeState {
    boolean wildcard;
    boolean requested;
    final Set<String> names = new HashSet<>();
    /** What the proxy has from us, by name. */
    final Map<String, Any> sent = new HashMap<>();
    String sentVersion = "";
    String sentNonce = "";
    String ackedVersion = "";
    String nackedVersion = "";
    String nackDetail = "";
  }

  private final long id;
  private final StreamObserver<DeltaDiscoveryResponse> out;
  private final ServerCallStreamObserver<DeltaDiscoveryResponse> ready;
  private final Function<ProxyNode, PackedView> views;
  private final AdsMetrics metrics;
  private final ProxyLifecycle lifecycle;
  private final Instant connectedAt = Instant.now();
  private final Map<String, TypeState> types = new LinkedHashMap<>();
  private final Set<String> waiting = new HashSet<>();
  private ProxyNode node;
  private final StreamNode streamNode;
  private long nonces;
  private long version;
  private boolean closed;

  DeltaConnection(long id, StreamObserver<DeltaDiscoveryResponse> out,
      Function<ProxyNode, PackedView> views, AdsMetrics metrics, ProxyLifecycle lifecycle) {
    this.id = id;
    this.out = out;
    this.ready = out instanceof ServerCallStreamObserver
        ? (ServerCallStreamObserver<DeltaDiscoveryResponse>) out : null;
    this.views = views;
    this.metrics = metrics;
    this.lifecycle = lifecycle;
    this.streamNode = new StreamNode(id, lifecycle);
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public synchronized ProxyNode node() {
    return node;
  }

  @Override
  public Instant connectedAt() {
    return connectedAt;
  }

  synchronized void onRequest(DeltaDiscoveryRequest req, long snapshotVersion) {
    if (closed) {
      return;
    }
    node = streamNode.update(req.hasNode(), req.getNode());
    String type = req.getTypeUrl();
    if (type.isEmpty()) {
      return;
    }
    version = Math.max(version, snapshotVersion);
    TypeState st = types.computeIfAbsent(type, t -> new TypeState());
    if (!req.getResponseNonce().isEmpty() && req.getResponseNonce().equals(st.sentNonce)) {
      if (req.hasErrorDetail()) {
        if (!st.sentVersion.equals(st.nackedVersion)) {
          logger.warning(() -> "proxy " + node.id() + " rejected " + TypeUrls.shortName(type)
              + " version " + st.sentVersion + " (delta): " + req.getErrorDetail().getMessage());
        }
        st.nackedVersion = st.sentVersion;
        st.nackDetail = req.getErrorDetail().getMessage();
        metrics.nacks.increment();
      } else {
        st.ackedVersion = st.sentVersion;
        st.nackDetail = "";
        metrics.acks.increment();
      }
    }
    // Unlike state of the world, subscription changes count even on a stale nonce.
    boolean first = !st.requested;
    st.requested = true;
    if (first && req.getResourceNamesSubscribeCount() == 0
        && (type.equals(TypeUrls.LISTENER) || type.equals(TypeUrls.CLUSTER))) {
      st.wildcard = true;
    }
    Set<String> added = new HashSet<>();
    for (String name : req.getResourceNamesSubscribeList()) {
      if (name.equals("*")) {
        st.wildcard = true;
      } else if (st.names.add(name)) {
        added.add(name);
      }
    }
    for (String name : req.getResourceNamesUnsubscribeList()) {
      if (name.equals("*")) {
        st.wildcard = false;
      } else {
        st.names.remove(name);
        st.sent.remove(name);
      }
    }
    if (first || !added.isEmpty() || req.getResourceNamesUnsubscribeCount() > 0) {
      send(type, st, views.apply(node), first, added);
    }
  }

  @Override
  public synchronized void push(long snapshotVersion) {
    if (closed || node == null) {
      return;
    }
    version = snapshotVersion;
    PackedView view = views.apply(node);
    for (String type : order()) {
      TypeState st = types.get(type);
      if (st != null && st.requested) {
        send(type, st, view, false, Set.of());
      }
    }
  }

  private List<String> order() {
    List<String> order = new ArrayList<>(TypeUrls.PUSH_ORDER);
    for (String t : types.keySet()) {
      if (!order.contains(t)) {
        order.add(t);
      }
    }
    return order;
  }

  @Override
  public synchronized void onReady() {
    if (closed || waiting.isEmpty() || node == null) {
      return;
    }
    PackedView view = views.apply(node);
    for (String type : order()) {
      if (ready != null && !ready.isReady()) {
        return;
      }
      if (waiting.remove(type)) {
        send(type, types.get(type), view, false, Set.of());
      }
    }
  }

  /**
   * Sends the resources of this type that the proxy lacks or has in another version, and the
   * names it has that are gone; {@code justSubscribed} names that do not exist are reported
   * removed once, so a client need not wait for a timeout to learn they do not exist.
   */
  private void send(String type, TypeState st, PackedView view, boolean always,
      Set<String> justSubscribed) {
    if (ready != null && !ready.isReady()) {
      waiting.add(type);
      return;
    }
    SortedMap<String, Any> desired = new TreeMap<>();
    if (st.wildcard) {
      desired.putAll(view.all(type));
    }
    desired.putAll(view.named(type, Set.copyOf(st.names)));
    List<Resource> resources = new ArrayList<>();
    for (Map.Entry<String, Any> e : desired.entrySet()) {
      Any had = st.sent.get(e.getKey());
      if (had == null || !PackedView.same(had, e.getValue())) {
        resources.add(Resource.newBuilder().setName(e.getKey())
            .setVersion(Integer.toHexString(e.getValue().getValue().hashCode()))
            .setResource(e.getValue()).build());
      }
    }
    List<String> removed = new ArrayList<>();
    for (String name : st.sent.keySet()) {
      if (!desired.containsKey(name)) {
        removed.add(name);
      }
    }
    for (String name : justSubscribed) {
      if (!desired.containsKey(name) && !removed.contains(name)) {
        removed.add(name);
      }
    }
    if (resources.isEmpty() && removed.isEmpty() && !always) {
      return;
    }
    for (Resource r : resources) {
      st.sent.put(r.getName(), r.getResource());
    }
    removed.forEach(st.sent::remove);
    String nonce = "d" + id + "-" + (++nonces);
    st.sentNonce = nonce;
    st.sentVersion = String.valueOf(version);
    metrics.pushes.increment();
    try {
      out.onNext(DeltaDiscoveryResponse.newBuilder().setTypeUrl(type)
          .setSystemVersionInfo(st.sentVersion).setNonce(nonce).addAllResources(resources)
          .addAllRemovedResources(removed).build());
    } catch (RuntimeException e) {
      closed = true;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  @Override
  public synchronized List<AdsServer.TypeStatus> typeStatus() {
    List<AdsServer.TypeStatus> out = new ArrayList<>();
    types.forEach((type, st) -> out.add(new AdsServer.TypeStatus(
        TypeUrls.shortName(type) + " (delta)", st.sent.size(), st.sentVersion, st.sentNonce,
        st.ackedVersion, st.nackedVersion, st.nackDetail)));
    return out;
  }
}
