package dev.jmesh.agent.internal;

import dev.jmesh.dataplane.DataPath;
import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.MeshTimer;
import dev.jmesh.dataplane.capture.InboundTakeover;
import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.direct.DirectCalls;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.engine.inbound.DirectInbound;
import dev.jmesh.dataplane.engine.inbound.InboundEngine;
import dev.jmesh.dataplane.engine.inbound.InboundLimits;
import dev.jmesh.dataplane.engine.outbound.OutboundEngine;
import dev.jmesh.dataplane.engine.outbound.OutboundLimits;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.settings.EngineSettings;
import dev.jmesh.dataplane.settings.MeshSettings;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The embedded engine of an agent: its event loops, its inbound and outbound sides over the
 * control-plane connection's config and identity, and the capture that sends the application's
 * sockets through it. Started once the control-plane connection exists; drained on shutdown.
 */
final class MeshEngine {

  private final EngineLoops loops;
  private final MeshTimer timer;
  private final InboundEngine inbound;
  private final OutboundEngine outbound;
  private final Duration drainTimeout;

  private MeshEngine(EngineLoops loops, MeshTimer timer, InboundEngine inbound,
      OutboundEngine outbound, Duration drainTimeout) {
    this.loops = loops;
    this.timer = timer;
    this.inbound = inbound;
    this.outbound = outbound;
    this.drainTimeout = drainTimeout;
  }

  static MeshEngine start(MeshSettings settings, ControlPlaneConnection controlPlane,
      DataPath dataPath) {
    EngineSettings e = settings.engine();
    EngineLoops loops = new EngineLoops(0);
    MeshTimer timer = new MeshTimer();
    WorkloadIdentity identity = controlPlane.identity();
    EngineContext context = new EngineContext(settings, controlPlane.feed()::current,
        controlPlane.upstreamClusters(), () -> identity, dataPath.stats().requestMetrics(),
        self(settings, identity), timer, loops);
    InboundEngine inbound = new InboundEngine(context, new InboundLimits(
        InboundLimits.DEFAULTS.maxRequestHeadersBytes(), InboundLimits.DEFAULTS.maxRequestHeaders(),
        e.requestHeadersTimeout(), e.idleTimeout(), e.maxRequestBodyBytes(),
        e.protocolDetectionTimeout(), e.drainTimeout()));
    OutboundEngine outbound = new OutboundEngine(context, new OutboundLimits(
        OutboundLimits.DEFAULTS.connectTimeout(), e.idleTimeout(),
        OutboundLimits.DEFAULTS.maxBufferedRequestBody(),
        OutboundLimits.DEFAULTS.maxRequestHeadersBytes(),
        OutboundLimits.DEFAULTS.maxRequestHeaders()));
    MeshCapture capture = new MeshCapture(settings, controlPlane.feed()::current,
        timeout -> ready(controlPlane, identity, timeout), e.firstConfigTimeout(),
        new Takeover(inbound), outbound::listenerFor);
    dataPath.attach(capture, new DirectCalls(context, capture, dataPath.stats().requestPaths()),
        new DirectInbound(context, dataPath.stats().requestPaths(),
            dataPath.stats().inboundConnections(), inbound));
    return new MeshEngine(loops, timer, inbound, outbound, e.drainTimeout());
  }

  /** The first config and, for a workload with an identity, its first certificate. */
  private static boolean ready(ControlPlaneConnection controlPlane, WorkloadIdentity identity,
      Duration timeout) throws InterruptedException {
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
  static WorkloadLabels self(MeshSettings settings, WorkloadIdentity identity) {
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

  /**
   * Refuses new connections and lets in-flight requests finish, up to the drain timeout. Runs
   * on shutdown, after the workload has deregistered, so no new caller is sent here meanwhile.
   */
  void drain() {
    CompletableFuture<Void> in = inbound.drain(drainTimeout);
    CompletableFuture<Void> out = outbound.drain(drainTimeout);
    try {
      CompletableFuture.allOf(in, out)
          .get(drainTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      MeshLog.warn("drain did not finish in " + drainTimeout.toMillis() + " ms (" + e + ")");
    }
  }

  void close() {
    inbound.close();
    outbound.close();
    timer.close();
    loops.close();
  }

  /** The shutdown hook: deregister first, then drain, then close. */
  static Thread shutdownHook(ControlPlaneConnection controlPlane, MeshEngine engine) {
    return MeshThreads.factory("shutdown").newThread(() -> {
      controlPlane.close();
      engine.drain();
      engine.close();
    });
  }

  /** The inbound engine as capture sees it. */
  private static final class Takeover implements InboundTakeover {
    private final InboundEngine inbound;

    Takeover(InboundEngine inbound) {
      this.inbound = inbound;
    }

    @Override
    public Closeable takeOver(InetSocketAddress declared, InetSocketAddress application)
        throws java.io.IOException {
      return inbound.takeOver(declared, application)::close;
    }

    @Override
    public boolean isEngineConnection(InetSocketAddress remote) {
      return inbound.isEngineConnection(remote);
    }
  }
}
