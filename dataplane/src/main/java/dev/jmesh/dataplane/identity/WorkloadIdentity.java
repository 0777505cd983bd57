package dev.jmesh.dataplane.identity;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.log.MeshLog;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The workload's identity: an EC P-256 key generated in memory (never written anywhere), a CSR
 * signed by the CA, and renewal at half the certificate's remaining lifetime when it arrived (less
 * a random share of up to 5 % of it, so workloads started together do not renew together). The
 * lifetime is counted from arrival, not from {@code notBefore}, which the CA backdates by two
 * minutes: a short-lived certificate would otherwise be due for renewal before it arrived. A new
 * key and certificate serve the next handshake; established connections keep theirs. The trust
 * bundle is replaced live when the control plane sends a new one.
 *
 * <p>When a renewal fails, the certificate in force stays in use until it expires: one WARN says
 * when that is and why renewal failed, another (ERROR) if it does expire. Retries back off from 1 s
 * to 30 s, each delay jittered over its upper half; {@link #renewIfFailing()} (called when the
 * control plane's stream is back) renews at once instead of waiting for the next retry.
 *
 * <p>Everything slow — key generation, the CA call, retries after a failure — happens on the
 * identity's own daemon thread.
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
  // Confined to the identity thread.
  private long retryMillis = MIN_RETRY_MILLIS;
  private ScheduledFuture<?> nextAttempt;
  private int failedInARow;
  private ScheduledFuture<?> expiryAlarm;

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

  /**
   * Renews now if the last attempt failed (the control plane was unreachable, say), rather than at
   * the next retry, which may be up to 30 s away; does nothing otherwise. Returns at once.
   */
  public void renewIfFailing() {
    try {
      thread.execute(
          () -> {
            if (lastFailure != null) {
              if (nextAttempt != null) {
                nextAttempt.cancel(false);
              }
              renew();
            }
          });
    } catch (RejectedExecutionException closed) {
      // Closed: nothing to renew.
    }
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
    nextAttempt = null;
    try {
      KeyPair keys = newKey();
      List<X509Certificate> chain = signer.sign(SigningRequest.pem(keys, expected), ttlSeconds);
      Svid next = accept(keys, chain);
      long now = System.currentTimeMillis();
      Svid old = svid.getAndSet(next);
      if (old != null) {
        keyManager.retire(old);
        renewals.incrementAndGet();
      }
      if (lastFailure != null && old != null) {
        MeshLog.info(
            "certificate for "
                + expected
                + " renewed after "
                + failedInARow
                + " failed attempt(s); it expires at "
                + Instant.ofEpochMilli(next.notAfterMillis()));
      }
      failedInARow = 0;
      lastFailure = null;
      retryMillis = MIN_RETRY_MILLIS;
      first.countDown();
      long from = Math.max(next.notBeforeMillis(), Math.min(now, next.notAfterMillis()));
      long lifetime = next.notAfterMillis() - from;
      long at = from + lifetime / 2 - (long) (random.nextDouble() * lifetime * 0.05);
      nextRenewalMillis = at;
      if (expiryAlarm != null) {
        expiryAlarm.cancel(false);
      }
      expiryAlarm =
          thread.schedule(
              () -> expired(next), Math.max(0, next.notAfterMillis() - now), TimeUnit.MILLISECONDS);
      nextAttempt = thread.schedule(this::renew, Math.max(0, at - now), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      failures.incrementAndGet();
      failedInARow++;
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (lastFailure == null) {
        Svid inForce = svid.get();
        if (inForce == null) {
          MeshLog.warn("cannot get a certificate for " + expected + ": " + why + "; retrying");
        } else {
          long left = inForce.notAfterMillis() - System.currentTimeMillis();
          MeshLog.warn(
              "certificate for "
                  + expected
                  + " expires at "
                  + Instant.ofEpochMilli(inForce.notAfterMillis())
                  + " (in "
                  + Math.max(0, left / 1000)
                  + " s) and cannot be renewed: "
                  + why
                  + "; it stays in use, renewal is retried and happens as soon as the control"
                  + " plane answers");
        }
      }
      lastFailure = why;
      // Half fixed, half jittered: workloads that lost the CA together do not retry in step.
      long delay = retryMillis / 2 + random.nextLong(retryMillis / 2 + 1);
      retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
      try {
        nextAttempt = thread.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closed) {
        // Closed meanwhile.
      }
    }
  }

  /** Runs when {@code svid} reaches its notAfter: says so if it is still the one in force. */
  private void expired(Svid svidThen) {
    if (svid.get() == svidThen) {
      MeshLog.error(
          "certificate for "
              + expected
              + " expired at "
              + Instant.ofEpochMilli(svidThen.notAfterMillis())
              + " without renewal ("
              + lastFailure
              + "): mutual TLS with peers fails until the control plane is back");
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
