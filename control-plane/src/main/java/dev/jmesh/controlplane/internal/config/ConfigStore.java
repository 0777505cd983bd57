package dev.jmesh.controlplane.internal.config;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.ConfigSource;
import dev.jmesh.controlplane.config.DestinationRule;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.MeshConfig;
import dev.jmesh.controlplane.config.ResourceId;
import dev.jmesh.controlplane.internal.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Merges what the sources hold into one {@link MeshSnapshot}, applying the last-good rule: a
 * resource that fails validation is rejected alone, and the version of it that was last
 * accepted stays in force. A file that is not YAML at all keeps everything it held.
 */
public final class ConfigStore {
  private Map<ResourceId, ConfigResource> lastGood = new HashMap<>();
  private MeshSnapshot current = MeshSnapshot.empty();

  public synchronized MeshSnapshot current() {
    return current;
  }

  /** Validates the sources' contents and returns the snapshot now in force. */
  public synchronized MeshSnapshot apply(List<ConfigSource.Contents> contents) {
    List<Diagnostic> diagnostics = new ArrayList<>();
    MeshConfig mesh = null;
    boolean meshBroken = false;
    Map<ResourceId, ConfigResource> candidates = new TreeMap<>();
    for (ConfigSource.Contents c : contents) {
      if (mesh == null && c.meshConfig() != null) {
        mesh = c.meshConfig();
      }
      for (Diagnostic d : c.diagnostics()) {
        meshBroken |= d.isError() && ResourceParser.MESH_ID.equals(d.resource());
      }
      for (ConfigResource r : c.resources()) {
        ConfigResource first = candidates.putIfAbsent(r.id(), r);
        if (first != null) {
          diagnostics.add(Diagnostic.error(r.meta().location(), r.id(),
              "is defined twice; the first definition (" + first.meta().location()
                  + ") is used, remove one"));
        }
      }
    }
    if (mesh == null) {
      mesh = meshBroken ? current.meshConfig() : MeshConfig.defaults();
    }

    Set<String> unreadableFiles = new HashSet<>();
    for (ConfigSource.Contents c : contents) {
      for (Diagnostic d : c.diagnostics()) {
        if (d.isFileError()) {
          unreadableFiles.add(d.location().file());
          diagnostics.add(d);
        } else if (d.isError() && d.resource() != null
            && !ResourceParser.MESH_ID.equals(d.resource())) {
          diagnostics.add(keepLastGood(d, candidates));
        } else {
          diagnostics.add(d);
        }
      }
    }
    for (ConfigResource r : lastGood.values()) {
      if (unreadableFiles.contains(r.meta().location().file())) {
        candidates.putIfAbsent(r.id(), r);
      }
    }

    ServiceRegistry registry = ServiceRegistry.build(candidates.values());
    rejectInvalid(ConfigValidator.checkPolicies(List.copyOf(candidates.values()), registry, mesh),
        candidates, diagnostics);
    List<DestinationRule> rules = new ArrayList<>();
    for (ConfigResource r : candidates.values()) {
      if (r instanceof DestinationRule) {
        rules.add((DestinationRule) r);
      }
    }
    rejectInvalid(ConfigValidator.checkRoutes(List.copyOf(candidates.values()), registry, rules),
        candidates, diagnostics);

    diagnostics.sort(Comparator.comparing((Diagnostic d) -> !d.isError())
        .thenComparing(d -> d.location().file())
        .thenComparingInt(d -> d.location().line()));
    List<ConfigResource> accepted = List.copyOf(candidates.values());
    boolean changed = !accepted.equals(current.resources()) || !mesh.equals(current.meshConfig());
    lastGood = new HashMap<>(candidates);
    current = new MeshSnapshot(changed ? current.version() + 1 : current.version(), mesh,
        accepted, registry, diagnostics);
    return current;
  }

  private void rejectInvalid(List<Diagnostic> found, Map<ResourceId, ConfigResource> candidates,
      List<Diagnostic> diagnostics) {
    Set<ResourceId> rejected = new HashSet<>();
    for (Diagnostic d : found) {
      if (d.isError()) {
        rejected.add(d.resource());
      }
    }
    for (ResourceId id : rejected) {
      candidates.remove(id);
    }
    for (Diagnostic d : found) {
      diagnostics.add(d.isError() ? keepLastGood(d, candidates) : d);
    }
  }

  /** Puts the last good version of a rejected resource back and says so in the diagnostic. */
  private Diagnostic keepLastGood(Diagnostic d, Map<ResourceId, ConfigResource> candidates) {
    ConfigResource previous = lastGood.get(d.resource());
    if (previous == null || candidates.containsKey(d.resource())) {
      return d;
    }
    candidates.put(d.resource(), previous);
    return new Diagnostic(d.severity(), d.location(), d.resource(),
        d.message() + " (rejected; the last good version stays in force)");
  }
}
