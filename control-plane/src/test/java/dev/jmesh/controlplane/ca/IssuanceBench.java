package dev.jmesh.controlplane.ca;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * CSR→certificate issuance per second at the CA (not a test): parse the PEM CSR, verify its
 * signature, build and sign the SVID, encode the chain as PEM — everything
 * {@code CreateCertificate} does but the network and TLS. The workloads' key generation and CSR
 * signing happen before the clock starts.
 *
 * <pre>
 * scripts/bench/ca [--threads 2] [--seconds 20] [--key ec|rsa]
 * </pre>
 */
public final class IssuanceBench {
  private IssuanceBench() {}

  public static void main(String[] args) throws Exception {
    int threads = 2;
    int seconds = 20;
    String keyType = "ec";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--key" -> keyType = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("jmesh-ca-bench");
    CertificateAuthority ca = CertificateAuthority.open(dir.resolve("ca"),
        CertificateAuthority.Settings.defaults(() -> "cluster.local"));
    List<String> csrs = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      csrs.add(TestPki.csr(keyType.equals("rsa") ? TestPki.rsa(2048) : TestPki.ec()));
    }
    System.out.printf("CA: EC P-256 root; workload keys: %s; %d threads; %d s (after %d s"
        + " warm-up)%n", keyType.equals("rsa") ? "RSA 2048" : "EC P-256", threads, seconds,
        Math.max(5, seconds / 2));
    run(ca, csrs, threads, Math.max(5, seconds / 2));
    double[] r = run(ca, csrs, threads, seconds);
    // The CPU time too: on a shared machine the wall-clock rate says as much about the
    // neighbours as about the CA.
    System.out.printf("issued %.0f certificates/s wall clock; %.0f per CPU-second (%.0f µs of"
        + " CPU each); the issuing threads got %.2f CPUs%n", r[0], r[1], 1e6 / r[1], r[2]);
  }

  /** Wall-clock rate, rate per CPU-second of the issuing threads, CPUs they got. */
  private static double[] run(CertificateAuthority ca, List<String> csrs, int threads,
      int seconds) throws Exception {
    LongAdder done = new LongAdder();
    LongAdder cpuNanos = new LongAdder();
    java.lang.management.ThreadMXBean mx =
        java.lang.management.ManagementFactory.getThreadMXBean();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(threads);
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      Thread worker = new Thread(() -> {
        long cpuStart = mx.getCurrentThreadCpuTime();
        try {
          int i = offset;
          while (!stop.get()) {
            IssuedCertificate c = ca.issue("default", "sa-" + (i % 100),
                csrs.get(i % csrs.size()), 0);
            if (c.pemChain().isEmpty()) {
              throw new AssertionError("empty chain");
            }
            done.increment();
            i++;
          }
        } catch (IssuanceRefused e) {
          throw new AssertionError(e);
        } finally {
          cpuNanos.add(mx.getCurrentThreadCpuTime() - cpuStart);
          finished.countDown();
        }
      }, "issuer-" + t);
      worker.setDaemon(true);
      worker.start();
    }
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    finished.await();
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = cpuNanos.sum() / 1e9;
    return new double[] {done.sum() / wall, done.sum() / cpu, cpu / wall};
  }
}
