package dev.jmesh.dataplane.identity;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.log.MeshLog;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The workload's identity: an EC P-256 key generated in memory (never written anywhere), a CSR
 * signed by the CA, and renewal at half the certificate's lifetime (less a random share of up to 5
 * % of it, so workloads started together do not renew together). A new key and certificate serve
 * the next handshake; established connections keep theirs. The trust bundle is replaced live when
 * the control plane sends a new one.
 *
 * <p>Everything slow — key generation, the CA call, retries after a failure (1 s doubling to 30 s)
 * — happens on the identity's own daemon thread.
 *
 * <pre>{@code
 * WorkloadIdentity identity = new WorkloadIdentity(SpiffeId.workload("cluster.local", "default",
 *     "reviews"), signer, 86_400);
 * identity.updateTrustBundle(bundle);
 * identity.start();
 * identity.awaitFirst(10, TimeUnit.SECONDS);
 * SSLContext tls = TlsContexts.jdk(identity, id -> true);
 * }</pre>
 */
public final class WorkloadIdentity implements AutoCloseable {

  private static final long MIN_RETRY_MILLIS = 1_000;
  private static final long MAX_RETRY_MILLIS = 30_000;

  private final SpiffeId expected;
  private final CertificateSigner signer;
  private final long ttlSeconds;
  private final AtomicReference<Svid> svid = new AtomicReference<>();
  private final AtomicReference<TrustBundle> bundle = new AtomicReference<>();
  private final SvidKeyManager keyManager = new SvidKeyManager(svid::get);
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(MeshThreads.factory("identity"));
  private final CountDownLatch first = new CountDownLatch(1);
  private final AtomicLong generation = new AtomicLong();
  private final AtomicLong renewals = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final SplittableRandom random = new SplittableRandom();
  private volatile String lastFailure;
  private volatile long nextRenewalMillis;
  private long retryMillis = MIN_RETRY_MILLIS;

  /**
   * @param expected the identity the workload was given (its token's); a certificate for another
   *     one is refused
   * @param signer the CA
   * @param ttlSeconds the lifetime asked for
   */
  public WorkloadIdentity(SpiffeId expected, CertificateSigner signer, long ttlSeconds) {
    this.expected = expected;
    this.signer = signer;
    this.ttlSeconds = ttlSeconds;
  }

  /** Asks for the first certificate, on the identity thread. */
  public void start() {
    thread.execute(this::renew);
  }

  /** Waits up to {@code timeout} for the first certificate; whether it came. */
  public boolean awaitFirst(long timeout, TimeUnit unit) throws InterruptedException {
    return first.await(timeout, unit);
  }

  /** Replaces the trust bundle; the next handshake uses it. */
  public void updateTrustBundle(TrustBundle next) {
    if (!next.trustDomain().equals(expected.trustDomain())) {
      throw new IllegalArgumentException(
          "trust bundle of " + next.trustDomain() + " for a workload of " + expected.trustDomain());
    }
    bundle.set(next);
  }

  public SpiffeId id() {
    return expected;
  }

  /** The SVID in force, {@code null} before the first arrived. */
  public Svid current() {
    return svid.get();
  }

  /** The trust bundle in force, {@code null} before one arrived. */
  public TrustBundle trustBundle() {
    return bundle.get();
  }

  /** Presents the current SVID in handshakes. */
  public SvidKeyManager keyManager() {
    return keyManager;
  }

  /** Verifies peers against the current bundle, accepting the identities {@code allowed} takes. */
  public SpiffeTrustManager trustManager(Predicate<SpiffeId> allowed) {
    return new SpiffeTrustManager(bundle::get, allowed);
  }

  /** Certificates obtained after the first. */
  public long renewals() {
    return renewals.get();
  }

  /** Failed attempts to get a certificate. */
  public long failures() {
    return failures.get();
  }

  /** Why the last attempt failed, {@code null} when it did not. */
  public String lastFailure() {
    return lastFailure;
  }

  /** When the next renewal is due, epoch milliseconds; 0 before the first certificate. */
  public long nextRenewalMillis() {
    return nextRenewalMillis;
  }

  private void renew() {
    try {
      KeyPair keys = newKey();
      List<X509Certificate> chain = signer.sign(SigningRequest.pem(keys, expected), ttlSeconds);
      Svid next = accept(keys, chain);
      Svid old = svid.getAndSet(next);
      if (old != null) {
        keyManager.retire(old);
        renewals.incrementAndGet();
      }
      lastFailure = null;
      retryMillis = MIN_RETRY_MILLIS;
      first.countDown();
      long lifetime = next.notAfterMillis() - next.notBeforeMillis();
      long at =
          next.notBeforeMillis() + lifetime / 2 - (long) (random.nextDouble() * lifetime * 0.05);
      nextRenewalMillis = at;
      thread.schedule(
          this::renew, Math.max(0, at - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      failures.incrementAndGet();
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (lastFailure == null) {
        MeshLog.warn("cannot get a certificate for " + expected + ": " + why + "; retrying");
      }
      lastFailure = why;
      long delay = retryMillis;
      retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
      if (!thread.isShutdown()) {
        thread.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Checks what the CA sent: our key, our identity, a chain our bundle trusts. */
  private Svid accept(KeyPair keys, List<X509Certificate> chain) throws CertificateException {
    if (chain.isEmpty()) {
      throw new CertificateException("the CA returned no certificate");
    }
    X509Certificate leaf = chain.get(0);
    if (!leaf.getPublicKey().equals(keys.getPublic())) {
      throw new CertificateException("the CA returned a certificate for another key");
    }
    SpiffeId got = SvidVerifier.spiffeId(leaf);
    if (!got.equals(expected)) {
      throw new CertificateException("the CA issued " + got + ", expected " + expected);
    }
    TrustBundle roots = bundle.get();
    if (roots != null) {
      SvidVerifier.verify(chain.toArray(new X509Certificate[0]), roots, new Date());
    }
    return new Svid(got, keys.getPrivate(), chain, generation.incrementAndGet());
  }

  private static KeyPair newKey() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
