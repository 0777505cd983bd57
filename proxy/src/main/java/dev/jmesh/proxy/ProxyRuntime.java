package dev.jmesh.proxy;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.admin.AdminEndpoints;
import dev.jmesh.dataplane.admin.AdminServer;
import dev.jmesh.dataplane.admin.Json;
import dev.jmesh.dataplane.engine.EngineMemory;
import dev.jmesh.dataplane.engine.EngineUpstreamConnections;
import dev.jmesh.dataplane.engine.NativeTransport;
import dev.jmesh.dataplane.engine.inbound.InboundPort;
import dev.jmesh.dataplane.identity.CertsView;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.stats.ConnectionStats;
import dev.jmesh.dataplane.stats.PrometheusText;
import dev.jmesh.dataplane.workload.ControlPlaneConnection;
import dev.jmesh.dataplane.workload.MeshEngine;
import dev.jmesh.dataplane.workload.NodeId;
import dev.jmesh.journal.Journal;
import dev.jmesh.journal.JournalException;
import dev.jmesh.journal.JournalSettings;
import dev.jmesh.journal.tap.JournalTap;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The running proxy: the agent's control-plane connection and engine, the engine's inbound side on
 * each application port, the outbound listeners, registration, and the admin endpoint (the agent's
 * classes). Started once; {@link #shutdown()} deregisters, then drains.
 */
final class ProxyRuntime implements AdminEndpoints {

  private final ProxyOptions options;
  private final MeshSettings settings;
  private final long startedNanos;
  private final ConnectionStats stats = new ConnectionStats();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final List<AutoCloseable> listeners = new ArrayList<>();
  private final Map<String, String> outboundAddresses = new LinkedHashMap<>();
  private volatile String notReadyReason = "the proxy is starting";
  private String nodeId;
  private String workloadIp;
  private AdminServer admin;
  private AdminServer metrics;
  private ControlPlaneConnection controlPlane;
  private MeshEngine engine;
  private OutboundDestinations destinations;
  private ApplicationRegistration registration;
  private HttpProxyListener httpProxy;
  private CaptureListener capture;
  private MeshHostsFile hostsFile;
  private Journal journal;
  private boolean shutDown;

  ProxyRuntime(ProxyOptions options, long startedNanos) {
    this.options = options;
    this.settings = options.settings();
    this.startedNanos = startedNanos;
  }

  /** Starts everything; an {@link IOException} says what could not start (a port in use...). */
  void start() throws IOException {
    workloadIp = NodeId.workloadIp(settings);
    nodeId = NodeId.of(settings, workloadIp, ProcessHandle.current().pid());
    admin =
        AdminServer.start(
            "admin", InetAddress.getLoopbackAddress(), settings.adminPort(), this, false);
    MeshLog.announce("admin http://127.0.0.1:" + admin.port() + "/");
    metrics =
        AdminServer.start(
            "metrics", InetAddress.getByName(workloadIp), settings.metricsPort(), this, true);
    MeshLog.announce("metrics http://" + workloadIp + ":" + metrics.port() + "/stats/prometheus");
    openJournal();
    controlPlane = ControlPlaneConnection.start(settings, nodeId, workloadIp);
    engine = MeshEngine.start(settings, controlPlane, stats.requestMetrics());
    Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "jmesh-proxy-shutdown"));
    for (InboundMapping m : options.inbound()) {
      InetSocketAddress listen = new InetSocketAddress(workloadIp, m.listenPort());
      try {
        listeners.add(engine.inbound().takeOver(listen, m.application()));
      } catch (IOException e) {
        throw new IOException(
            "--inbound "
                + m.listenPort()
                + "="
                + hostPort(m.application())
                + ": "
                + e.getMessage()
                + " (another process has the port: free it or map another one)",
            e);
      }
      MeshLog.announce(
          "inbound " + workloadIp + ":" + m.listenPort() + " -> " + hostPort(m.application()));
    }
    destinations = new OutboundDestinations(settings, controlPlane, engine);
    UpstreamDialer dialer = new UpstreamDialer(engine.context().loops());
    for (OutboundMapping m : options.outbound()) {
      LocalServiceListener l =
          LocalServiceListener.start(
              m,
              settings.engine().idleTimeout(),
              engine.context().loops(),
              engine.outbound(),
              destinations,
              dialer);
      listeners.add(l);
      outboundAddresses.put(m.destination(), hostPort(l.address()));
      MeshLog.announce("outbound " + hostPort(l.address()) + " -> " + m.destination());
    }
    if (options.httpProxy() != null) {
      httpProxy =
          HttpProxyListener.start(
              options.httpProxy(),
              settings.engine().idleTimeout(),
              engine.context().loops(),
              destinations,
              dialer);
      listeners.add(httpProxy);
      MeshLog.announce("http-proxy http://" + hostPort(httpProxy.address()));
    }
    if (options.capture() != null) {
      capture =
          CaptureListener.start(
              options.capture(),
              settings.engine().idleTimeout(),
              engine.context().loops(),
              engine.outbound(),
              destinations,
              dialer);
      listeners.add(capture);
      MeshLog.announce("capture " + hostPort(capture.address()) + " (TPROXY)");
    }
    if (options.hostsFile() != null) {
      hostsFile = MeshHostsFile.start(options.hostsFile(), destinations::serviceNames);
      MeshLog.announce("hosts-file " + options.hostsFile());
    }
    registration = new ApplicationRegistration(controlPlane, options.inbound());
    registration.start();
    MeshThreads.start("ready", this::awaitReady);
  }

  /**
   * The journal, on unless {@code --journal off}. One that cannot open (a directory it may not
   * write, a JVM without the access Chronicle needs) is reported and left off: the application's
   * traffic matters more than its record.
   */
  private void openJournal() {
    if (options.journal() == null) {
      return;
    }
    Path dir = options.journal().toAbsolutePath();
    try {
      journal = Journal.open(JournalSettings.builder(dir).build());
      stats.requestMetrics().journal(new JournalTap(journal));
      MeshLog.announce("journal " + dir);
    } catch (JournalException | RuntimeException e) {
      MeshLog.warn(
          "the journal is off: "
              + e.getMessage()
              + " (give a writable directory with --journal DIR, or --journal off)");
    }
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  /** Ready once every application port is registered and the config and certificate are in. */
  private void awaitReady() {
    try {
      notReadyReason = "waiting for the application to answer on its port(s)";
      registration.awaitRegistered();
      notReadyReason = "waiting for the first config and certificate from the control plane";
      while (!MeshEngine.ready(controlPlane, Duration.ofSeconds(10))) {
        MeshLog.warn(
            "no config or certificate from the control plane at "
                + settings.controlPlane()
                + " yet; still waiting");
      }
      notReadyReason = null;
      long sinceMain = (System.nanoTime() - startedNanos) / 1_000_000;
      // Since the JVM started too: its own start-up is part of what a pod waits for.
      String sinceJvm =
          ProcessHandle.current()
              .info()
              .startInstant()
              .map(
                  t ->
                      ", "
                          + Duration.between(t, java.time.Instant.now()).toMillis()
                          + " ms"
                          + " since the JVM started")
              .orElse("");
      MeshLog.announce(
          "ready in "
              + sinceMain
              + " ms"
              + sinceJvm
              + ": "
              + settings.service()
              + "."
              + settings.namespace()
              + " as "
              + nodeId
              + (controlPlane.identity() == null ? "" : " (" + controlPlane.identity().id() + ")"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Blocks until the proxy has shut down. */
  void awaitEnd() throws InterruptedException {
    ended.await();
  }

  /** Deregisters, stops accepting, lets requests in flight finish, closes. Runs once. */
  void shutdown() {
    synchronized (this) {
      if (shutDown) {
        return;
      }
      shutDown = true;
    }
    notReadyReason = "the proxy is shutting down";
    if (registration != null) {
      registration.close();
    }
    if (controlPlane != null) {
      // Deregisters first: no new caller is sent here while the rest drains.
      controlPlane.close();
    }
    for (AutoCloseable l : listeners) {
      if (!(l instanceof InboundPort)) {
        try {
          l.close();
        } catch (Exception e) {
          MeshLog.debug("closing " + l + ": " + e);
        }
      }
    }
    if (engine != null) {
      engine.drain();
      engine.close();
    }
    if (hostsFile != null) {
      hostsFile.close();
    }
    if (destinations != null) {
      destinations.close();
    }
    if (journal != null) {
      // After the engine: the records of the requests that drained are in it.
      stats.requestMetrics().journal(null);
      journal.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (admin != null) {
      admin.close();
    }
    MeshLog.info("proxy stopped");
    ended.countDown();
  }

  @Override
  public String notReadyReason() {
    return notReadyReason;
  }

  @Override
  public void writeMetrics(StringBuilder out) {
    PrometheusText text = new PrometheusText(out);
    text.header("jmesh_proxy_ready", "gauge", "1 once registered and configured.")
        .sample("jmesh_proxy_ready", notReadyReason == null ? 1 : 0);
    ControlPlaneConnection cp = controlPlane;
    if (cp != null) {
      cp.writeMetrics(text);
    }
    stats.writeTo(text);
    stats.requestMetrics().writeTo(text);
    EngineMemory.writeTo(text);
    EngineUpstreamConnections.writeTo(text);
    Journal j = journal;
    if (j != null) {
      text.header(
              "jmesh_journal_records_total",
              "counter",
              "Records handed to the journal: appended to disk, dropped (its ring was full, the"
                  + " request did not wait), failed (the disk refused them).")
          .sample("jmesh_journal_records_total", j.appended(), "result", "appended")
          .sample("jmesh_journal_records_total", j.dropped(), "result", "dropped")
          .sample("jmesh_journal_records_total", j.failed(), "result", "failed");
    }
  }

  @Override
  public String configDump() {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("id", nodeId);
    node.put("cluster", settings.service() + "." + settings.namespace());
    WorkloadIdentity identity = controlPlane == null ? null : controlPlane.identity();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("SERVICE", settings.service());
    metadata.put("NAMESPACE", identity == null ? settings.namespace() : identity.id().namespace());
    metadata.put(
        "SERVICE_ACCOUNT",
        identity == null ? settings.serviceAccount() : identity.id().serviceAccount());
    metadata.put("LABELS", settings.labels());
    node.put("metadata", metadata);

    Map<String, Object> config = new LinkedHashMap<>();
    config.put("service", settings.service());
    config.put("namespace", settings.namespace());
    config.put("serviceAccount", settings.serviceAccount());
    config.put("labels", settings.labels());
    config.put("controlPlane", settings.controlPlane());
    config.put("adminPort", admin == null ? settings.adminPort() : admin.port());
    config.put("metricsPort", metrics == null ? settings.metricsPort() : metrics.port());
    config.put("workloadAddress", workloadIp);
    config.put("logLevel", MeshLog.level().toString().toLowerCase(java.util.Locale.ROOT));
    // The token file's path is shown; its content, a secret, never is.
    config.put("tokenFile", settings.tokenFile());

    Map<String, Object> proxy = new LinkedHashMap<>();
    List<Object> inbound = new ArrayList<>();
    for (InboundMapping m : options.inbound()) {
      inbound.add(
          Map.of(
              "listen",
              workloadIp + ":" + m.listenPort(),
              "application",
              hostPort(m.application())));
    }
    proxy.put("inbound", inbound);
    proxy.put("outbound", outboundAddresses);
    proxy.put("httpProxy", httpProxy == null ? "off" : hostPort(httpProxy.address()));
    proxy.put("capture", capture == null ? "off" : hostPort(capture.address()));
    proxy.put("hostsFile", options.hostsFile() == null ? "none" : options.hostsFile().toString());
    proxy.put("journal", journal == null ? "off" : journal.directory().toString());
    proxy.put("registered", registration != null && registration.registered());

    Map<String, Object> dump = new LinkedHashMap<>();
    dump.put("node", node);
    dump.put("settings", config);
    dump.put("proxy", proxy);
    dump.put("transport", NativeTransport.describe());
    dump.put(
        "xds", controlPlane == null ? Map.of("controlPlane", "none") : controlPlane.describe());
    dump.put("ready", notReadyReason == null);
    return Json.write(dump);
  }

  @Override
  public String certs() {
    WorkloadIdentity identity = controlPlane == null ? null : controlPlane.identity();
    return Json.write(
        CertsView.of(
            identity,
            settings.hasToken()
                ? "the control plane connection did not start"
                : "no join token is configured (--token-file): traffic is not mTLS"));
  }

  @Override
  public void quit() {
    // Envoy's /quitquitquit ends the sidecar; so does this, after draining.
    MeshThreads.start(
        "quit",
        () -> {
          shutdown();
          System.exit(0);
        });
  }
}
