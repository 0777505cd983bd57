package dev.jmesh.dataplane.policy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's HTTP {@code local_ratelimit} filter at the listener level: one token bucket shared by
 * every request of the chain. {@code filter_enabled} decides which requests take a token, {@code
 * filter_enforced} which of those are refused when none is left; with x-ratelimit headers on, every
 * request that took part learns the limit, what remains and when the bucket refills.
 */
public final class LocalRateLimitFilter implements InboundHttpFilter {

  /** Parts per million of requests, Envoy's {@code RuntimeFractionalPercent} default value. */
  public record Fraction(long perMillion) {
    public static final Fraction ALL = new Fraction(1_000_000);
    public static final Fraction NONE = new Fraction(0);

    boolean sample() {
      return perMillion >= 1_000_000
          || (perMillion > 0 && ThreadLocalRandom.current().nextLong(1_000_000) < perMillion);
    }
  }

  public static final String BODY = "local_rate_limited";

  private final TokenBucket bucket;
  private final Fraction enabled;
  private final Fraction enforced;
  private final PolicyVerdict limited;
  private final boolean rateLimitHeaders;
  private final String limit;

  /**
   * @param bucket {@code null} when the filter has no bucket of its own (Envoy then limits only
   *     routes that configure one, which this data path does not): the filter lets all through
   * @param status the status of the local reply (429 by default)
   * @param responseHeaders {@code response_headers_to_add}, sent with the local reply
   * @param rateLimitHeaders {@code enable_x_ratelimit_headers: DRAFT_VERSION_03}
   */
  public LocalRateLimitFilter(
      TokenBucket bucket,
      Fraction enabled,
      Fraction enforced,
      int status,
      List<Map.Entry<String, String>> responseHeaders,
      boolean rateLimitHeaders) {
    this.bucket = bucket;
    this.enabled = enabled;
    this.enforced = enforced;
    this.limited = PolicyVerdict.deny(status, BODY, responseHeaders);
    this.rateLimitHeaders = rateLimitHeaders;
    this.limit = bucket == null ? null : Long.toString(bucket.maxTokens());
  }

  @Override
  public PolicyVerdict apply(PolicyContext context) {
    if (bucket == null || !enabled.sample()) {
      return null;
    }
    long remaining = bucket.tryTake();
    if (rateLimitHeaders) {
      context.addResponseHeader("x-ratelimit-limit", limit);
      context.addResponseHeader(
          "x-ratelimit-remaining", remaining < 0 ? "0" : Long.toString(remaining));
      context.addResponseHeader("x-ratelimit-reset", Long.toString(bucket.secondsToNextFill()));
    }
    if (remaining >= 0 || !enforced.sample()) {
      return null;
    }
    return limited;
  }
}
