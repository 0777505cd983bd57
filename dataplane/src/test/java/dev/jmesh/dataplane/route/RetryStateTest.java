package dev.jmesh.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryStateTest {

  private static RetryState state(String retryOn, int retries, Integer... codes) {
    RetryState s = new RetryState();
    s.reset(
        new RetryPolicy(
            Set.of(retryOn.split(",")),
            retries,
            0,
            25_000_000L,
            250_000_000L,
            List.of(codes),
            false,
            0));
    return s;
  }

  private static boolean retries(String retryOn, int status, int grpc, UpstreamFailure f) {
    return state(retryOn, 1, 418).shouldRetry(status, grpc, f);
  }

  @Test
  void newStatesTakingTurnsWithTwoPoliciesEachKeepTheirOwnConditions() {
    // A direct path's request has a new state each time; the last policy parsed is shared.
    RetryPolicy fiveXx =
        new RetryPolicy(Set.of("5xx"), 1, 0, 25_000_000L, 250_000_000L, List.of(), false, 0);
    RetryPolicy reset =
        new RetryPolicy(Set.of("reset"), 1, 0, 25_000_000L, 250_000_000L, List.of(), false, 0);
    for (int i = 0; i < 3; i++) {
      RetryState a = new RetryState();
      a.reset(fiveXx);
      RetryState b = new RetryState();
      b.reset(reset);
      assertThat(a.shouldRetry(503, -1, UpstreamFailure.NONE)).as("5xx, round %d", i).isTrue();
      assertThat(b.shouldRetry(503, -1, UpstreamFailure.NONE)).as("reset, round %d", i).isFalse();
      RetryState c = new RetryState();
      c.reset(fiveXx);
      assertThat(c.shouldRetry(503, -1, UpstreamFailure.NONE)).as("5xx again, %d", i).isTrue();
    }
  }

  @Test
  void fiveXxCoversEvery5xxAndEveryFailureWithoutAResponse() {
    assertThat(retries("5xx", 500, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(retries("5xx", 599, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(retries("5xx", 499, -1, UpstreamFailure.NONE)).isFalse();
    for (UpstreamFailure f : UpstreamFailure.values()) {
      assertThat(retries("5xx", 0, -1, f)).as(f.name()).isEqualTo(f != UpstreamFailure.NONE);
    }
  }

  @Test
  void gatewayErrorIs502To504AndFailures() {
    assertThat(retries("gateway-error", 500, -1, UpstreamFailure.NONE)).isFalse();
    assertThat(retries("gateway-error", 502, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(retries("gateway-error", 503, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(retries("gateway-error", 504, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(retries("gateway-error", 505, -1, UpstreamFailure.NONE)).isFalse();
    assertThat(retries("gateway-error", 0, -1, UpstreamFailure.RESET)).isTrue();
  }

  @Test
  void narrowConditionsCoverOnlyTheirFailure() {
    assertThat(retries("connect-failure", 0, -1, UpstreamFailure.CONNECT_FAILURE)).isTrue();
    assertThat(retries("connect-failure", 0, -1, UpstreamFailure.RESET)).isFalse();
    assertThat(retries("connect-failure", 503, -1, UpstreamFailure.NONE)).isFalse();
    assertThat(retries("refused-stream", 0, -1, UpstreamFailure.REFUSED_STREAM)).isTrue();
    assertThat(retries("refused-stream", 0, -1, UpstreamFailure.RESET)).isFalse();
    assertThat(retries("reset", 0, -1, UpstreamFailure.RESET)).isTrue();
    assertThat(retries("reset", 0, -1, UpstreamFailure.PER_TRY_TIMEOUT)).isTrue();
    assertThat(retries("reset", 503, -1, UpstreamFailure.NONE)).isFalse();
  }

  @Test
  void retriable4xxIs409AndStatusCodesAreTheListedOnes() {
    assertThat(retries("retriable-4xx", 409, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(retries("retriable-4xx", 404, -1, UpstreamFailure.NONE)).isFalse();
    assertThat(retries("retriable-status-codes", 418, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(retries("retriable-status-codes", 503, -1, UpstreamFailure.NONE)).isFalse();
    assertThat(retries("5xx", 418, -1, UpstreamFailure.NONE)).isFalse();
  }

  @Test
  void grpcConditionsReadTheGrpcStatus() {
    String[] names = {
      "cancelled", "deadline-exceeded", "resource-exhausted", "internal", "unavailable"
    };
    int[] codes = {1, 4, 8, 13, 14};
    for (int i = 0; i < names.length; i++) {
      for (int code = 0; code <= 16; code++) {
        assertThat(retries(names[i], 200, code, UpstreamFailure.NONE))
            .as(names[i] + " on grpc-status " + code)
            .isEqualTo(code == codes[i]);
      }
    }
  }

  @Test
  void numRetriesIsABudgetAndResetRestoresIt() {
    RetryState s = state("5xx", 2);
    assertThat(s.shouldRetry(503, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(s.shouldRetry(200, -1, UpstreamFailure.NONE)).isFalse();
    assertThat(s.retriesLeft()).isEqualTo(1);
    assertThat(s.shouldRetry(503, -1, UpstreamFailure.NONE)).isTrue();
    assertThat(s.shouldRetry(503, -1, UpstreamFailure.NONE)).isFalse();
    s.reset(null);
    assertThat(s.shouldRetry(503, -1, UpstreamFailure.NONE)).isFalse();
  }

  @Test
  void backOffIsJitteredBelowAnIntervalThatDoublesUpToTheMax() {
    SplittableRandom random = new SplittableRandom(7);
    // base 25 ms, max 250 ms: the n-th back-off is uniform below these ceilings.
    long[] ceilingsMillis = {25, 50, 100, 200, 250, 250};
    for (int n = 0; n < ceilingsMillis.length; n++) {
      long ceiling = ceilingsMillis[n] * 1_000_000L;
      long min = Long.MAX_VALUE;
      long max = 0;
      for (int draw = 0; draw < 2000; draw++) {
        RetryState s = state("5xx", 100);
        for (int skip = 0; skip < n; skip++) {
          s.backOffNanos(random.nextLong());
        }
        long b = s.backOffNanos(random.nextLong());
        min = Math.min(min, b);
        max = Math.max(max, b);
      }
      assertThat(max).as("back-off %d", n).isLessThan(ceiling).isGreaterThan(ceiling * 9 / 10);
      assertThat(min).as("back-off %d", n).isLessThan(ceiling / 10);
    }
  }
}
