package dev.jmesh.dataplane.xds;

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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The data plane's xDS client: one aggregated (ADS) state-of-the-world stream to the control plane,
 * with Envoy's semantics.
 *
 * <ul>
 *   <li>Listeners and Clusters are wildcard subscriptions; RouteConfigurations and
 *       ClusterLoadAssignments are asked for by the names the accepted Listeners (their
 *       HttpConnectionManager's {@code rds}) and EDS Clusters refer to, and follow them.
 *   <li>Every response is answered: an ACK carries the response's {@code version_info} and {@code
 *       nonce}; a NACK carries the nonce, the previously accepted {@code version_info} and an
 *       {@code error_detail} naming each bad resource and why. The good resources of a partly bad
 *       response are still applied; a bad one keeps its last good version.
 *   <li>When the stream breaks, the {@link XdsResourceHandler} is told nothing, so the last good
 *       config stays in force; the client reconnects after an exponential backoff with full jitter
 *       and re-subscribes with the versions it last accepted.
 *   <li>Everything (gRPC callbacks, timers, the handler) runs on one thread made by the caller's
 *       {@link ThreadFactory}; gRPC's event loop only hands messages over.
 *   <li>The {@code node} goes on the first request of each stream, and again when {@link
 *       #updateNode} changes it.
 * </ul>
 *
 * <pre>{@code
 * XdsChannel cp = XdsChannel.plaintext("istiod", 15010, MeshThreads.factory("xds-net"));
 * MeshSnapshotFeed feed = new MeshSnapshotFeed();
 * XdsClient xds = XdsClient.newBuilder(cp.channel(), nodeInfo, feed, MeshThreads.factory("xds"))
 *     .build();
 * xds.start();
 * feed.awaitReady(Duration.ofSeconds(10));
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
  private final ScheduledThreadPoolExecutor executor;
  private final XdsBackoff backoff;
  private final Runnable onConnected;
  private final Map<XdsResourceType, Subscription> subscriptions =
      new EnumMap<>(XdsResourceType.class);

  // Confined to the executor's thread.
  private AdsStream stream;
  private int retries;
  private ScheduledFuture<?> retryTimer;
  private boolean started;
  private Node node;

  private volatile boolean closed;
  private volatile boolean connected;
  private volatile Map<XdsResourceType, XdsTypeStatus> status;
  private volatile int attempts;

  private XdsClient(Builder builder) {
    this.channel = builder.channel;
    this.node = builder.node.toNode();
    this.backoff = new XdsBackoff(builder.backoffBase, builder.backoffMax, builder.random);
    this.onConnected = builder.onConnected;
    this.executor = new ScheduledThreadPoolExecutor(1, builder.threadFactory);
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    // No size limit, as in Envoy: a large mesh's clusters exceed gRPC's default 4 MiB.
    AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub s =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .withExecutor(new Callbacks())
            .withMaxInboundMessageSize(Integer.MAX_VALUE);
    this.stub = builder.credentials == null ? s : s.withCallCredentials(builder.credentials);
    for (XdsResourceType type : XdsResourceType.values()) {
      subscriptions.put(type, new Subscription(type, builder.handler));
    }
    publishStatus();
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
    onClientThread(
        () -> {
          if (!started && !closed) {
            started = true;
            connect();
          }
        });
  }

  /**
   * Tells the control plane the workload's node has changed (for example it became ready): the new
   * node goes on the next request, sent at once if the stream is open; and on every stream after.
   */
  public void updateNode(NodeInfo newNode) {
    Node proto = newNode.toNode();
    onClientThread(
        () -> {
          if (proto.equals(node)) {
            return;
          }
          node = proto;
          if (stream != null) {
            // The last LDS request again, unchanged but for the node, so it reads as the same
            // ACK or NACK.
            stream.nodeSent = false;
            send(stream, subscriptions.get(XdsResourceType.LISTENER));
          }
        });
  }

  /**
   * Reconnects now if the stream is down and waiting out its backoff: something else (the CA call
   * on the same channel) just found the control plane answering again. Returns at once.
   */
  public void reconnectIfWaiting() {
    onClientThread(
        () -> {
          if (stream == null && retryTimer != null && !closed) {
            retryTimer.cancel(false);
            reconnect();
          }
        });
  }

  /** Per type: the version in force, how many resources, and the last rejection if any. */
  public Map<XdsResourceType, XdsTypeStatus> status() {
    return status;
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

  /** How many streams the client has opened; for tests. */
  int attempts() {
    return attempts;
  }

  private void onClientThread(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException afterClose) {
      // Closed: nothing more to do.
    }
  }

  private void connect() {
    retryTimer = null;
    if (closed) {
      return;
    }
    AdsStream s = new AdsStream();
    stream = s;
    attempts++;
    s.requests = stub.streamAggregatedResources(s);
    for (XdsResourceType type : REQUEST_ORDER) {
      Subscription sub = subscriptions.get(type);
      sub.newStream();
      if (sub.wanted()) {
        send(s, sub);
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
      try {
        onConnected.run();
      } catch (RuntimeException e) {
        MeshLog.warnOnce("xds-on-connected", "xDS: the on-connected action failed: " + e);
      }
    }
    XdsResourceType type = XdsResourceType.fromTypeUrl(response.getTypeUrl());
    if (type == null) {
      MeshLog.warnOnce(
          "xds-type:" + response.getTypeUrl(),
          "xDS: ignoring a response of type " + response.getTypeUrl() + ", never asked for");
      return;
    }
    Subscription sub = subscriptions.get(type);
    sub.onResponse(response);
    publishStatus();
    send(s, sub);
    if (type == XdsResourceType.LISTENER) {
      follow(sub, subscriptions.get(XdsResourceType.ROUTE_CONFIGURATION));
    } else if (type == XdsResourceType.CLUSTER) {
      follow(sub, subscriptions.get(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT));
    }
  }

  private void publishStatus() {
    Map<XdsResourceType, XdsTypeStatus> next = new EnumMap<>(XdsResourceType.class);
    subscriptions.forEach((type, sub) -> next.put(type, sub.status()));
    status = Collections.unmodifiableMap(next);
  }

  /** Re-subscribes {@code child} to the names its accepted parent resources refer to. */
  private void follow(Subscription parent, Subscription child) {
    Set<String> names = ResourceNames.referencedBy(parent.type, parent.accepted().values());
    if (!child.follow(names)) {
      return;
    }
    publishStatus();
    if (stream != null && (stream.requested.contains(child.type) || !names.isEmpty())) {
      send(stream, child);
    }
  }

  private void send(AdsStream s, Subscription sub) {
    DiscoveryRequest.Builder request = sub.request();
    if (!s.nodeSent) {
      request.setNode(node);
      s.nodeSent = true;
    }
    s.requested.add(sub.type);
    s.requests.onNext(request.build());
  }

  private void onClose(AdsStream s, Status closeStatus) {
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
        closeStatus.getCode()
            + (closeStatus.getDescription() == null ? "" : ": " + closeStatus.getDescription());
    if (retries == 0) {
      MeshLog.warn(
          "xDS stream to the control plane closed ("
              + why
              + "); keeping the last good config, reconnecting with backoff");
    } else {
      MeshLog.debug(
          "xDS reconnect attempt "
              + retries
              + " failed ("
              + why
              + "), next in "
              + TimeUnit.NANOSECONDS.toMillis(delay)
              + " ms");
    }
    retries++;
    try {
      retryTimer = executor.schedule(this::reconnect, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // close() ran on another thread meanwhile.
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
    private io.grpc.CallCredentials credentials;
    private Runnable onConnected = () -> {};

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

    /** Credentials sent on every stream, e.g. the join token until the workload has its SVID. */
    public Builder credentials(io.grpc.CallCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /**
     * Runs on the client's thread each time a stream is up (the control plane answered on it), e.g.
     * to retry at once what failed while the control plane was away. Must not block.
     */
    public Builder onConnected(Runnable action) {
      this.onConnected = action;
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
