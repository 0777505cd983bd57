package dev.jmesh.agent.internal;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.dataplane.DataPath;
import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.admin.AdminEndpoints;
import dev.jmesh.dataplane.admin.AdminServer;
import dev.jmesh.dataplane.admin.Json;
import dev.jmesh.dataplane.engine.EngineMemory;
import dev.jmesh.dataplane.engine.EngineUpstreamConnections;
import dev.jmesh.dataplane.engine.NativeTransport;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.identity.CertsView;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.stats.PrometheusText;
import dev.jmesh.dataplane.workload.ControlPlaneConnection;
import dev.jmesh.dataplane.workload.MeshEngine;
import dev.jmesh.dataplane.workload.NodeId;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The running agent as its admin endpoint shows it: settings, node, modules and counters. */
final class AgentRuntime implements AdminEndpoints {

  private final MeshSettings settings;
  private final DataPath dataPath;
  /** Read on the init thread: ProcessHandle's first use starts the JDK's process reaper pool. */
  private volatile long pid;
  private volatile List<ModuleState> modules = List.of();
  private volatile String nodeId;
  /** Whether ByteBuddy's library advice has been built (only once an application needs it). */
  private volatile boolean libraryAdviceInstalled;
  private volatile String notReadyReason = "the agent is starting";
  private volatile AdminServer admin;
  private volatile AdminServer metrics;
  private volatile ControlPlaneConnection controlPlane;
  private volatile MeshEngine engine;
  /** The shutdown hook that drains the engine: the journal closes after it. */
  private volatile Thread engineShutdown;
  private volatile AgentJournal journal;

  AgentRuntime(MeshSettings settings, DataPath dataPath) {
    this.settings = settings;
    this.dataPath = dataPath;
  }

  void instrumentationInstalled(List<ModuleState> installed) {
    this.modules = List.copyOf(installed);
  }

  void libraryAdviceInstalled() {
    this.libraryAdviceInstalled = true;
  }

  /** Runs on the agent's init thread: everything that binds a port or looks at the network. */
  void startEndpoints() {
    pid = ProcessHandle.current().pid();
    nodeId = NodeId.of(settings, NodeId.workloadIp(settings), pid);
    if (settings.journal() != null) {
      startJournal();
    }
    try {
      admin = AdminServer.start("admin", InetAddress.getLoopbackAddress(), settings.adminPort(),
          this, false);
      MeshLog.announce("admin http://127.0.0.1:" + admin.port() + "/");
      InetAddress workload = InetAddress.getByName(settings.workloadAddress());
      metrics = AdminServer.start("metrics", workload, settings.metricsPort(), this, true);
      MeshLog.announce("metrics http://" + settings.workloadAddress() + ":" + metrics.port()
          + "/stats/prometheus");
    } catch (IOException | RuntimeException e) {
      // The data path keeps working without its endpoints; only observability is lost.
      MeshLog.error("cannot start the admin or metrics endpoint (" + e + ")");
    }
    if (settings.controlPlane() != null) {
      try {
        controlPlane = ControlPlaneConnection.start(settings, nodeId, NodeId.workloadIp(settings));
        dataPath.onServerBound(controlPlane::serverBound);
        startEngine(controlPlane);
      } catch (IOException e) {
        // A token that cannot be read or parsed: said plainly, without the token.
        MeshLog.error(e.getMessage() + "; the data path runs without its config");
      } catch (RuntimeException | LinkageError e) {
        // Without a control plane the data path keeps its (empty) config; routing fails open.
        MeshLog.error("cannot connect to the control plane at " + settings.controlPlane() + " ("
            + e + "); the data path runs without its config");
      }
    }
    if (engine == null) {
      // Nothing will be captured: hooks waiting for the engine go on unmeshed.
      dataPath.runWithoutEngine();
    }
    // With a join token, the identity is the token's (its namespace and service account), which
    // may differ from the settings' defaults: say the one the certificates carry.
    WorkloadIdentity identity = controlPlane == null ? null : controlPlane.identity();
    MeshLog.info("meshed " + settings.service() + "."
        + (identity == null ? settings.namespace() : identity.id().namespace()) + " as " + nodeId
        + " (" + (identity == null ? settings.spiffeId() : identity.id()) + ")");
    notReadyReason = null;
  }

