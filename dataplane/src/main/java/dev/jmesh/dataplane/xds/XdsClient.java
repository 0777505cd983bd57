package dev.jmesh.dataplane.xds;

import com.google.protobuf.Message;
import dev.jmesh.dataplane.log.MeshLog;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * The data plane's xDS client: one aggregated (ADS) state-of-the-world stream to the control
 * plane, with Envoy's semantics.
 *
 * <ul>
 *   <li>Listeners and Clusters are wildcard subscriptions; RouteConfigurations and
 *       ClusterLoadAssignments are asked for by the names the accepted Listeners (their
 *       HttpConnectionManager's {@code rds}) and EDS Clusters refer to, and follow them.
 *   <li>Every response is answered: an ACK carries the response's {@code version_info} and
 *       {@code nonce}; a NACK carries the nonce, the previously accepted {@code version_info} and
 *       an {@code error_detail} naming each bad resource and why. The good resources of a partly
 *       bad response are still applied; a bad one keeps its last good version.
 *   <li>When the stream breaks, the {@link XdsResourceHandler} is told nothing, so the last good
 *       config stays in force; the client reconnects after an exponential backoff with full
 *       jitter and re-subscribes with the versions it last accepted.
 *   <li>Everything (gRPC callbacks, timers, the handler) runs on one thread made by the caller's
 *       {@link ThreadFactory}; gRPC's event loop only hands messages over.
 * </ul>
 *
 * <pre>{@code
 * XdsChannel cp = XdsChannel.plaintext("istiod", 15010, MeshThreads.factory("xds"));
 * XdsClient xds = XdsClient.newBuilder(cp.channel(), nodeInfo, snapshotBuilder,
 *     MeshThreads.factory("xds")).build();
 * xds.start();
 * }</pre>
 */
public final class XdsClient implements AutoCloseable {
  /** Envoy's order: clusters (and their endpoints) before the listeners that route to them. */
  private static final List<XdsResourceType> REQUEST_ORDER =
      List.of(
          XdsResourceType.CLUSTER,
          XdsResourceType.CLUSTER_LOAD_ASSIGNMENT,
          XdsResourceType.LISTENER,
          XdsResourceType.ROUTE_CONFIGURATION);

  private final ManagedChannel channel;
  private final AggregatedDiscoveryServiceStub stub;
  private final XdsResourceHandler handler;
  private final ScheduledThreadPoolExecutor executor;
  private final XdsBackoff backoff;
  private final Map<XdsResourceType, TypeState> states = new EnumMap<>(XdsResourceType.class);

  // Confined to the executor's thread.
  private AdsStream stream;
  private int retries;
  private ScheduledFuture<?> retryTimer;
  private boolean started;
  private Node node;

  private volatile boolean closed;
  private volatile boolean connected;

  private XdsClient(Builder builder) {
    this.channel = builder.channel;
    this.node = builder.node.toNode();
    this.handler = builder.handler;
    this.backoff = new XdsBackoff(builder.backoffBase, builder.backoffMax, builder.random);
    this.executor = new ScheduledThreadPoolExecutor(1, builder.threadFactory);
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    // No size limit, as in Envoy: a large mesh's clusters exceed gRPC's default 4 MiB.
    this.stub =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .withExecutor(new Callbacks())
            .withMaxInboundMessageSize(Integer.MAX_VALUE);
    for (XdsResourceType type : XdsResourceType.values()) {
      states.put(type, new TypeState(type));
    }
  }

  public static Builder newBuilder(
      ManagedChannel channel,
      NodeInfo node,
      XdsResourceHandler handler,
      ThreadFactory threadFactory) {
    return new Builder(channel, node, handler, threadFactory);
  }

  /** Opens the stream; returns at once. */
  public void start() {
    executor.execute(
        () -> {
          if (!started && !closed) {
            started = true;
            connect();
          }
        });
  }

  /**
   * Tells the control plane the workload's node has changed (for example it became ready): the
   * new node goes on the next request, sent at once if the stream is open; and on every stream
   * after.
   */
  public void updateNode(NodeInfo newNode) {
    Node proto = newNode.toNode();
    executor.execute(
        () -> {
          if (proto.equals(node)) {
            return;
          }
          node = proto;
          if (stream != null) {
            // The last LDS request again, unchanged but for the node, so it reads as the same
            // ACK or NACK.
            TypeState lds = states.get(XdsResourceType.LISTENER);
            stream.nodeSent = false;
            send(stream, lds, lds.errorDetail);
          }
        });
  }

  /** Whether the stream is open and the control plane has answered on it. */
  public boolean isConnected() {
    return connected;
  }

  /** Cancels the stream and stops the client's thread; the channel is the caller's to close. */
  @Override
  public void close() {
    closed = true;
    connected = false;
    try {
      executor.execute(
          () -> {
            if (retryTimer != null) {
              retryTimer.cancel(false);
            }
            if (stream != null) {
              ((ClientCallStreamObserver<DiscoveryRequest>) stream.requests)
                  .cancel("xDS client closed", null);
              stream = null;
            }
          });
      executor.shutdown();
    } catch (RejectedExecutionException alreadyClosed) {
      // Closed before.
    }
  }

  private void connect() {
    retryTimer = null;
    if (closed) {
      return;
    }
    AdsStream s = new AdsStream();
    stream = s;
    s.requests = stub.streamAggregatedResources(s);
    for (XdsResourceType type : REQUEST_ORDER) {
      TypeState st = states.get(type);
      // A nonce belongs to the stream that carried it.
      st.nonce = "";
      if (type.isWildcard() || !st.names.isEmpty()) {
        send(s, st, null);
      }
    }
  }

  private void reconnect() {
    channel.resetConnectBackoff();
    connect();
  }

  private void onResponse(AdsStream s, DiscoveryResponse response) {
    if (s != stream || closed) {
      return;
    }
    if (!s.responded) {
      s.responded = true;
      retries = 0;
      connected = true;
      MeshLog.info("xDS stream to the control plane is up");
    }
    XdsResourceType type = XdsResourceType.fromTypeUrl(response.getTypeUrl());
    if (type == null) {
      MeshLog.warnOnce(
          "xds-type:" + response.getTypeUrl(),
          "xDS: ignoring a response of type " + response.getTypeUrl() + ", never asked for");
      return;
    }
    TypeState st = states.get(type);
    st.nonce = response.getNonce();
    ResourceDecoder decoded = new ResourceDecoder(type, response, st.names);
    Map<String, String> errors = new LinkedHashMap<>(decoded.errors);
    TreeMap<String, Message> next = new TreeMap<>();
    if (!type.isWildcard() || decoded.unnamedErrors) {
      // Named types keep what was not resent; and when a bad resource has no readable name,
      // an absent resource may be that one, so nothing is taken as removed.
      next.putAll(st.accepted);
    }
    for (String bad : decoded.errors.keySet()) {
      Message lastGood = st.accepted.get(bad);
      if (lastGood != null) {
        next.put(bad, lastGood);
      }
    }
    next.putAll(decoded.resources);
    if (!st.delivered || !next.equals(st.accepted)) {
      st.delivered = true;
      errors.putAll(deliver(type, next, st.accepted));
    }
    st.accepted = Collections.unmodifiableMap(next);
    if (errors.isEmpty()) {
      st.acceptedVersion = response.getVersionInfo();
      send(s, st, null);
    } else {
      String detail = describe(type, errors);
      MeshLog.warn(
          "xDS: rejected "
              + type.shortName()
              + " version "
              + response.getVersionInfo()
              + " (keeping version '"
              + st.acceptedVersion
              + "' for what it names): "
              + detail);
      send(
          s,
          st,
          com.google.rpc.Status.newBuilder()
              .setCode(Status.Code.INVALID_ARGUMENT.value())
              .setMessage(detail)
              .build());
    }
    if (type == XdsResourceType.LISTENER) {
      follow(st, states.get(XdsResourceType.ROUTE_CONFIGURATION));
    } else if (type == XdsResourceType.CLUSTER) {
      follow(st, states.get(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT));
    }
  }

  /**
   * Hands {@code next} to the handler and puts back the last good version of every resource it
   * rejects; returns the rejections.
   */
  private Map<String, String> deliver(
      XdsResourceType type, Map<String, Message> next, Map<String, Message> previous) {
    XdsVerdict verdict;
    try {
      // A copy: the handler may keep it, and rejected entries are reverted in next below.
      verdict = handler.onResources(type, Collections.unmodifiableMap(new TreeMap<>(next)));
    } catch (RuntimeException e) {
      MeshLog.warnOnce(
          "xds-handler:" + e.getClass().getName(), "xDS: the config handler failed: " + e);
      next.clear();
      next.putAll(previous);
      return Map.of(type.shortName() + " update", "not applied, the handler failed: " + e);
    }
    if (verdict == null || verdict.isAccepted()) {
      return Map.of();
    }
    for (String rejected : verdict.rejections().keySet()) {
      Message lastGood = previous.get(rejected);
      if (lastGood == null) {
        next.remove(rejected);
      } else {
        next.put(rejected, lastGood);
      }
    }
    return verdict.rejections();
  }

  /** Re-subscribes {@code child} to the names its accepted parent resources refer to. */
  private void follow(TypeState parent, TypeState child) {
    Set<String> names = ResourceNames.referencedBy(parent.type, parent.accepted.values());
    if (names.equals(child.names)) {
      return;
    }
    child.names = Collections.unmodifiableSet(names);
    TreeMap<String, Message> kept = new TreeMap<>(child.accepted);
    kept.keySet().retainAll(names);
    if (kept.size() != child.accepted.size()) {
      Map<String, String> rejected = deliver(child.type, kept, child.accepted);
      if (!rejected.isEmpty()) {
        MeshLog.warn(
            "xDS: the config handler refused to drop " + child.type.shortName() + " " + rejected);
      }
      child.accepted = Collections.unmodifiableMap(kept);
    }
    if (stream != null && (stream.requested.contains(child.type) || !names.isEmpty())) {
      send(stream, child, null);
    }
  }

  private void send(AdsStream s, TypeState st, com.google.rpc.Status errorDetail) {
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setTypeUrl(st.type.typeUrl())
            .setVersionInfo(st.acceptedVersion)
            .setResponseNonce(st.nonce);
    if (!st.type.isWildcard()) {
      request.addAllResourceNames(st.names);
    }
    if (!s.nodeSent) {
      request.setNode(node);
      s.nodeSent = true;
    }
    if (errorDetail != null) {
      request.setErrorDetail(errorDetail);
    }
    st.errorDetail = errorDetail;
    s.requested.add(st.type);
    s.requests.onNext(request.build());
  }

  private void onClose(AdsStream s, Status status) {
    if (s != stream) {
      return;
    }
    stream = null;
    connected = false;
    if (closed) {
      return;
    }
    long delay = backoff.delayNanos(retries);
    String why =
        status.getCode()
            + (status.getDescription() == null ? "" : ": " + status.getDescription());
    if (retries == 0) {
      MeshLog.warn(
          "xDS stream to the control plane closed ("
              + why
              + "); keeping the last good config, reconnecting with backoff");
    } else {
      MeshLog.debug(
          "xDS reconnect attempt " + retries + " failed (" + why + "), next in "
              + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
    }
    retries++;
    try {
      retryTimer = executor.schedule(this::reconnect, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // close() ran on another thread meanwhile.
    }
  }

  private static String describe(XdsResourceType type, Map<String, String> errors) {
    return errors.entrySet().stream()
        .map(e -> type.shortName() + " resource '" + e.getKey() + "': " + e.getValue())
        .collect(Collectors.joining("; "));
  }

  /** What the client holds of one type. Confined to the executor's thread. */
  private static final class TypeState {
    final XdsResourceType type;
    String acceptedVersion = "";
    String nonce = "";
    boolean delivered;
    Set<String> names = Set.of();
    Map<String, Message> accepted = Map.of();
    com.google.rpc.Status errorDetail;

    TypeState(XdsResourceType type) {
      this.type = type;
    }
  }

  /** One ADS stream; its callbacks arrive on the executor, stale ones are ignored. */
  private final class AdsStream implements StreamObserver<DiscoveryResponse> {
    final Set<XdsResourceType> requested = EnumSet.noneOf(XdsResourceType.class);
    StreamObserver<DiscoveryRequest> requests;
    boolean nodeSent;
    boolean responded;

    @Override
    public void onNext(DiscoveryResponse response) {
      onResponse(this, response);
    }

    @Override
    public void onError(Throwable t) {
      onClose(this, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      onClose(this, Status.UNAVAILABLE.withDescription("the control plane ended the stream"));
    }
  }

  /** Runs gRPC's callbacks on the client's thread; after close they are dropped. */
  private final class Callbacks implements Executor {
    @Override
    public void execute(Runnable task) {
      try {
        executor.execute(task);
      } catch (RejectedExecutionException afterClose) {
        // The client is closed; nothing is waiting for this callback.
      }
    }
  }

  /** Configures an {@link XdsClient}. */
  public static final class Builder {
    private final ManagedChannel channel;
    private final NodeInfo node;
    private final XdsResourceHandler handler;
    private final ThreadFactory threadFactory;
    private Duration backoffBase = Duration.ofMillis(500);
    private Duration backoffMax = Duration.ofSeconds(30);
    private RandomGenerator random = RandomGenerator.getDefault();

    private Builder(
        ManagedChannel channel,
        NodeInfo node,
        XdsResourceHandler handler,
        ThreadFactory threadFactory) {
      this.channel = channel;
      this.node = node;
      this.handler = handler;
      this.threadFactory = threadFactory;
    }

    /** Reconnect backoff; Envoy's defaults, 500 ms and 30 s, unless set. */
    public Builder backoff(Duration base, Duration max) {
      this.backoffBase = base;
      this.backoffMax = max;
      return this;
    }

    Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    public XdsClient build() {
      return new XdsClient(this);
    }
  }
}
