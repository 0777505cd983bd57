package dev.jmesh.controlplane.ca;

import dev.jmesh.controlplane.ca.IssuanceRefused.Reason;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * jmesh's CA: signs workload X.509-SVIDs from CSRs, for the identity the caller authenticated
 * as. Its keys live in a {@link CaDirectory}; a root is generated there on first start unless
 * the operator plugged in Istio's {@code cacerts}. The directory is re-read when it changes
 * ({@link #reloadIfChanged}), so {@code ca rotate} from another process takes effect without a
 * restart.
 *
 * <pre>{@code
 * CertificateAuthority ca = CertificateAuthority.open(Path.of("jmesh-ca"),
 *     CertificateAuthority.Settings.defaults(() -> "cluster.local"));
 * IssuedCertificate cert = ca.issue("default", "reviews", csrPem, 0);
 * }</pre>
 */
public final class CertificateAuthority {
  private static final Logger logger = Logger.getLogger(CertificateAuthority.class.getName());
  /** The O= of roots jmesh generates; the trust domain is in the leaves, not the root. */
  public static final String ORGANIZATION = "jmesh";

  /**
   * @param defaultTtl lifetime when the request names none (Istio: 24 h)
   * @param maxTtl longest lifetime granted; longer requests are capped (Istio: 90 days)
   * @param trustDomain the mesh's trust domain, read at each issuance (mesh.yaml may change)
   */
  public record Settings(Duration defaultTtl, Duration maxTtl, Supplier<String> trustDomain) {
    public Settings {
      if (defaultTtl.isNegative() || defaultTtl.isZero() || maxTtl.compareTo(defaultTtl) < 0) {
        throw new IllegalArgumentException("need 0 < default TTL (" + defaultTtl
            + ") <= max TTL (" + maxTtl + ")");
      }
      Objects.requireNonNull(trustDomain, "trustDomain");
    }

    public static Settings defaults(Supplier<String> trustDomain) {
      return new Settings(Duration.ofHours(24), Duration.ofDays(90), trustDomain);
    }

    /** Istio's 24 h default (or {@code maxTtl} if shorter) and {@code maxTtl}. */
    public static Settings withMaxTtl(Duration maxTtl, Supplier<String> trustDomain) {
      Duration day = Duration.ofHours(24);
      return new Settings(day.compareTo(maxTtl) > 0 ? maxTtl : day, maxTtl, trustDomain);
    }
  }

  private final CaDirectory directory;
  private final Settings settings;
  private final Clock clock;
  private final CaMetrics metrics = new CaMetrics();
  private final IssuedCertificates issued = new IssuedCertificates();
  private final AtomicReference<CaState> state = new AtomicReference<>();
  private volatile String stamp;
  private volatile String lastReloadFailure;

  CertificateAuthority(CaDirectory directory, Settings settings, Clock clock)
      throws IOException, GeneralSecurityException {
    this.directory = directory;
    this.settings = settings;
    this.clock = clock;
    this.state.set(directory.loadOrGenerate(ORGANIZATION));
    this.stamp = directory.stamp();
  }

  public static CertificateAuthority open(Path dir, Settings settings)
      throws IOException, GeneralSecurityException {
    return new CertificateAuthority(new CaDirectory(dir), settings, Clock.systemUTC());
  }

  public CaState state() {
    return state.get();
  }

  public TrustBundle trustBundle() {
    return state.get().trustBundle();
  }

  public CaDirectory directory() {
    return directory;
  }

  public CaMetrics metrics() {
    return metrics;
  }

  /** The last certificate issued per connection and per identity. */
  public IssuedCertificates issued() {
    return issued;
  }

  Clock clock() {
    return clock;
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Signs the key of {@code csrPem} for {@code namespace}/{@code serviceAccount} in the mesh's
   * trust domain. Nothing else in the CSR is used: a CSR naming another identity still gets
   * the caller's.
   *
   * @param requestedSeconds the requested lifetime; 0 or less means the default, more than the
   *     maximum is capped
   */
  public IssuedCertificate issue(String namespace, String serviceAccount, String csrPem,
      long requestedSeconds) throws IssuanceRefused {
    metrics.requested();
    try {
      WorkloadIdentity identity = new WorkloadIdentity(settings.trustDomain().get(), namespace,
          serviceAccount);
      PublicKey key = CertificateRequestCheck.verifiedKey(csrPem);
      CaState s = state.get();
      X509Certificate leaf;
      try {
        leaf = CertificateMinter.svid(s.signer(), key, identity, ttl(requestedSeconds),
            clock.instant());
      } catch (GeneralSecurityException e) {
        logger.log(Level.WARNING, "signing a certificate for " + identity + " failed", e);
        throw new IssuanceRefused(Reason.CA_UNAVAILABLE,
            "the CA could not sign: " + e.getMessage());
      }
      metrics.issued(identity);
      return new IssuedCertificate(leaf, s.signer().chain());
    } catch (IssuanceRefused e) {
      metrics.countRejected(e.reason());
      throw e;
    }
  }

  Duration ttl(long requestedSeconds) {
    if (requestedSeconds <= 0) {
      return settings.defaultTtl();
    }
    Duration requested = Duration.ofSeconds(requestedSeconds);
    return requested.compareTo(settings.maxTtl()) > 0 ? settings.maxTtl() : requested;
  }

  /** A key and certificate chain (up to the root) for the control plane's own TLS port. */
  public record ServerCredentials(PrivateKey key, List<X509Certificate> chain) {}

  public ServerCredentials serverCredentials(List<String> names, Duration ttl)
      throws GeneralSecurityException {
    KeyPair pair = KeyPairs.ecP256();
    SigningAuthority signer = state.get().signer();
    X509Certificate cert = CertificateMinter.server(signer, pair.getPublic(), names, ttl,
        clock.instant());
    return new ServerCredentials(pair.getPrivate(),
        new IssuedCertificate(cert, signer.chain()).chain());
  }

  /**
   * Re-reads the directory if its files changed. A state that does not load (half-written by a
   * rotation, a key that does not match) is refused, logged once, and the last good state stays.
   *
   * @return true when a new state came into force
   */
  public boolean reloadIfChanged() {
    try {
      String now = directory.stamp();
      if (now.equals(stamp)) {
        return false;
      }
      CaState loaded = directory.load();
      CaState before = state.getAndSet(loaded);
      stamp = now;
      lastReloadFailure = null;
      if (!before.signer().rootFingerprint().equals(loaded.signer().rootFingerprint())
          || before.trustBundle().roots().size() != loaded.trustBundle().roots().size()) {
        logger.info(() -> "CA reloaded from " + directory.path() + ": " + loaded.phase()
            + "; signing root sha256:" + loaded.signer().rootFingerprint() + ", trust bundle "
            + loaded.trustBundle().fingerprints());
      }
      return true;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      String why = e.getMessage();
      if (!Objects.equals(why, lastReloadFailure)) {
        lastReloadFailure = why;
        logger.warning(() -> "CA directory " + directory.path() + " does not load (" + why
            + "); the last good CA stays in force");
      }
      return false;
    }
  }
}
