package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.HealthCheckConfig;
import dev.jmesh.dataplane.config.OutlierDetectionConfig;
import dev.jmesh.dataplane.log.MeshLog;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The runtime of one upstream cluster: its hosts with their state, the balancer over them, outlier
 * detection, circuit breakers and active health checks. It lives as long as CDS names it; updates
 * swap an immutable view of the hosts, and a host keeps its state (active requests, ejection,
 * health, slow start) while its {@code address:port} stays.
 *
 * <p>A pick takes no lock and allocates nothing. The caller passes the route's hash policy result
 * (for RING_HASH and MAGLEV) and a random number of its own, and reports each request's outcome on
 * the host:
 *
 * <pre>{@code
 * UpstreamCluster cluster = clusters.cluster(decision.cluster());
 * if (cluster.originalDestination()) {
 *   return connectToOriginalDestination();          // PassthroughCluster
 * }
 * if (!cluster.circuitBreaker().tryAcquireRequest()) {
 *   return fail(503, "UO");                          // overflow
 * }
 * Host host = cluster.pick(hash, hasHash, ThreadLocalRandom.current().nextLong());
 * if (host == null) {
 *   cluster.circuitBreaker().releaseRequest();
 *   return fail(503, "UH");                          // no healthy upstream
 * }
 * host.requestStarted();
 * try {
 *   int status = send(host.address(), host.port(), cluster.connectTimeoutNanos());
 *   host.requestFinished(status);
 * } catch (ConnectException e) {
 *   host.requestFailed(LocalFailure.CONNECT_FAILED);
 * } finally {
 *   cluster.circuitBreaker().releaseRequest();
 * }
 * }</pre>
 */
public final class UpstreamCluster {

  private final String name;
  private final LongSupplier clock;
  private final Executor maintenance;
  private final ScheduledExecutorService scheduler;

