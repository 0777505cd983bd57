package dev.jmesh.controlplane.ca;

import dev.jmesh.controlplane.ca.token.JoinTokens;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The CA as the control plane runs it: the authority over its directory, join tokens, the TLS
 * port, and a look at the directory every {@link #RELOAD_SECONDS} seconds so rotations and
 * revocations made by the command line take effect.
 */
public final class CaService implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(CaService.class.getName());
  static final long RELOAD_SECONDS = 10;

  private final CertificateAuthority ca;
  private final JoinTokens tokens;
  private final SecureServer server;
  private final ScheduledFuture<?> reload;

  private CaService(CertificateAuthority ca, JoinTokens tokens, SecureServer server,
      ScheduledFuture<?> reload) {
    this.ca = ca;
    this.tokens = tokens;
    this.server = server;
    this.reload = reload;
  }

  /**
   * Opens (or creates) the CA in {@code caDir} and serves it on {@code bindAddress:port}.
   *
   * @param extraServices services to serve on the same TLS port (xDS, registration), behind
   *     the same caller authentication: handlers read {@link CallerAuthentication#CALLER}
   */
  public static CaService start(Path caDir, CertificateAuthority.Settings settings,
      String bindAddress, int port, ScheduledExecutorService scheduler,
      List<ServerServiceDefinition> extraServices) throws IOException {
    try {
      CertificateAuthority ca = CertificateAuthority.open(caDir, settings);
      JoinTokens tokens = JoinTokens.open(caDir);
      // xDS nodes register workloads: they may claim only the identity their caller proved.
      NodeIdentityCheck nodes = new NodeIdentityCheck(ca.metrics());
      List<ServerServiceDefinition> checked = extraServices.stream()
          .map(service -> ServerInterceptors.intercept(service, nodes)).toList();
      SecureServer server = SecureServer.start(bindAddress, port, ca, tokens,
          SecureServer.DEFAULT_NAMES, checked);
      ScheduledFuture<?> reload = scheduler.scheduleWithFixedDelay(ca::reloadIfChanged,
          RELOAD_SECONDS, RELOAD_SECONDS, TimeUnit.SECONDS);
      logger.info(() -> "CA " + caDir + " (" + ca.state().phase() + ", root sha256:"
          + ca.state().signer().rootFingerprint() + ") serving on " + bindAddress + ":"
          + server.port());
      return new CaService(ca, tokens, server, reload);
    } catch (GeneralSecurityException e) {
      throw new IOException("CA directory " + caDir + ": " + e.getMessage(), e);
    }
  }

  public CertificateAuthority authority() {
    return ca;
  }

  public JoinTokens tokens() {
    return tokens;
  }

  public int port() {
    return server.port();
  }

  public SecureServer server() {
    return server;
  }

  /** Prometheus text of the CA's counters. */
  public String metrics() {
    return ca.metrics().prometheus(ca.state());
  }

  @Override
  public void close() {
    reload.cancel(false);
    server.close();
  }
}
