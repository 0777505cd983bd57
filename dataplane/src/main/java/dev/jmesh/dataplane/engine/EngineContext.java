package dev.jmesh.dataplane.engine;

import dev.jmesh.dataplane.MeshTimer;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.stats.IstioMetrics;
import java.util.function.Supplier;

/**
 * What the engine's inbound and outbound sides share with the rest of the data path. Each
 * connection reads {@link #snapshot()} and {@link #identity()} when it starts, so a new config or
 * certificate applies to new connections and never changes one mid-stream.
 *
 * @param settings the workload's settings (limits and timeouts among them)
 * @param snapshot the current compiled xDS config; {@link MeshSnapshot#EMPTY} before the first
 * @param clusters the live upstream clusters (hosts, health, outlier state) of that config
 * @param identity the workload's certificate and trust bundle; supplies {@code null} when the
 *     workload has no identity (no join token: the mesh is plaintext)
 * @param metrics where request and TCP records are counted with Istio's names
 * @param self this workload's labels, the {@code source_*} of outbound and {@code destination_*} of
 *     inbound records
 * @param timer the mesh's timer for delays, timeouts and backoff (never a sleeping thread)
 * @param loops the event loops every engine channel runs on
 */
public record EngineContext(
    MeshSettings settings,
    Supplier<MeshSnapshot> snapshot,
    UpstreamClusters clusters,
    Supplier<WorkloadIdentity> identity,
    IstioMetrics metrics,
    WorkloadLabels self,
    MeshTimer timer,
    EngineLoops loops) {}
