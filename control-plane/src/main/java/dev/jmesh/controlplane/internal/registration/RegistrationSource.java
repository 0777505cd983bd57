package dev.jmesh.controlplane.internal.registration;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.ConfigSource;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.Location;
import dev.jmesh.controlplane.config.ResourceId;
import dev.jmesh.controlplane.config.ResourceMeta;
import dev.jmesh.controlplane.config.WorkloadEntry;
import dev.jmesh.controlplane.internal.ads.ProxyLifecycle;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Workloads that registered themselves over xDS: each ready registration becomes a
 * WorkloadEntry labelled {@code jmesh.dev/service}, so Services and ServiceEntries select it
 * like any other, and a service nobody declared is created from it. A workload that
 * disconnects is removed after a grace period, unless it reconnects first.
 *
 * <p>With a state directory the registrations outlive the control plane: they are written to
 * {@link RegistrationJournal}'s file on every change and restored on start, each as if its
 * workload had just disconnected, with a longer grace ({@code restoreGrace}, longer than the
 * workloads' longest reconnect backoff). So a restarted control plane never pushes an EDS that
 * drops live workloads before they reconnect; one that died meanwhile leaves after the grace.
 *
 * <p>Registrations are checked by a {@link RegistrationPolicy}; the identity work plugs in
 * one that only lets a workload register as the identity it proved.
 */
public final class RegistrationSource implements ConfigSource, ProxyLifecycle {
  /** The label that ties a registered WorkloadEntry to its service. */
  public static final String SERVICE_LABEL =
      dev.jmesh.controlplane.internal.registry.ServiceRegistry.REGISTERED_SERVICE_LABEL;

  /** Decides whether a stream may register as what it announces. */
  public interface RegistrationPolicy {
    /** Null to accept, or why the registration is refused. */
    String check(long stream, WorkloadRegistration registration);

    RegistrationPolicy ACCEPT_ALL = (stream, r) -> null;
  }

  private static final Logger logger = Logger.getLogger(RegistrationSource.class.getName());

  private final ScheduledExecutorService scheduler;
  private final Duration grace;
  private final RegistrationPolicy policy;
  private final RegistrationJournal journal;
  private final Duration restoreGrace;
  /** The node each registered proxy last announced: what the journal keeps. */
  private final Map<String, Node> nodeOfProxy = new ConcurrentHashMap<>();
  /** Restored registrations have no stream yet: they get negative ids. */
  private final AtomicLong restoredIds = new AtomicLong();
  private final AtomicBoolean writePending = new AtomicBoolean();
  private volatile boolean writeFailed;
  private volatile boolean closed;
  private final Map<Long, WorkloadRegistration> byStream = new ConcurrentHashMap<>();
  private final Map<Long, String> problems = new ConcurrentHashMap<>();
  private final Map<String, ScheduledFuture<?>> pendingRemovals = new ConcurrentHashMap<>();
  private final Map<String, Long> streamOfProxy = new ConcurrentHashMap<>();
  private volatile ChangeListener listener;

  public RegistrationSource(ScheduledExecutorService scheduler, Duration grace,
      RegistrationPolicy policy) {
    this(scheduler, grace, policy, null, grace);
  }

  /**
   * @param stateDir where registrations are kept across restarts; {@code null} keeps them in
   *     memory only
   * @param restoreGrace how long a restored registration stays without its workload
   *     reconnecting
   */
  public RegistrationSource(ScheduledExecutorService scheduler, Duration grace,
      RegistrationPolicy policy, Path stateDir, Duration restoreGrace) {
    this.scheduler = scheduler;
    this.grace = grace;
    this.policy = policy;
    this.journal = stateDir == null ? null : new RegistrationJournal(stateDir);
    this.restoreGrace = restoreGrace;
  }

  /**
   * Brings back the registrations the last run kept; call before the first {@link #read()}.
   * Returns how many.
   */
  public int restore() throws IOException {
    if (journal == null) {
      return 0;
    }
    int restored = 0;
    for (Node node : journal.read()) {
      WorkloadRegistration r;
      try {
        r = WorkloadRegistration.from(node);
      } catch (WorkloadRegistration.InvalidRegistration e) {
        logger.warning(journal.file() + ": " + node.getId() + ": " + e.getMessage()
            + "; not restored");
        continue;
      }
      if (r == null || !r.ready() || streamOfProxy.containsKey(r.proxyId())) {
        continue;
      }
      long stream = restoredIds.decrementAndGet();
      streamOfProxy.put(r.proxyId(), stream);
      nodeOfProxy.put(r.proxyId(), node);
      byStream.put(stream, r);
      scheduleRemoval(r, stream, restoreGrace);
      restored++;
    }
    if (restored > 0) {
      int count = restored;
      logger.info(() -> "restored " + count + " registered workload(s) from " + journal.file()
          + "; each stays an endpoint for " + restoreGrace.toSeconds()
          + " s unless its workload reconnects");
    }
    return restored;
  }

  @Override
  public String name() {
    return "registration";
  }

  @Override
  public void nodeChanged(long stream, Node node) {
    WorkloadRegistration r;
    try {
      r = WorkloadRegistration.from(node);
    } catch (WorkloadRegistration.InvalidRegistration e) {
      problems.put(stream, node.getId() + ": " + e.getMessage());
      byStream.remove(stream);
      changed();
      return;
    }
    if (r == null) {
      return;
    }
    String refused = policy.check(stream, r);
    if (refused != null) {
      problems.put(stream, node.getId() + ": registration refused: " + refused);
      byStream.remove(stream);
      changed();
      return;
    }
    problems.remove(stream);
    ScheduledFuture<?> removal = pendingRemovals.remove(r.proxyId());
    if (removal != null) {
      removal.cancel(false);
    }
    Long previous = streamOfProxy.put(r.proxyId(), stream);
    if (previous != null && previous != stream) {
      byStream.remove(previous);
    }
    nodeOfProxy.put(r.proxyId(), node);
    byStream.put(stream, r);
    changed();
  }

  @Override
  public void disconnected(long stream) {
    if (closed) {
      // The control plane is stopping and its streams end with it: the workloads stay
      // registered, in the journal, for the next run.
      return;
    }
    problems.remove(stream);
    WorkloadRegistration r = byStream.get(stream);
    if (r == null) {
      return;
    }
    scheduleRemoval(r, stream, grace);
  }

  private void scheduleRemoval(WorkloadRegistration r, long stream, Duration after) {
    try {
      pendingRemovals.put(r.proxyId(), scheduler.schedule(() -> {
        pendingRemovals.remove(r.proxyId());
        if (streamOfProxy.remove(r.proxyId(), stream)) {
          nodeOfProxy.remove(r.proxyId());
        }
        if (byStream.remove(stream) != null) {
          changed();
        }
      }, after.toMillis(), TimeUnit.MILLISECONDS));
    } catch (RejectedExecutionException e) {
      // The control plane is closing and its streams end with it: nothing to remove later.
    }
  }

  private void changed() {
    if (journal != null && writePending.compareAndSet(false, true)) {
      try {
        // Off the stream's thread, and one write for a burst of changes.
        scheduler.execute(this::writeJournal);
      } catch (RejectedExecutionException closing) {
        writePending.set(false);
      }
    }
    ChangeListener l = listener;
    if (l != null) {
      l.onChange(this);
    }
  }

  private void writeJournal() {
    writePending.set(false);
    if (closed) {
      return;
    }
    List<Node> nodes = new ArrayList<>();
    for (WorkloadRegistration r : byStream.values()) {
      Node node = nodeOfProxy.get(r.proxyId());
      if (r.ready() && node != null) {
        nodes.add(node);
      }
    }
    try {
      journal.write(nodes);
      if (writeFailed) {
        writeFailed = false;
        logger.info(() -> "registrations are written to " + journal.file() + " again");
      }
    } catch (IOException | RuntimeException e) {
      if (!writeFailed) {
        writeFailed = true;
        logger.log(Level.WARNING, "cannot write " + journal.file() + " (" + e + "); registered"
            + " workloads are served but a restarted control plane would not know them until"
            + " they reconnect");
      }
    }
  }

  @Override
  public Contents read() {
    List<ConfigResource> resources = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
    for (WorkloadRegistration r : byStream.values()) {
      if (!r.ready()) {
        continue;
      }
      Location location = new Location("registration " + r.proxyId(), 0);
      ResourceMeta meta = new ResourceMeta("networking.istio.io/v1", "WorkloadEntry",
          resourceName(r.proxyId()), r.namespace(), Map.of(SERVICE_LABEL, r.service()),
          location);
      resources.add(new WorkloadEntry(meta, new WorkloadEntry.Workload(r.address(), r.ports(),
          r.labels(), "", r.locality(), 0, r.serviceAccount(), 0)));
    }
    for (String problem : problems.values()) {
      int colon = problem.indexOf(": ");
      String proxy = problem.substring(0, colon);
      diagnostics.add(Diagnostic.error(new Location("registration " + proxy, 0),
          new ResourceId("WorkloadEntry", "", ""), problem.substring(colon + 2)));
    }
    return new Contents(null, resources, diagnostics);
  }

  /** Proxy ids become resource names: lower case letters, digits, '-' and '.'. */
  static String resourceName(String proxyId) {
    StringBuilder sb = new StringBuilder();
    for (char c : proxyId.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
      sb.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
          ? c : '-');
    }
    return sb.toString();
  }

  @Override
  public void watch(ChangeListener listener) {
    this.listener = listener;
  }

  @Override
  public void close() {
    closed = true;
    listener = null;
    pendingRemovals.values().forEach(f -> f.cancel(false));
  }
}
