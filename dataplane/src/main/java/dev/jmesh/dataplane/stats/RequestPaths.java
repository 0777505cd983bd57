package dev.jmesh.dataplane.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests the HTTP-client instrumentations saw, by library and by the path each took: {@code
 * direct} (routed in the library's own call; for a server's direct-inbound instrumentation, checked
 * and recorded inside the server), {@code engine} (left to the engine, which the
 * library's connection reaches through capture) or {@code passthrough} (not a mesh destination).
 * Libraries are a short list known at build time, so the series stay few.
 */
public final class RequestPaths {

  /** Where a request went. */
  public enum Path {
    DIRECT,
    ENGINE,
    PASSTHROUGH;

    final String label = name().toLowerCase(java.util.Locale.ROOT);
  }

  private static final int MAX_LIBRARIES = 32;

  private final ConcurrentHashMap<String, LongAdder[]> counts = new ConcurrentHashMap<>();

  public void count(String library, Path path) {
    LongAdder[] byPath = counts.get(library);
    if (byPath == null) {
      String key = counts.size() >= MAX_LIBRARIES ? KeyedCounter.OVERFLOW : library;
      byPath = counts.computeIfAbsent(key, k -> newCounters());
    }
    byPath[path.ordinal()].increment();
  }

  public long get(String library, Path path) {
    LongAdder[] byPath = counts.get(library);
    return byPath == null ? 0 : byPath[path.ordinal()].sum();
  }

  private static LongAdder[] newCounters() {
    LongAdder[] a = new LongAdder[Path.values().length];
    for (int i = 0; i < a.length; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  public void writeTo(PrometheusText text) {
    text.header(
        "jmesh_agent_requests_total",
        "counter",
        "HTTP requests seen by client and server instrumentations, by library and the path they took"
            + " (direct, engine, passthrough).");
    Map<String, LongAdder[]> sorted = new TreeMap<>(counts);
    for (Map.Entry<String, LongAdder[]> e : sorted.entrySet()) {
      for (Path p : Path.values()) {
        long n = e.getValue()[p.ordinal()].sum();
        if (n > 0) {
          text.sample("jmesh_agent_requests_total", n, "library", e.getKey(), "path", p.label);
        }
      }
    }
  }
}
