package dev.jmesh.controlplane;

import dev.jmesh.controlplane.ca.CaService;
import dev.jmesh.controlplane.ca.CertificateAuthority;
import dev.jmesh.controlplane.ca.SecureServer;
import dev.jmesh.controlplane.config.ConfigSource;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.internal.ads.AdsServer;
import dev.jmesh.controlplane.internal.ads.Debouncer;
import dev.jmesh.controlplane.internal.ads.ProxyLifecycle;
import dev.jmesh.controlplane.internal.config.ConfigStore;
import dev.jmesh.controlplane.internal.config.DirectoryConfigSource;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.http.DebugHttpServer;
import dev.jmesh.controlplane.internal.registration.RegistrationSource;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The jmesh control plane: reads Istio configuration from its sources, validates it, and
 * serves it as xDS over ADS (plaintext, port 15010 by default) with a debug HTTP API (15014).
 *
 * <pre>{@code
 * try (ControlPlane cp = ControlPlane.builder().configDir(Path.of("mesh-config")).build()) {
 *   cp.start();
 *   System.out.println("xDS on " + cp.xdsPort());
 * }
 * }</pre>
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(ControlPlane.class.getName());

  private final List<ConfigSource> sources;
  private final String bindAddress;
  private final int requestedXdsPort;
  private final int requestedHttpPort;
  private final ConfigStore store = new ConfigStore();
  private final AdsServer ads;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService xdsExecutor;
  private final Debouncer debouncer;
  private final Path caDir;
  private final int requestedSecurePort;
  private final Duration maxCertificateTtl;
  private final RegistrationSource registration;
  private CaService ca;
  private Set<String> reportedDiagnostics = Set.of();
  private Server grpcServer;
  private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
  private DebugHttpServer httpServer;
  private volatile boolean ready;

  private ControlPlane(Builder b) {
    List<ConfigSource> all = new ArrayList<>(b.sources);
    this.bindAddress = b.bindAddress;
    this.requestedXdsPort = b.xdsPort;
    this.requestedHttpPort = b.httpPort;
    this.caDir = b.caDir;
    this.requestedSecurePort = b.securePort;
    this.maxCertificateTtl = b.maxCertificateTtl;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "jmesh-config-push");
      t.setDaemon(true);
      return t;
    });
    // Stream handlers never block (each connection is a small synchronised state machine), so
    // a thread per core serves every proxy; gRPC's default would start a thread per busy
    // stream, hundreds of them when thousands of proxies connect at once.
    AtomicInteger xdsThreads = new AtomicInteger();
    this.xdsExecutor = Executors.newFixedThreadPool(
        Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
          Thread t = new Thread(r, "jmesh-xds-" + xdsThreads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.debouncer = new Debouncer(scheduler, b.debounce, b.debounceMax, this::reloadQuietly);
    ProxyLifecycle lifecycle = ProxyLifecycle.NONE;
    RegistrationSource registered = null;
    if (b.registrationGrace != null) {
      registered = new RegistrationSource(scheduler, b.registrationGrace,
          b.registrationPolicy, b.stateDir, b.registrationRestoreGrace);
      all.add(registered);
      lifecycle = registered;
    }
    this.registration = registered;
    this.sources = List.copyOf(all);
    this.ads = new AdsServer(store::current, lifecycle);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Loads configuration, then starts serving and watching. */
  public synchronized ControlPlane start() throws IOException {
    if (registration != null) {
      // Before the first snapshot: its EDS already holds the workloads registered before a
      // restart, so no proxy that reconnects first is told they are gone.
      registration.restore();
    }
    reload();
    for (ConfigSource source : sources) {
      source.watch(s -> debouncer.trigger());
    }
    if (requestedXdsPort >= 0) {
      grpcServer = NettyServerBuilder.forAddress(
              new InetSocketAddress(bindAddress, requestedXdsPort))
          .addService(ads)
          .executor(xdsExecutor)
          .handshakeTimeout(SecureServer.HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .permitKeepAliveWithoutCalls(true)
          .permitKeepAliveTime(10, TimeUnit.SECONDS)
          .maxInboundMessageSize(16 * 1024 * 1024)
          .build()
          .start();
    }
    if (caDir != null) {
      ca = CaService.start(caDir, CertificateAuthority.Settings.withMaxTtl(maxCertificateTtl,
              () -> store.current().meshConfig().trustDomain()),
          // xDS rides the TLS port too, behind the same caller authentication.
          bindAddress, requestedSecurePort, scheduler, List.of(ads.bindService()));
    }
    if (requestedHttpPort >= 0) {
      httpServer = DebugHttpServer.start(new InetSocketAddress(bindAddress, requestedHttpPort),
          this);
    }
    ready = true;
    logger.info(() -> "control plane serving xDS on " + bindAddress + ":" + xdsPort()
        + (httpServer != null ? ", HTTP on " + bindAddress + ":" + httpPort() : "")
        + "; config version " + snapshot().version());
    return this;
  }

  private void reloadQuietly() {
    try {
      reload();
    } catch (IOException | RuntimeException e) {
      logger.log(Level.WARNING, "reloading configuration failed; the last good config stays", e);
    }
  }

  /** Re-reads every source now and pushes what changed. */
  public void reload() throws IOException {
    long start = System.nanoTime();
    List<ConfigSource.Contents> contents = new ArrayList<>();
    for (ConfigSource source : sources) {
      contents.add(source.read());
    }
    long before = store.current().version();
    MeshSnapshot snapshot = store.apply(contents);
    long loadedNanos = System.nanoTime() - start;
    report(snapshot);
    if (snapshot.version() != before) {
      ads.pushAll();
      long pushedNanos = System.nanoTime() - start - loadedNanos;
      logger.info(() -> String.format("config version %d: %d resources, %d services"
              + " (read and validated in %d ms, pushed to %d proxies in %d ms)",
          snapshot.version(), snapshot.resources().size(),
          snapshot.registry().services().size(), loadedNanos / 1_000_000,
          ads.connections().size(), pushedNanos / 1_000_000));
    }
  }

  /** Logs each diagnostic once, when it first appears. */
  private synchronized void report(MeshSnapshot snapshot) {
    Set<String> now = new HashSet<>();
    for (Diagnostic d : snapshot.diagnostics()) {
      String line = d.format();
      now.add(line);
      if (!reportedDiagnostics.contains(line)) {
        logger.log(d.isError() ? Level.WARNING : Level.INFO, line);
      }
    }
    reportedDiagnostics = now;
  }

  public MeshSnapshot snapshot() {
    return store.current();
  }

  public AdsServer ads() {
    return ads;
  }

  public boolean isReady() {
    return ready;
  }

  public List<ConfigSource> sources() {
    return sources;
  }

  /** The plaintext xDS port, or -1 when it is switched off. */
  public int xdsPort() {
    return grpcServer == null ? -1 : grpcServer.getPort();
  }

  public int httpPort() {
    return httpServer == null ? -1 : httpServer.port();
  }

  /** The CA and its TLS port (15012), or null when no CA directory was given. */
  public CaService certificateAuthority() {
    return ca;
  }

  @Override
  public synchronized void close() {
    ready = false;
    for (ConfigSource s : sources) {
      s.close();
    }
    if (httpServer != null) {
      httpServer.close();
    }
    if (ca != null) {
      ca.close();
    }
    if (grpcServer != null) {
      grpcServer.shutdownNow();
      try {
        grpcServer.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    scheduler.shutdownNow();
    xdsExecutor.shutdownNow();
    closed.countDown();
  }

  /** Blocks until the control plane is closed. */
  public void awaitTermination() throws InterruptedException {
    closed.await();
  }

  /** Settings of a {@link ControlPlane}. */
  public static final class Builder {
    private final List<ConfigSource> sources = new ArrayList<>();
    private String bindAddress = "127.0.0.1";
    private int xdsPort = 15010;
    private int httpPort = 15014;
    private Duration debounce = Duration.ofMillis(100);
    private Duration debounceMax = Duration.ofSeconds(1);
    private Duration registrationGrace = Duration.ofSeconds(5);
    private Duration registrationRestoreGrace = Duration.ofSeconds(60);
    private Path stateDir;
    private RegistrationSource.RegistrationPolicy registrationPolicy =
        RegistrationSource.RegistrationPolicy.ACCEPT_ALL;
    private Path caDir;
    private int securePort = 15012;
    private Duration maxCertificateTtl = Duration.ofDays(90);

    /** Adds a watched directory of Istio YAML. */
    public Builder configDir(Path dir) {
      return source(new DirectoryConfigSource(dir));
    }

    public Builder source(ConfigSource source) {
      sources.add(source);
      return this;
    }

    /** Address to listen on; loopback by default. */
    public Builder bindAddress(String address) {
      this.bindAddress = address;
      return this;
    }

    /** 0 picks a free port. */
    public Builder xdsPort(int port) {
      this.xdsPort = port;
      return this;
    }

    /** 0 picks a free port; -1 turns the HTTP server off. */
    public Builder httpPort(int port) {
      this.httpPort = port;
      return this;
    }

    /** Quiet time before a change is pushed, and the longest a push may wait. */
    public Builder debounce(Duration quiet, Duration max) {
      this.debounce = quiet;
      this.debounceMax = max;
      return this;
    }

    /**
     * How long a registered workload stays an endpoint after its stream ends (it may be
     * reconnecting); {@code null} turns registration over xDS off.
     */
    public Builder registrationGrace(Duration grace) {
      this.registrationGrace = grace;
      return this;
    }

    /**
     * Where state that must outlive a restart is kept (the registered workloads); {@code null}
     * (the default) keeps it in memory only.
     */
    public Builder stateDir(Path dir) {
      this.stateDir = dir;
      return this;
    }

    /**
     * How long a workload restored from the state directory stays an endpoint without
     * reconnecting: longer than the workloads' longest xDS reconnect backoff (30 s), so every
     * live one is back first. Default 60 s.
     */
    public Builder registrationRestoreGrace(Duration grace) {
      this.registrationRestoreGrace = grace;
      return this;
    }

    /** Who may register as what; everyone by default on the plaintext port. */
    public Builder registrationPolicy(RegistrationSource.RegistrationPolicy policy) {
      this.registrationPolicy = policy;
      return this;
    }

    /** Runs the CA from {@code dir} (a root is generated there on first start). */
    public Builder caDir(Path dir) {
      this.caDir = dir;
      return this;
    }

    /** The TLS port of the CA (Istio's 15012); 0 picks a free port. */
    public Builder securePort(int port) {
      this.securePort = port;
      return this;
    }

    /** Longest certificate lifetime granted; longer requests are capped (default 90 days). */
    public Builder maxCertificateTtl(Duration max) {
      this.maxCertificateTtl = max;
      return this;
    }

    public ControlPlane build() {
      if (sources.isEmpty()) {
        throw new IllegalStateException("no configuration source: give a config directory");
      }
      return new ControlPlane(this);
    }
  }
}
