package dev.jmesh.controlplane.internal.xds;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.Telemetry;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The Telemetry resources that apply to one proxy, by Istio's levels: the mesh's (the root
 * namespace, no selector), its namespace's (no selector), its workload's (a selector matching its
 * labels, in its namespace or the root). Within a level in name order, so a result never depends
 * on the order files were read in.
 */
final class TelemetryLevels {
  private TelemetryLevels() {}

  /**
   * The resources that {@code says} something, as {@code [mesh, namespace, workload]}: least
   * specific first.
   */
  static List<List<Telemetry>> of(
      MeshSnapshot snapshot, ProxyNode node, Predicate<Telemetry> says) {
    String root = snapshot.meshConfig().rootNamespace();
    List<Telemetry> workload = new ArrayList<>();
    List<Telemetry> namespace = new ArrayList<>();
    List<Telemetry> mesh = new ArrayList<>();
    for (ConfigResource r : snapshot.resources()) {
      if (!(r instanceof Telemetry t) || !says.test(t)) {
        continue;
      }
      boolean own = t.namespace().equals(node.namespace());
      if (!t.selector().isEmpty()) {
        if ((own || t.namespace().equals(root))
            && node.labels().entrySet().containsAll(t.selector().entrySet())) {
          workload.add(t);
        }
      } else if (own && !t.namespace().equals(root)) {
        namespace.add(t);
      } else if (t.namespace().equals(root)) {
        mesh.add(t);
      }
    }
    for (List<Telemetry> level : List.of(workload, namespace, mesh)) {
      level.sort(Comparator.comparing(Telemetry::name));
    }
    return List.of(mesh, namespace, workload);
  }
}
