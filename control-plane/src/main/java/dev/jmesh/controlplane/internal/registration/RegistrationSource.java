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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Workloads that registered themselves over xDS: each ready registration becomes a
 * WorkloadEntry labelled {@code jmesh.dev/service}, so Services and ServiceEntries select it
 * like any other, and a service nobody declared is created from it. A workload that
 * disconnects is removed after a grace period, unless it reconnects first.
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

  private final ScheduledExecutorService scheduler;
  private final Duration grace;
  private final RegistrationPolicy policy;
  private final Map<Long, WorkloadRegistration> byStream = new ConcurrentHashMap<>();
  private final Map<Long, String> problems = new ConcurrentHashMap<>();
  private final Map<String, ScheduledFuture<?>> pendingRemovals = new ConcurrentHashMap<>();
  private final Map<String, Long> streamOfProxy = new ConcurrentHashMap<>();
  private volatile ChangeListener listener;

  public RegistrationSource(ScheduledExecutorService scheduler, Duration grace,
      RegistrationPolicy policy) {
    this.scheduler = scheduler;
    this.grace = grace;
    this.policy = policy;
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
    byStream.put(stream, r);
    changed();
  }

  @Override
  public void disconnected(long stream) {
    problems.remove(stream);
    WorkloadRegistration r = byStream.get(stream);
    if (r == null) {
      return;
    }
    try {
      pendingRemovals.put(r.proxyId(), scheduler.schedule(() -> {
        pendingRemovals.remove(r.proxyId());
        streamOfProxy.remove(r.proxyId(), stream);
        if (byStream.remove(stream) != null) {
          changed();
        }
      }, grace.toMillis(), TimeUnit.MILLISECONDS));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The control plane is closing and its streams end with it: nothing to remove later.
    }
  }

  private void changed() {
    ChangeListener l = listener;
    if (l != null) {
      l.onChange(this);
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
    listener = null;
    pendingRemovals.values().forEach(f -> f.cancel(false));
  }
}
