package dev.jmesh.controlplane.internal.ads;

import com.google.protobuf.Any;
import dev.jmesh.controlplane.internal.xds.ProxyNode;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One ADS stream, state of the world: what the proxy subscribed to per type, what was last
 * sent (version, nonce, contents) and what it ACKed or NACKed. All methods are serialised on
 * the connection, so responses on one stream never interleave.
 *
 * <p>A response is only sent when its contents differ from the last one sent for that type,
 * so a NACKed config is never sent again: the proxy gets the next change instead.
 *
 * <p>Only a request carrying the last response's nonce <em>and</em> version is an ACK: after a
 * NACK, a proxy that changes its subscription sends that nonce again with its previous version
 * and no {@code error_detail} (Envoy sends the detail once), and the NACK still stands. Every
 * request's {@code resource_names} count, even with a stale nonce, as the xDS protocol now
 * requires: a change ignored there is never sent again.
 */
final class ProxyConnection implements AdsStream {
  private static final Logger logger = Logger.getLogger(ProxyConnection.class.getName());

  /** Per type URL state. */
  static final class TypeState {
    Set<String> names = Set.of();
    boolean wildcard;
    boolean requested;
    SortedMap<String, Any> sent;
    String sentVersion = "";
    String sentNonce = "";
    String ackedVersion = "";
    String nackedVersion = "";
    String nackDetail = "";
    Instant lastAck;
    boolean pushed;
    /**
     * Set by a NACK, cleared by an ACK: the next RDS or EDS response carries every subscribed
     * resource, not just the changed ones, so the proxy judges the refused one again instead of
     * ACKing a version that does not contain it while it still runs an older one.
     */
    boolean resendAll;
  }

  private final long id;
  private final StreamObserver<DiscoveryResponse> out;
  private final io.grpc.stub.ServerCallStreamObserver<DiscoveryResponse> ready;
  private final Function<ProxyNode, PackedView> resourcesFor;
  private final AdsMetrics metrics;
  private final Instant connectedAt = Instant.now();
  private final Map<String, TypeState> types = new LinkedHashMap<>();
  private final ProxyLifecycle lifecycle;
  private ProxyNode node;
  private final StreamNode streamNode;
  private long nonces;
  private long version;
  private boolean closed;
  /**
   * Types whose response waits for the stream to drain, whether it must be sent even if
   * unchanged, and whether a config change caused it (only those count towards convergence
   * time). A waiting type is recomputed when sent, so a slow proxy skips the versions it
   * missed instead of queueing them: the per-connection queue holds at most one per type.
   */
  private final Map<String, Waiting> waiting = new LinkedHashMap<>();

  private record Waiting(boolean always, boolean push) {
    Waiting or(Waiting other) {
      return new Waiting(always || other.always, push || other.push);
    }
  }

  ProxyConnection(long id, StreamObserver<DiscoveryResponse> out,
      Function<ProxyNode, PackedView> resourcesFor, AdsMetrics metrics,
      ProxyLifecycle lifecycle) {
    this.id = id;
    this.lifecycle = lifecycle;
    this.streamNode = new StreamNode(id, lifecycle);
    this.ready = out instanceof io.grpc.stub.ServerCallStreamObserver
        ? (io.grpc.stub.ServerCallStreamObserver<DiscoveryResponse>) out : null;
    this.out = out;
    this.resourcesFor = resourcesFor;
    this.metrics = metrics;
  }

