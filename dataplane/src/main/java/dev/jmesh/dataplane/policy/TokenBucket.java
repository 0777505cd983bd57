package dev.jmesh.dataplane.policy;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Envoy's local rate limit token bucket without a timer: the tokens and the index of the last fill
 * interval they were counted at share one {@code long}, so a take is a single compare-and-set, and
 * the fills that fell due since are added on the way.
 *
 * <p>The state packs the fill index in the high 40 bits and the tokens in the low 24 (at 50 ms per
 * fill, 40 bits last for over 1700 years), hence {@link #MAX_TOKENS}.
 */
public final class TokenBucket {

  public static final long MAX_TOKENS = (1L << 24) - 1;

  /** Envoy refuses shorter fill intervals. */
  public static final long MIN_FILL_INTERVAL_NANOS = 50_000_000L;

  private static final int TOKEN_BITS = 24;
  private static final long TOKEN_MASK = MAX_TOKENS;

  private final long maxTokens;
  private final long tokensPerFill;
  private final long fillIntervalNanos;
  private final LongSupplier nanoClock;
  private final long origin;
  private final AtomicLong state;

  TokenBucket(long maxTokens, long tokensPerFill, long fillIntervalNanos, LongSupplier nanoClock) {
    if (maxTokens < 1 || maxTokens > MAX_TOKENS) {
      throw new IllegalArgumentException("max_tokens must be in [1, " + MAX_TOKENS + "]");
    }
    if (tokensPerFill < 1) {
      throw new IllegalArgumentException("tokens_per_fill must be at least 1");
    }
    if (fillIntervalNanos < MIN_FILL_INTERVAL_NANOS) {
      throw new IllegalArgumentException("fill_interval must be at least 50ms");
    }
    this.maxTokens = maxTokens;
    this.tokensPerFill = tokensPerFill;
    this.fillIntervalNanos = fillIntervalNanos;
    this.nanoClock = nanoClock;
    this.origin = nanoClock.getAsLong();
    // A new bucket is full, as in Envoy.
    this.state = new AtomicLong(maxTokens);
  }

  /**
   * A bucket holding at most {@code maxTokens}, gaining {@code tokensPerFill} every {@code
   * fillIntervalNanos}, timed by {@link System#nanoTime()}.
   */
  public static TokenBucket of(long maxTokens, long tokensPerFill, long fillIntervalNanos) {
    return new TokenBucket(maxTokens, tokensPerFill, fillIntervalNanos, System::nanoTime);
  }

  public long maxTokens() {
    return maxTokens;
  }

  /** Takes one token: the tokens left after it, or {@code -1} when the bucket was empty. */
  public long tryTake() {
    long fill = (nanoClock.getAsLong() - origin) / fillIntervalNanos;
    while (true) {
      long s = state.get();
      long tokens = s & TOKEN_MASK;
      long lastFill = s >>> TOKEN_BITS;
      if (fill > lastFill) {
        long due = fill - lastFill;
        tokens = due >= maxTokens ? maxTokens : Math.min(maxTokens, tokens + due * tokensPerFill);
      } else {
        // A racing thread that read the clock later may have moved the fill index ahead.
        fill = lastFill;
      }
      if (tokens == 0) {
        // Only possible when no fill fell due: nothing to write back.
        return -1;
      }
      if (state.compareAndSet(s, (fill << TOKEN_BITS) | (tokens - 1))) {
        return tokens - 1;
      }
    }
  }

  /** Whole seconds, rounded up, until the next fill: Envoy's {@code x-ratelimit-reset}. */
  public long secondsToNextFill() {
    long intoInterval = (nanoClock.getAsLong() - origin) % fillIntervalNanos;
    long left = fillIntervalNanos - intoInterval;
    return (left + 999_999_999L) / 1_000_000_000L;
  }
}