  /** Starts at a random place, as Envoy does, so proxies started together do not move in step. */
  private final AtomicLong roundRobin =
      new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 30));

  private final AtomicInteger ejectedCount = new AtomicInteger();
  private final AtomicBoolean rebuildPending = new AtomicBoolean();
  private final CircuitBreaker circuitBreaker;
  private final Runnable rebuildTask = this::rebuild;

  private volatile ClusterConfig config;
  private volatile ConnectionReuse connectionReuse = ConnectionReuse.DEFAULTS;
  private volatile ClusterLoadBalancer balancer;
  private volatile OutlierDetector outlierDetector;
  private volatile Host[] hostArray = new Host[0];

  /** Guarded by this. */
  private Map<String, Host> hostsByKey = Map.of();

  private boolean hadHosts;

  /** At most this many original destinations keep a host; past it, the cache starts over. */
  static final int MAX_ORIGINAL_DESTINATIONS = 1024;

  /** For ORIGINAL_DST: a host per destination addressed, by {@code address:port}. */
  private final ConcurrentHashMap<String, Host> originalDestinations = new ConcurrentHashMap<>();

  /** For STRICT_DNS: the last good resolution of each named endpoint, by name:port. */
  private Map<String, List<Endpoint>> resolved = new HashMap<>();

  private volatile DnsResolution.Lookup lookup = InetAddress::getAllByName;
  private ScheduledFuture<?> sweepTask;
  private ScheduledFuture<?> healthCheckTask;
  private ScheduledFuture<?> dnsTask;
  private boolean closed;

  /**
   * @param clock {@link System#nanoTime()} in production, a fake one in tests
   * @param maintenance where a view of the hosts is rebuilt after a health change
   * @param scheduler runs outlier sweeps and health checks; {@code null} when the caller drives
   *     {@link #sweepOutliers(long)} and {@link #runHealthChecks()} itself
   */
  UpstreamCluster(
      ClusterConfig config,
      LongSupplier clock,
      Executor maintenance,
      ScheduledExecutorService scheduler) {
    this.name = config.name();
    this.clock = clock;
    this.maintenance = maintenance;
    this.scheduler = scheduler;
    this.circuitBreaker = new CircuitBreaker(config.circuitBreakers());
    update(config);
  }

  public String name() {
    return name;
  }

  public ClusterConfig config() {
    return config;
  }

  /**
   * Picks a host for one request, or returns {@code null} when no host can take it (Envoy's {@code
   * UH}, "no healthy upstream"), which is also the answer for an {@link #originalDestination()}
   * cluster.
   *
   * @param hash the route's hash policy result, used by RING_HASH and MAGLEV
   * @param hasHash whether the route produced a hash; without one a random host is picked
   * @param random a random number from the caller, e.g. {@code ThreadLocalRandom.nextLong()}
   */
  public Host pick(long hash, boolean hasHash, long random) {
    return balancer.pick(hash, hasHash, random);
  }

  /** Whether this is a passthrough cluster: the caller keeps its original destination. */
  public boolean originalDestination() {
    return config.discovery() == ClusterConfig.Discovery.ORIGINAL_DST;
  }

  /**
   * The host of an {@link #originalDestination()} cluster for the address the caller addressed,
   * made on first use as Envoy's {@code ORIGINAL_DST} cluster makes one per destination. It is in
   * no balancer (a pick still answers {@code null}); its active requests and outlier reports work
   * as any host's. Kept for the next request to the same address, up to {@link
   * #MAX_ORIGINAL_DESTINATIONS} of them, then the cache starts over (a request holding an old host
   * finishes on it).
   */
  public Host originalDestinationHost(String address, int port) {
    String key = Host.key(address, port);
    Host host = originalDestinations.get(key);
    if (host != null) {
      return host;
    }
    if (originalDestinations.size() >= MAX_ORIGINAL_DESTINATIONS) {
      originalDestinations.clear();
    }
    return originalDestinations.computeIfAbsent(
        key,
        k ->
            new Host(
                this,
                new Endpoint(address, port, 1, 0, "", "", "", 0, Endpoint.Health.HEALTHY),
                false,
                Host.NO_SLOW_START));
  }

  public long connectTimeoutNanos() {
    return config.connectTimeoutNanos();
  }

  /** How long and how often the engine reuses one connection to a host of this cluster. */
  public ConnectionReuse connectionReuse() {
    return connectionReuse;
  }

  public CircuitBreaker circuitBreaker() {
    return circuitBreaker;
  }

  /** The hosts in their EDS order. */
  public List<Host> hosts() {
    return List.of(hostArray);
  }

  /** How many hosts outlier detection ejects now. */
  public int ejectedHosts() {
    return ejectedCount.get();
  }

  Host[] hostArray() {
    return hostArray;
  }

  int hostCount() {
    return hostArray.length;
  }

  OutlierDetector outlierDetector() {
    return outlierDetector;
  }

  HostSet hostSet() {
    return balancer.hostSet();
  }

  /** Applies a new version of the cluster from CDS or EDS; hosts are kept by address:port. */
  synchronized void update(ClusterConfig next) {
    ClusterConfig previous = config;
    if (next.equals(previous)) {
      return;
    }
    config = next;
    connectionReuse = ConnectionReuse.of(next.httpProtocolOptions());
    circuitBreaker.limits(next.circuitBreakers());
    boolean checkChanged =
        previous == null || !Objects.equals(previous.healthCheck(), next.healthCheck());
    mergeHosts(next, checkChanged);
    OutlierDetectionConfig previousOd = previous == null ? null : previous.outlierDetection();
    applyOutlierDetection(next.outlierDetection(), previousOd);
    reschedule(!Objects.equals(next.outlierDetection(), previousOd), checkChanged);
    rebuild();
  }

  /** The endpoints of {@code next} as hosts: known ones keep their state, new ones start fresh. */
  private void mergeHosts(ClusterConfig next, boolean checkChanged) {
    long now = clock.getAsLong();
    HealthCheckConfig check = next.healthCheck();
    Map<String, Host> kept = new HashMap<>();
    List<Host> ordered = new ArrayList<>();
    for (Endpoint e : effectiveEndpoints(next)) {
      String key = Host.key(e.address(), e.port());
      if (kept.containsKey(key)) {
        continue;
      }
      Host h = hostsByKey.get(key);
      if (h == null) {
        // A host that joins a running cluster ramps up; with active health checks it ramps from
        // its first passed check instead.
        long slowStart = hadHosts && check == null ? now : Host.NO_SLOW_START;
        h = new Host(this, e, check != null, slowStart);
      } else {
        h.endpoint(e);
        if (checkChanged) {
          h.resetHealthCheck(check != null);
        }
      }
      kept.put(key, h);
      ordered.add(h);
    }
    for (Map.Entry<String, Host> old : hostsByKey.entrySet()) {
      if (!kept.containsKey(old.getKey())) {
        forgetEjection(old.getValue());
      }
    }
    hostsByKey = kept;
    hostArray = ordered.toArray(new Host[0]);
    hadHosts |= !ordered.isEmpty();
  }

  /**
   * The endpoints hosts are made of: for STRICT_DNS, each name's last resolution (the name itself
   * until one succeeds, so the caller can still connect by name); otherwise the endpoints.
   */
  private List<Endpoint> effectiveEndpoints(ClusterConfig c) {
    if (c.discovery() != ClusterConfig.Discovery.STRICT_DNS) {
      return c.endpoints();
    }
    List<Endpoint> out = new ArrayList<>();
    for (Endpoint e : c.endpoints()) {
      List<Endpoint> r = resolved.get(Host.key(e.address(), e.port()));
      if (r == null) {
        out.add(e);
      } else {
        out.addAll(r);
      }
    }
    return out;
  }

  /**
   * Resolves every name of a STRICT_DNS cluster again and applies what changed; run every {@code
   * dns_refresh_rate} (Envoy's default, 5 s). A name that fails keeps its last resolution.
   */
  void resolveDns() {
    ClusterConfig c = config;
    if (c.discovery() != ClusterConfig.Discovery.STRICT_DNS) {
      return;
    }
    Map<String, List<Endpoint>> next = new HashMap<>();
    for (Endpoint e : c.endpoints()) {
      List<Endpoint> r = DnsResolution.resolve(e, c.dnsLookupFamily(), lookup);
      if (r != null) {
        next.put(Host.key(e.address(), e.port()), r);
      }
    }
    synchronized (this) {
      if (config != c) {
        return;
      }
      Map<String, List<Endpoint>> merged = new HashMap<>(resolved);
      merged.putAll(next);
      if (merged.equals(resolved)) {
        return;
      }
      resolved = merged;
      mergeHosts(c, false);
      rebuild();
    }
  }

  /** Test seam: how STRICT_DNS names are resolved. */
  void lookup(DnsResolution.Lookup l) {
    lookup = l;
  }

  private void applyOutlierDetection(OutlierDetectionConfig od, OutlierDetectionConfig previous) {
    if (od == null) {
      if (outlierDetector != null) {
        outlierDetector = null;
        for (Host h : hostArray) {
          forgetEjection(h);
        }
      }
    } else if (!od.equals(previous)) {
      outlierDetector = new OutlierDetector(od, this, clock, ejectedCount);
    }
  }

  private void forgetEjection(Host h) {
    synchronized (h) {
      if (h.ejected()) {
        ejectedCount.decrementAndGet();
      }
      h.clearOutlierState();
    }
  }

  private void reschedule(boolean outlierChanged, boolean checkChanged) {
    if (scheduler == null || closed) {
      return;
    }
    if (dnsTask == null && config.discovery() == ClusterConfig.Discovery.STRICT_DNS) {
      dnsTask =
          scheduler.scheduleWithFixedDelay(
              guarded("DNS resolution", this::resolveDns),
              0,
              DnsResolution.REFRESH_NANOS,
              TimeUnit.NANOSECONDS);
    }
    if (outlierChanged) {
      if (sweepTask != null) {
        sweepTask.cancel(false);
        sweepTask = null;
      }
      OutlierDetectionConfig od = config.outlierDetection();
      if (od != null) {
        sweepTask =
            scheduler.scheduleWithFixedDelay(
                guarded("outlier sweep", () -> sweepOutliers(clock.getAsLong())),
                od.intervalNanos(),
                od.intervalNanos(),
                TimeUnit.NANOSECONDS);
      }
    }
    if (checkChanged) {
      if (healthCheckTask != null) {
        healthCheckTask.cancel(false);
        healthCheckTask = null;
      }
      HealthCheckConfig check = config.healthCheck();
      if (check != null) {
        healthCheckTask =
            scheduler.scheduleWithFixedDelay(
                guarded("health check", this::runHealthChecks),
                0,
                check.intervalNanos(),
                TimeUnit.NANOSECONDS);
      }
    }
  }

  /**
   * {@code task}, logging a failure once per cluster and task instead of letting it end the
   * schedule: an executor silently stops a periodic task that throws.
   */
  private Runnable guarded(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        MeshLog.warnOnce(
            "cluster " + name + " " + what, "cluster " + name + ": " + what + " failed: " + e);
      }
    };
  }

  /** Outlier detection's interval sweep: un-ejects hosts whose time is over. */
  public void sweepOutliers(long nowNanos) {
    OutlierDetector d = outlierDetector;
    if (d != null) {
      d.sweep(nowNanos);
    }
  }

  /** Checks every host once, in turn, and applies the results; run every check interval. */
  void runHealthChecks() {
    HealthCheckConfig check = config.healthCheck();
    if (check == null) {
      return;
    }
    boolean changed = false;
    for (Host h : hostArray) {
      HealthProbe.Result result = HealthProbe.check(h, check, name);
      long now = clock.getAsLong();
      changed |= h.recordHealthCheck(result, check, now);
      OutlierDetector detector = outlierDetector;
      if (result == HealthProbe.Result.PASSED && detector != null) {
        changed |= detector.onHealthCheckPassed(h, now);
      }
    }
    if (changed) {
      healthChanged();
    }
  }

  /** A host's health changed: rebuild the view off the request path. */
  void healthChanged() {
    if (rebuildPending.compareAndSet(false, true)) {
      try {
        maintenance.execute(rebuildTask);
      } catch (RejectedExecutionException closedAlready) {
        rebuildPending.set(false);
      }
    }
  }

  private synchronized void rebuild() {
    rebuildPending.set(false);
    HostSet set = new HostSet(List.of(hostArray), config);
    balancer = new ClusterLoadBalancer(set, config, roundRobin, clock);
  }

  /** Stops this cluster's scheduled work; it was removed from CDS. */
  synchronized void close() {
    closed = true;
    if (sweepTask != null) {
      sweepTask.cancel(false);
    }
    if (healthCheckTask != null) {
      healthCheckTask.cancel(false);
    }
    if (dnsTask != null) {
      dnsTask.cancel(false);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