  @Override
  public synchronized ProxyNode node() {
    return node;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public Instant connectedAt() {
    return connectedAt;
  }

  synchronized void onRequest(DiscoveryRequest req, long snapshotVersion) {
    if (closed) {
      return;
    }
    node = streamNode.update(req.hasNode(), req.getNode());
    String type = req.getTypeUrl();
    if (type.isEmpty()) {
      return;
    }
    TypeState st = types.computeIfAbsent(type, t -> new TypeState());
    // A nonce from an earlier stream (a proxy reconnecting) answers nothing sent on this one;
    // one of a superseded response neither: the newer response is in flight and gets answered.
    // Either way the request's resource_names still count, below.
    if (!req.getResponseNonce().isEmpty() && req.getResponseNonce().equals(st.sentNonce)) {
      answer(type, st, req);
    }
    if (st.requested && sameNames(req.getResourceNamesList(), st)) {
      // An ACK or NACK repeats the subscription; most requests end here.
      return;
    }
    PackedView view = resourcesFor.apply(node);
    // Thousands of proxies ask for the same names: most match the set another one asked for.
    Set<String> recent = view.recentNames(type);
    boolean known = recent != null && sameNames(req.getResourceNamesList(), recent);
    Set<String> names = known ? recent : new HashSet<>(req.getResourceNamesList());
    // A known set is never empty and never holds "*" (it was interned after its removal).
    boolean wildcard = (names.isEmpty() && !st.requested
            && (type.equals(TypeUrls.LISTENER) || type.equals(TypeUrls.CLUSTER)))
        || (!known && names.remove("*")) || (st.wildcard && names.isEmpty());
    boolean changed = !st.requested || wildcard != st.wildcard || !names.equals(st.names);
    st.requested = true;
    st.wildcard = wildcard;
    // One instance per distinct set: thousands of proxies asking for the same names keep one.
    st.names = known ? recent : view.canonicalNames(type, names);
    if (changed) {
      this.version = Math.max(this.version, snapshotVersion);
      send(type, st, view, true, false);
    }
  }

  /** Records what a request carrying the last response's nonce says about that response. */
  private void answer(String type, TypeState st, DiscoveryRequest req) {
    if (req.hasErrorDetail()) {
      if (!st.sentVersion.equals(st.nackedVersion)) {
        logger.warning(() -> "proxy " + node.id() + " rejected " + TypeUrls.shortName(type)
            + " version " + st.sentVersion + ": " + req.getErrorDetail().getMessage()
            + " (kept its version " + req.getVersionInfo() + "; not resent until config"
            + " changes)");
      }
      st.nackedVersion = st.sentVersion;
      st.nackDetail = req.getErrorDetail().getMessage();
      st.resendAll = true;
      if (!req.getVersionInfo().isEmpty()) {
        // A NACK carries the version the proxy keeps, which its own ACK may not have shown:
        // that ACK arrived after a newer response had been sent, so it was not counted.
        st.ackedVersion = req.getVersionInfo();
      }
      metrics.nacks.increment();
    } else if (req.getVersionInfo().equals(st.sentVersion)) {
      if (st.pushed) {
        // Only pushes caused by a config change count towards convergence time.
        metrics.acked(req.getVersionInfo());
        st.pushed = false;
      }
      st.ackedVersion = req.getVersionInfo();
      st.lastAck = Instant.now();
      st.nackDetail = "";
      st.resendAll = false;
      metrics.acks.increment();
    }
    // Otherwise the last nonce with another version and no error_detail: a proxy that refused
    // that response and now changes its subscription. Not an ACK; taking it for one showed the
    // type STALE (sent, never ACKed) for as long as the refused config stayed.
  }

  /**
   * Whether a request names exactly what the type is subscribed to, checked without building
   * a set: requests of a stream that did not change their subscription (ACKs, NACKs) carry
   * the same names again, thousands of them for EDS.
   */
  private static boolean sameNames(List<String> requested, TypeState st) {
    if (requested.isEmpty()) {
      return st.names.isEmpty();
    }
    return !st.wildcard && sameNames(requested, st.names);
  }

  /** Whether a request's list of names is exactly {@code names} (a duplicate fails it). */
  private static boolean sameNames(List<String> requested, Set<String> names) {
    if (requested.size() != names.size() || names.isEmpty()) {
      return false;
    }
    for (String name : requested) {
      if (!names.contains(name)) {
        return false;
      }
    }
    return true;
  }

  /** Sends every subscribed type whose contents changed, in CDS, EDS, LDS, RDS order. */
  @Override
  public synchronized void push(long snapshotVersion) {
    if (closed || node == null) {
      return;
    }
    this.version = snapshotVersion;
    PackedView resources = resourcesFor.apply(node);
    List<String> order = new ArrayList<>(TypeUrls.PUSH_ORDER);
    for (String t : types.keySet()) {
      if (!order.contains(t)) {
        order.add(t);
      }
    }
    for (String type : order) {
      TypeState st = types.get(type);
      if (st != null && st.requested) {
        send(type, st, resources, false, true);
      }
    }
  }

  /** Called when the stream can take more: sends what waited, latest version first. */
  @Override
  public synchronized void onReady() {
    if (closed || waiting.isEmpty() || node == null) {
      return;
    }
    PackedView view = resourcesFor.apply(node);
    List<String> order = new ArrayList<>(TypeUrls.PUSH_ORDER);
    order.addAll(waiting.keySet());
    for (String type : order) {
      Waiting w = waiting.get(type);
      if (w == null) {
        continue;
      }
      if (ready != null && !ready.isReady()) {
        return;
      }
      waiting.remove(type);
      send(type, types.get(type), view, w.always(), w.push());
    }
  }

  private void send(String type, TypeState st, PackedView resources, boolean always,
      boolean push) {
    if (ready != null && !ready.isReady()) {
      waiting.merge(type, new Waiting(always, push), Waiting::or);
      return;
    }
    SortedMap<String, Any> contents;
    if (st.wildcard && st.names.isEmpty()) {
      contents = resources.all(type);
    } else if (!st.wildcard) {
      contents = resources.named(type, st.names);
    } else {
      contents = new TreeMap<>(resources.all(type));
      contents.putAll(resources.named(type, st.names));
    }
    if (!always && contents == st.sent) {
      return;
    }
    Collection<Any> payload = contents.values();
    if (st.sent != null) {
      PackedView.Diff diff = resources.diff(st.sent, contents);
      boolean wildcardType = type.equals(TypeUrls.LISTENER) || type.equals(TypeUrls.CLUSTER);
      if (!always && diff.isEmpty()) {
        st.sent = contents;
        return;
      }
      if (!wildcardType) {
        // In state of the world only LDS and CDS responses must be complete; RDS and EDS
        // responses carry what changed, and what a proxy no longer needs goes with its
        // listener or cluster. An endpoint change thus costs one ClusterLoadAssignment.
        if (diff.changedOrAdded().isEmpty() && !(always && contents.isEmpty())) {
          st.sent = contents;
          return;
        }
        payload = st.resendAll ? contents.values() : diff.changedOrAdded();
      }
    }
    String nonce = id + "-" + (++nonces);
    String versionInfo = String.valueOf(version);
    DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder()
        .setTypeUrl(type).setVersionInfo(versionInfo).setNonce(nonce);
    response.addAllResources(payload);
    st.sent = contents;
    st.sentVersion = versionInfo;
    st.sentNonce = nonce;
    st.pushed = push;
    metrics.pushes.increment();
    try {
      out.onNext(response.build());
    } catch (RuntimeException e) {
      logger.log(Level.FINE, "sending to a closed stream", e);
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
    types.forEach((type, st) -> out.add(new AdsServer.TypeStatus(TypeUrls.shortName(type),
        st.sent == null ? 0 : st.sent.size(), st.sentVersion, st.sentNonce, st.ackedVersion,
        st.nackedVersion, st.nackDetail)));
    return out;
  }
}
