package dev.jmesh.dataplane.xds;

import com.google.protobuf.Message;
import dev.jmesh.dataplane.config.ConfigRejection;
import dev.jmesh.dataplane.config.MeshSnapshot;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@link XdsResourceHandler} that turns each push into a new {@link MeshSnapshot} and swaps it
 * in atomically. A resource the compiler rejects is NACKed by name and field and keeps its last
 * good version, so one bad resource never takes the others down.
 *
 * <p>{@link #awaitReady} is the bounded wait of the first mesh connection: it returns once
 * Listeners and Clusters have arrived together with every RouteConfiguration and
 * ClusterLoadAssignment they refer to.
 *
 * <pre>{@code
 * MeshSnapshotFeed feed = new MeshSnapshotFeed(s -> MeshLog.debug("new config"));
 * XdsClient.newBuilder(channel, node, feed, MeshThreads.factory("xds")).build().start();
 * feed.awaitReady(Duration.ofSeconds(10));
 * RouteDecision d = feed.current().decide(hostPort, request, random);
 * }</pre>
 */
public final class MeshSnapshotFeed implements XdsResourceHandler {
  private final Consumer<MeshSnapshot> onChange;
  private final CountDownLatch ready = new CountDownLatch(1);

  // Confined to the xDS client's thread: the names of what each type holds, for readiness.
  private final Map<XdsResourceType, Set<String>> held = new EnumMap<>(XdsResourceType.class);
  private final Map<XdsResourceType, Set<String>> referenced =
      new EnumMap<>(XdsResourceType.class);

  private volatile MeshSnapshot current = MeshSnapshot.EMPTY;

  public MeshSnapshotFeed() {
    this(snapshot -> {});
  }

  /** {@code onChange} is called with each new snapshot, on the xDS client's thread. */
  public MeshSnapshotFeed(Consumer<MeshSnapshot> onChange) {
    this.onChange = onChange;
  }

  /** The snapshot in force; {@link MeshSnapshot#EMPTY} before any config arrived. */
  public MeshSnapshot current() {
    return current;
  }

  public boolean isReady() {
    return ready.getCount() == 0;
  }

  /** Waits up to {@code timeout} for the first complete config; returns whether it came. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public XdsVerdict onResources(XdsResourceType type, Map<String, Message> resources) {
    MeshSnapshot.Compilation compilation =
        switch (type) {
          case LISTENER -> current.withListeners(cast(resources));
          case ROUTE_CONFIGURATION -> current.withRouteConfigurations(cast(resources));
          case CLUSTER -> current.withClusters(cast(resources));
          case CLUSTER_LOAD_ASSIGNMENT -> current.withAssignments(cast(resources));
        };
    Map<String, String> rejected = new TreeMap<>();
    for (ConfigRejection r : compilation.rejections()) {
      rejected.put(r.resourceName(), (r.field().isEmpty() ? "" : r.field() + ": ") + r.reason());
    }
    current = compilation.snapshot();
    onChange.accept(current);
    held.put(type, resources.keySet());
    if (type == XdsResourceType.LISTENER || type == XdsResourceType.CLUSTER) {
      referenced.put(type, ResourceNames.referencedBy(type, resources.values()));
    }
    if (!isReady() && complete()) {
      ready.countDown();
    }
    return XdsVerdict.rejected(rejected);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> Map<String, T> cast(Map<String, Message> resources) {
    Map<String, T> out = new LinkedHashMap<>();
    resources.forEach((name, resource) -> out.put(name, (T) resource));
    return out;
  }

  private boolean complete() {
    return referenced.containsKey(XdsResourceType.LISTENER)
        && referenced.containsKey(XdsResourceType.CLUSTER)
        && held.getOrDefault(XdsResourceType.ROUTE_CONFIGURATION, Set.of())
            .containsAll(referenced.get(XdsResourceType.LISTENER))
        && held.getOrDefault(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT, Set.of())
            .containsAll(referenced.get(XdsResourceType.CLUSTER));
  }
}
