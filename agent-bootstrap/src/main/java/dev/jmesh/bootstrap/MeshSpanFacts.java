package dev.jmesh.bootstrap;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where a tracer running in the same JVM finds what the mesh knew about the requests its spans
 * describe ({@link MeshRequestFacts}). Off until a tracer calls {@link #attach}: the data path then
 * keeps the facts of each finished HTTP request that carried a span, for a while, under that span's
 * key; the tracer {@link #take}s them when it exports the span.
 *
 * <p>The key is the span the request belongs to on the wire, {@code <trace-id>-<span-id>} in
 * lower-case hex (the middle of a W3C {@code traceparent}):
 *
 * <ul>
 *   <li>the client side ({@code reporter=source}) keys by the tracer's client span that was current
 *       when the application made the call (direct paths), or by the {@code traceparent} the
 *       request carried to the engine — both the tracer's client span;
 *   <li>the server side ({@code reporter=destination}) keys by the {@code traceparent} the request
 *       arrived with: the caller's span, which is the tracer's server span's remote parent.
 * </ul>
 *
 * <p>Bounded ({@value #CAPACITY} requests, oldest first out): facts no tracer takes — unsampled
 * spans, requests the tracer does not instrument — cost memory only until newer requests push them
 * out. Lives on the boot class path, so the data path (in the agent's class loader) and a tracer's
 * extension (in its own) share one copy.
 */
public final class MeshSpanFacts {

  /** How many requests' facts are kept at most. */
  static final int CAPACITY = 8192;

  private static volatile Supplier<String> currentClientSpan;

  private static final AtomicBoolean TRACER_FAILED = new AtomicBoolean();

  private static final ConcurrentHashMap<String, MeshRequestFacts> FACTS =
      new ConcurrentHashMap<>();
  private static final ConcurrentLinkedQueue<String> ORDER = new ConcurrentLinkedQueue<>();

  /** The length of {@link #ORDER}: every key kept, taken or not, up to {@link #CAPACITY}. */
  private static final AtomicInteger ORDERED = new AtomicInteger();

  private MeshSpanFacts() {}

  /**
   * Turns keeping facts on. {@code currentClientSpan} answers, on the calling thread, the key of
   * the tracer's current client span ({@code null} when there is none); the data path asks it when
   * an application thread starts an outbound call.
   */
  public static void attach(Supplier<String> currentClientSpan) {
    MeshSpanFacts.currentClientSpan = currentClientSpan;
  }

  /** Whether a tracer attached; the data path keeps nothing otherwise. */
  public static boolean attached() {
    return currentClientSpan != null;
  }

  /** The key of the tracer's current client span on this thread, or {@code null}. */
  public static String currentClientSpan() {
    Supplier<String> s = currentClientSpan;
    if (s == null) {
      return null;
    }
    try {
      return s.get();
    } catch (Throwable t) {
      if (!TRACER_FAILED.getAndSet(true)) {
        System.err.println(
            "[jmesh] WARN the attached tracer could not say its current span ("
                + t
                + "); the"
                + " request goes on, its span without the mesh's attributes. Logged once.");
      }
      return null;
    }
  }

  /**
   * The key in a W3C {@code traceparent} ({@code 00-<trace-id>-<parent-id>-<flags>}), or {@code
   * null} when there is none or it is malformed.
   */
  public static String keyOf(CharSequence traceparent) {
    if (traceparent == null || traceparent.length() < 55) {
      return null;
    }
    String v = traceparent.toString();
    if (v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
      return null;
    }
    for (int i = 3; i < 52; i++) {
      char c = v.charAt(i);
      if (i != 35 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
    }
    return v.substring(3, 52);
  }

  /** Keeps {@code facts} under {@code key}, pushing the oldest out past {@value #CAPACITY}. */
  public static void publish(String key, MeshRequestFacts facts) {
    if (key == null || facts == null) {
      return;
    }
    // Both sides of one request in one JVM (a workload calling itself) share the key: each side's
    // facts are kept under the key and the reporter.
    String k = key + '/' + facts.reporter();
    if (FACTS.put(k, facts) == null) {
      ORDER.add(k);
      if (ORDERED.incrementAndGet() > CAPACITY) {
        String oldest = ORDER.poll();
        if (oldest != null) {
          ORDERED.decrementAndGet();
          FACTS.remove(oldest);
        }
      }
    }
  }

  /**
   * The facts the reporter ({@code source} or {@code destination}) kept for the span {@code key},
   * removed; {@code null} when there are none (yet).
   */
  public static MeshRequestFacts take(String key, String reporter) {
    // The key stays in ORDER until it is the oldest: removing from the middle would be linear.
    return FACTS.remove(key + '/' + reporter);
  }
}
