package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.MeshSnapshot;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * Every {@link UpstreamCluster} by name, kept in step with the snapshots the xDS client delivers: a
 * cluster new to CDS is created, a changed one updated in place (its hosts keep their state), a
 * removed one closed. One mesh daemon thread runs outlier sweeps, active health checks and
 * host-view rebuilds for all clusters.
 *
 * <pre>{@code
 * UpstreamClusters clusters = new UpstreamClusters();
 * feed.onSnapshot(clusters::update);
 * UpstreamCluster reviews = clusters.cluster("outbound|9080||reviews.default.svc.cluster.local");
 * }</pre>
 */
public final class UpstreamClusters implements AutoCloseable {

  private final LongSupplier clock;
  private final ScheduledExecutorService scheduler;
  private final Executor maintenance;
  private volatile Map<String, UpstreamCluster> clusters = Map.of();

  public UpstreamClusters() {
    this(
        System::nanoTime,
        Executors.newSingleThreadScheduledExecutor(MeshThreads.factory("cluster")));
  }

  private UpstreamClusters(LongSupplier clock, ScheduledExecutorService scheduler) {
    this(clock, scheduler, scheduler);
  }

  /** For tests: a fake clock, and rebuilds run where {@code maintenance} says. */
  UpstreamClusters(LongSupplier clock, ScheduledExecutorService scheduler, Executor maintenance) {
    this.clock = clock;
    this.scheduler = scheduler;
    this.maintenance = maintenance;
  }

  /** Brings the clusters in line with {@code snapshot}. */
  public synchronized void update(MeshSnapshot snapshot) {
    Map<String, UpstreamCluster> next = new HashMap<>();
    for (ClusterConfig c : snapshot.clusters()) {
      UpstreamCluster existing = clusters.get(c.name());
      if (existing != null) {
        existing.update(c);
        next.put(c.name(), existing);
      } else {
        next.put(c.name(), new UpstreamCluster(c, clock, maintenance, scheduler));
      }
    }
    for (Map.Entry<String, UpstreamCluster> e : clusters.entrySet()) {
      if (!next.containsKey(e.getKey())) {
        e.getValue().close();
      }
    }
    clusters = Map.copyOf(next);
  }

  /** The cluster named {@code name}, or {@code null} when CDS does not name it. */
  public UpstreamCluster cluster(String name) {
    return clusters.get(name);
  }

  public Collection<UpstreamCluster> clusters() {
    return clusters.values();
  }

  @Override
  public synchronized void close() {
    for (UpstreamCluster c : clusters.values()) {
      c.close();
    }
    scheduler.shutdownNow();
  }
}