  /**
   * Starts the engine over the control plane's config and identity, and the shutdown hook that
   * deregisters, drains and closes it. An engine that cannot start leaves the application
   * unmeshed (routing fails open), said once.
   */
  private void startEngine(ControlPlaneConnection connection) {
    try {
      MeshEngine started =
          MeshEngine.start(settings, connection, dataPath.stats().requestMetrics());
      EngineCapture.attach(settings, connection, started, dataPath);
      engine = started;
      Thread hook = MeshEngine.shutdownHook(connection, engine);
      engineShutdown = hook;
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (RuntimeException | LinkageError e) {
      MeshLog.error("cannot start the engine (" + e + "); the application's traffic is not"
          + " captured");
    }
  }

  /**
   * Opens the journal on its own thread; at shutdown it closes once the engine has drained (hooks
   * run concurrently), so the last requests' records are appended before the JVM ends.
   */
  private void startJournal() {
    AgentJournal j = AgentJournal.start(settings.journal(), dataPath.stats().requestMetrics());
    journal = j;
    Runtime.getRuntime().addShutdownHook(MeshThreads.factory("journal-close").newThread(() -> {
      Thread drain = engineShutdown;
      try {
        if (drain != null) {
          drain.join(settings.engine().drainTimeout().toMillis() + 5_000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      j.close(dataPath.stats().requestMetrics());
    }));
  }

  @Override
  public String notReadyReason() {
    return notReadyReason;
  }

  @Override
  public void writeMetrics(StringBuilder out) {
    PrometheusText text = new PrometheusText(out);
    text.header("jmesh_agent_ready", "gauge", "1 once the data path is installed and serving.")
        .sample("jmesh_agent_ready", notReadyReason == null ? 1 : 0);
    text.header("jmesh_agent_hook_failures_total", "counter",
            "Data-path failures inside hooks; each call went on unmeshed.")
        .sample("jmesh_agent_hook_failures_total", MeshHooks.failureCount());
    text.header("jmesh_agent_instrumentation_module_enabled", "gauge",
        "1 if the instrumentation module is on and matched every class loader it met.");
    for (ModuleState module : modules) {
      text.sample("jmesh_agent_instrumentation_module_enabled", module.enabled() ? 1 : 0,
          "module", module.name());
    }
    ControlPlaneConnection cp = controlPlane;
    if (cp != null) {
      cp.writeMetrics(text);
    }
    dataPath.stats().writeTo(text);
    dataPath.stats().requestMetrics().writeTo(text);
    AgentJournal j = journal;
    if (j != null) {
      j.writeMetrics(text);
    }
    if (engine != null) {
      EngineMemory.writeTo(text);
      EngineUpstreamConnections.writeTo(text);
    }
  }

  @Override
  public String configDump() {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("id", nodeId);
    node.put("cluster", settings.service() + "." + settings.namespace());
    node.put("locality", settings.locality());
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("SERVICE", settings.service());
    metadata.put("NAMESPACE",
        controlPlane == null || controlPlane.identity() == null ? settings.namespace()
            : controlPlane.identity().id().namespace());
    ControlPlaneConnection connection = controlPlane;
    WorkloadIdentity identity = connection == null ? null : connection.identity();
    // With a join token, the token's identity is the workload's, whatever the settings say.
    metadata.put("SERVICE_ACCOUNT",
        identity == null ? settings.serviceAccount() : identity.id().serviceAccount());
    metadata.put("LABELS", settings.labels());
    metadata.put("PID", pid);
    node.put("metadata", metadata);

    Map<String, Object> config = new LinkedHashMap<>();
    config.put("service", settings.service());
    config.put("namespace", settings.namespace());
    config.put("serviceAccount", settings.serviceAccount());
    config.put("spiffeId", settings.spiffeId());
    config.put("labels", settings.labels());
    config.put("controlPlane", settings.controlPlane());
    config.put("adminPort", admin == null ? settings.adminPort() : admin.port());
    config.put("metricsPort", metrics == null ? settings.metricsPort() : metrics.port());
    config.put("workloadAddress", settings.workloadAddress());
    config.put("logLevel", MeshLog.level().toString().toLowerCase(java.util.Locale.ROOT));
    config.put("excludeOutboundPorts", settings.excludeOutboundPorts());
    config.put("excludeInboundPorts", settings.excludeInboundPorts());
    config.put("excludeOutboundIPRanges", settings.excludeOutboundIPRanges());
    // The token file's path is shown; its content, a secret, never is.
    config.put("tokenFile", settings.tokenFile());
    AgentJournal j = journal;
    config.put("journal", j == null ? "off" : j.describe());

    List<Object> moduleList = new ArrayList<>();
    for (ModuleState module : modules) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", module.name());
      m.put("enabled", module.enabled());
      m.put("disabledBySetting", !module.enabledBySetting());
      m.put("disabledIn", module.disabledIn());
      moduleList.add(m);
    }
    Map<String, Object> dump = new LinkedHashMap<>();
    dump.put("node", node);
    dump.put("settings", config);
    dump.put("instrumentation", moduleList);
    Map<String, Object> stages = new LinkedHashMap<>();
    stages.put("bridgeHooks", true);
    stages.put("libraryAdvice", libraryAdviceInstalled);
    dump.put("instrumentationStages", stages);
    dump.put("transport", NativeTransport.describe());
    ControlPlaneConnection cp = controlPlane;
    dump.put("xds", cp == null ? Map.of("controlPlane", "none") : cp.describe());
    dump.put("ready", notReadyReason == null);
    return Json.write(dump);
  }

  @Override
  public String certs() {
    ControlPlaneConnection cp = controlPlane;
    WorkloadIdentity identity = cp == null ? null : cp.identity();
    return Json.write(CertsView.of(identity,
        settings.hasToken() ? "the control plane connection did not start"
            : "no join token is configured (tokenFile or token): traffic is not mTLS"));
  }

  @Override
  public void quit() {
    notReadyReason = "the data path was ended by /quitquitquit";
    MeshHooks.uninstall();
    MeshLog.info("data path ended by /quitquitquit; the application continues unmeshed");
    ControlPlaneConnection cp = controlPlane;
    MeshEngine meshEngine = engine;
    MeshThreads.start("quit", () -> {
      if (cp != null) {
        cp.close();
      }
      if (meshEngine != null) {
        meshEngine.drain();
        meshEngine.close();
      }
      if (metrics != null) {
        metrics.close();
      }
      if (admin != null) {
        admin.close();
      }
    });
  }
}
