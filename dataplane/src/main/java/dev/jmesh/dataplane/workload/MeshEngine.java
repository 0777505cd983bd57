package dev.jmesh.dataplane.workload;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.MeshTimer;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.engine.inbound.InboundEngine;
import dev.jmesh.dataplane.engine.inbound.InboundLimits;
import dev.jmesh.dataplane.engine.outbound.OutboundEngine;
import dev.jmesh.dataplane.engine.outbound.OutboundLimits;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.settings.EngineSettings;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.stats.IstioMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The embedded engine of a workload: its event loops, its inbound and outbound sides over the
 * control-plane connection's config and identity. Started once the control-plane connection
 * exists; drained on shutdown. The agent's capture sends the application's sockets through it;
 * the proxy sends it its own listeners' connections.
 */
public final class MeshEngine {

  private final EngineContext context;
  private final EngineLoops loops;
  private final MeshTimer timer;
  private final InboundEngine inbound;
  private final OutboundEngine outbound;
  private final Duration drainTimeout;

  private MeshEngine(EngineContext context, EngineLoops loops, MeshTimer timer,
      InboundEngine inbound, OutboundEngine outbound, Duration drainTimeout) {
    this.context = context;
    this.loops = loops;
    this.timer = timer;
    this.inbound = inbound;
    this.outbound = outbound;
    this.drainTimeout = drainTimeout;
  }

  public static MeshEngine start(MeshSettings settings, ControlPlaneConnection controlPlane,
      IstioMetrics requestMetrics) {
    EngineSettings e = settings.engine();
    EngineLoops loops = new EngineLoops(0);
    MeshTimer timer = new MeshTimer();
    WorkloadIdentity identity = controlPlane.identity();
    EngineContext context = new EngineContext(settings, controlPlane.feed()::current,
        controlPlane.upstreamClusters(), () -> identity, requestMetrics,
        self(settings, identity), timer, loops);
    InboundEngine inbound = new InboundEngine(context, new InboundLimits(
        InboundLimits.DEFAULTS.maxRequestHeadersBytes(), InboundLimits.DEFAULTS.maxRequestHeaders(),
        e.requestHeadersTimeout(), e.idleTimeout(), e.maxRequestBodyBytes(),
        e.protocolDetectionTimeout(), e.drainTimeout(), e.tlsHandshakeTimeout()));
    OutboundEngine outbound = new OutboundEngine(context, new OutboundLimits(
        OutboundLimits.DEFAULTS.connectTimeout(), e.idleTimeout(),
        OutboundLimits.DEFAULTS.maxBufferedRequestBody(),
        OutboundLimits.DEFAULTS.maxRequestHeadersBytes(),
        OutboundLimits.DEFAULTS.maxRequestHeaders()));
    return new MeshEngine(context, loops, timer, inbound, outbound, e.drainTimeout());
  }

  /** The first config and, for a workload with an identity, its first certificate. */
  public static boolean ready(ControlPlaneConnection controlPlane, Duration timeout)
      throws InterruptedException {
    WorkloadIdentity identity = controlPlane.identity();
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!controlPlane.feed().awaitReady(timeout)) {
      return false;
    }
    return identity == null
        || identity.awaitFirst(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /**
   * This workload as its records and its peers name it: Istio's labels from the settings, the
   * principal from the certificate's identity when it has one.
   */
  public static WorkloadLabels self(MeshSettings settings, WorkloadIdentity identity) {
    String app = settings.labels().getOrDefault("app", settings.service());
    String version = settings.labels().get("version");
    return WorkloadLabels.builder()
        .workload(settings.service())
        .namespace(identity == null ? settings.namespace() : identity.id().namespace())
        .principal(identity == null ? null : identity.id().toString())
        .app(app)
        .version(version)
        .canonicalService(
            settings.labels().getOrDefault("service.istio.io/canonical-name", app))
        .canonicalRevision(
            settings.labels().getOrDefault("service.istio.io/canonical-revision", version))
        .build();
  }

  /** What every connection of the engine reads: settings, config, identity, loops, timer. */
  public EngineContext context() {
    return context;
  }

  public InboundEngine inbound() {
    return inbound;
  }

  public OutboundEngine outbound() {
    return outbound;
  }

  /**
   * Refuses new connections and lets in-flight requests finish, up to the drain timeout. Runs
   * on shutdown, after the workload has deregistered, so no new caller is sent here meanwhile.
   */
  public void drain() {
    CompletableFuture<Void> in = inbound.drain(drainTimeout);
    CompletableFuture<Void> out = outbound.drain(drainTimeout);
    try {
      CompletableFuture.allOf(in, out)
          .get(drainTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      MeshLog.warn("drain did not finish in " + drainTimeout.toMillis() + " ms (" + e + ")");
    }
  }

  public void close() {
    inbound.close();
    outbound.close();
    timer.close();
    loops.close();
  }

  /** The shutdown hook: deregister first, then drain, then close. */
  public static Thread shutdownHook(ControlPlaneConnection controlPlane, MeshEngine engine) {
    return MeshThreads.factory("shutdown").newThread(() -> {
      controlPlane.close();
      engine.drain();
      engine.close();
    });
  }
}
