package dev.jmesh.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.CircuitBreakerThresholds;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

  @Test
  void envoysDefaultsApply() {
    CircuitBreaker cb = new CircuitBreaker(CircuitBreakerThresholds.DEFAULTS);
    for (int i = 0; i < 3; i++) {
      assertThat(cb.tryAcquireRetry()).isTrue();
    }
    assertThat(cb.tryAcquireRetry()).isFalse();
    for (int i = 0; i < 1024; i++) {
      assertThat(cb.tryAcquireRequest()).isTrue();
      assertThat(cb.tryAcquireConnection()).isTrue();
      assertThat(cb.tryAcquirePendingRequest()).isTrue();
    }
    assertThat(cb.tryAcquireRequest()).isFalse();
    assertThat(cb.tryAcquireConnection()).isFalse();
    assertThat(cb.tryAcquirePendingRequest()).isFalse();
    assertThat(cb.overflows()).isEqualTo(4);
  }

  @Test
  void releasingMakesRoomAgain() {
    CircuitBreaker cb = new CircuitBreaker(new CircuitBreakerThresholds(1, 1, 2, 0));
    assertThat(cb.tryAcquireRetry()).as("max_retries 0 allows none").isFalse();
    assertThat(cb.tryAcquireRequest()).isTrue();
    assertThat(cb.tryAcquireRequest()).isTrue();
    assertThat(cb.tryAcquireRequest()).isFalse();
    cb.releaseRequest();
    assertThat(cb.activeRequests()).isEqualTo(1);
    assertThat(cb.tryAcquireRequest()).isTrue();
    assertThat(cb.tryAcquireConnection()).isTrue();
    assertThat(cb.tryAcquireConnection()).isFalse();
    cb.releaseConnection();
    assertThat(cb.tryAcquireConnection()).isTrue();
  }

  @Test
  void newLimitsApplyToTheCountsInFlight() {
    CircuitBreaker cb = new CircuitBreaker(new CircuitBreakerThresholds(10, 10, 10, 10));
    for (int i = 0; i < 5; i++) {
      cb.tryAcquireRequest();
    }
    cb.limits(new CircuitBreakerThresholds(10, 10, 5, 10));
    assertThat(cb.tryAcquireRequest()).isFalse();
  }

  @Test
  void concurrentAcquirersNeverExceedTheLimit() throws Exception {
    CircuitBreaker cb = new CircuitBreaker(new CircuitBreakerThresholds(1024, 1024, 16, 3));
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxSeen = new AtomicInteger();
    AtomicLong granted = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    Thread[] threads = new Thread[8];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 20_000; i++) {
                  if (cb.tryAcquireRequest()) {
                    granted.incrementAndGet();
                    int n = inFlight.incrementAndGet();
                    maxSeen.accumulateAndGet(n, Math::max);
                    inFlight.decrementAndGet();
                    cb.releaseRequest();
                  }
                }
              });
      threads[t].start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(maxSeen.get()).isLessThanOrEqualTo(16);
    assertThat(cb.activeRequests()).isZero();
    assertThat(granted.get() + cb.overflows()).isEqualTo(8 * 20_000);
  }

  @Test
  void theClusterCarriesItsThresholdsAcrossUpdates() {
    UpstreamCluster c =
        TestClusters.cluster(
            TestClusters.config(
                dev.jmesh.dataplane.config.ClusterConfig.LbPolicy.ROUND_ROBIN,
                TestClusters.hosts(1)));
    CircuitBreaker cb = c.circuitBreaker();
    cb.tryAcquireConnection();
    c.update(TestClusters.withEndpoints(c.config(), TestClusters.hosts(2)));
    assertThat(c.circuitBreaker()).isSameAs(cb);
    assertThat(cb.activeConnections()).isEqualTo(1);
    assertThat(c.connectTimeoutNanos()).isEqualTo(5_000_000_000L);
  }
}
