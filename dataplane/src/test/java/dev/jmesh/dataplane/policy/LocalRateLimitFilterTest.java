package dev.jmesh.dataplane.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** The local rate limit's token bucket and filter, on a clock the test moves. */
class LocalRateLimitFilterTest {

  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong clock = new AtomicLong(1234 * SECOND);

  private TokenBucket bucket(long max, long perFill, long intervalNanos) {
    return new TokenBucket(max, perFill, intervalNanos, clock::get);
  }

  @Test
  void theBucketStartsFullEmptiesAndRefillsPerInterval() {
    TokenBucket b = bucket(3, 2, SECOND);
    assertThat(b.tryTake()).isEqualTo(2);
    assertThat(b.tryTake()).isEqualTo(1);
    assertThat(b.tryTake()).isEqualTo(0);
    assertThat(b.tryTake()).isEqualTo(-1);
    clock.addAndGet(SECOND - 1);
    assertThat(b.tryTake()).isEqualTo(-1);
    clock.addAndGet(1);
    // One fill of two tokens.
    assertThat(b.tryTake()).isEqualTo(1);
    assertThat(b.tryTake()).isEqualTo(0);
    assertThat(b.tryTake()).isEqualTo(-1);
    // Many intervals later the bucket is full again, not over-full.
    clock.addAndGet(100 * SECOND);
    assertThat(b.tryTake()).isEqualTo(2);
  }

  @Test
  void concurrentTakesNeverHandOutMoreThanTheBucketHolds() throws Exception {
    TokenBucket b = bucket(10_000, 1, 3600 * SECOND);
    LongAdder granted = new LongAdder();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    try {
      for (int t = 0; t < 4; t++) {
        pool.execute(
            () -> {
              try {
                start.await();
              } catch (InterruptedException e) {
                return;
              }
              for (int i = 0; i < 5000; i++) {
                if (b.tryTake() >= 0) {
                  granted.increment();
                }
              }
            });
      }
      start.countDown();
    } finally {
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(granted.sum()).isEqualTo(10_000);
  }

  @Test
  void anExhaustedBucketAnswers429WithRateLimitHeadersThenRefills() {
    TokenBucket b = bucket(2, 2, SECOND / 10);
    LocalRateLimitFilter filter =
        new LocalRateLimitFilter(
            b,
            LocalRateLimitFilter.Fraction.ALL,
            LocalRateLimitFilter.Fraction.ALL,
            429,
            List.of(Map.entry("x-local-rate-limit", "true")),
            true);
    HttpPolicy policy = HttpFilterChain.of(List.of(filter));
    PolicyVerdict first = policy.check(FakePolicyRequest.get("/"));
    assertThat(first.allowed()).isTrue();
    assertThat(first.responseHeaders())
        .containsExactly(
            Map.entry("x-ratelimit-limit", "2"),
            Map.entry("x-ratelimit-remaining", "1"),
            Map.entry("x-ratelimit-reset", "1"));
    assertThat(policy.check(FakePolicyRequest.get("/")).allowed()).isTrue();
    PolicyVerdict limited = policy.check(FakePolicyRequest.get("/"));
    assertThat(limited.allowed()).isFalse();
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body()).isEqualTo("local_rate_limited");
    assertThat(limited.responseHeaders())
        .containsExactly(
            Map.entry("x-ratelimit-limit", "2"),
            Map.entry("x-ratelimit-remaining", "0"),
            Map.entry("x-ratelimit-reset", "1"),
            Map.entry("x-local-rate-limit", "true"));
    clock.addAndGet(SECOND / 10);
    assertThat(policy.check(FakePolicyRequest.get("/")).allowed()).isTrue();
  }

  @Test
  void notEnforcedOnlyCountsAndNotEnabledDoesNothing() {
    LocalRateLimitFilter shadow =
        new LocalRateLimitFilter(
            bucket(1, 1, SECOND),
            LocalRateLimitFilter.Fraction.ALL,
            LocalRateLimitFilter.Fraction.NONE,
            429,
            List.of(),
            false);
    for (int i = 0; i < 5; i++) {
      assertThat(shadow.apply(PolicyContext.of(FakePolicyRequest.get("/")))).isNull();
    }
    TokenBucket untouched = bucket(1, 1, SECOND);
    LocalRateLimitFilter disabled =
        new LocalRateLimitFilter(
            untouched,
            LocalRateLimitFilter.Fraction.NONE,
            LocalRateLimitFilter.Fraction.ALL,
            429,
            List.of(),
            true);
    PolicyVerdict v = HttpFilterChain.of(List.of(disabled)).check(FakePolicyRequest.get("/"));
    assertThat(v).isSameAs(PolicyVerdict.CONTINUE);
    assertThat(untouched.tryTake()).isZero();
  }

  @Test
  void resetCountsWholeSecondsToTheNextFill() {
    TokenBucket b = bucket(1, 1, 60 * SECOND);
    assertThat(b.secondsToNextFill()).isEqualTo(60);
    clock.addAndGet(59 * SECOND + 1);
    assertThat(b.secondsToNextFill()).isEqualTo(1);
  }
}
