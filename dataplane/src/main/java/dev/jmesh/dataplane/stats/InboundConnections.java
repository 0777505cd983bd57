package dev.jmesh.dataplane.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connections the servers' direct-inbound instrumentations served, by library and by the transport
 * the mesh settled ({@code tls}, {@code plaintext}) or {@code refused}. Libraries are a short list
 * known at build time, so the series stay few.
 */
public final class InboundConnections {

  /** How a connection was served. */
  public enum Transport {
    TLS,
    PLAINTEXT,
    REFUSED;

    final String label = name().toLowerCase(java.util.Locale.ROOT);
  }

  private static final int MAX_LIBRARIES = 32;

  private final ConcurrentHashMap<String, LongAdder[]> counts = new ConcurrentHashMap<>();

  public void count(String library, Transport transport) {
    LongAdder[] byTransport = counts.get(library);
    if (byTransport == null) {
      String key = counts.size() >= MAX_LIBRARIES ? KeyedCounter.OVERFLOW : library;
      byTransport = counts.computeIfAbsent(key, k -> newCounters());
    }
    byTransport[transport.ordinal()].increment();
  }

  public long get(String library, Transport transport) {
    LongAdder[] byTransport = counts.get(library);
    return byTransport == null ? 0 : byTransport[transport.ordinal()].sum();
  }

  private static LongAdder[] newCounters() {
    LongAdder[] a = new LongAdder[Transport.values().length];
    for (int i = 0; i < a.length; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  public void writeTo(PrometheusText text) {
    text.header(
        "jmesh_agent_inbound_connections_total",
        "counter",
        "Connections served by server instrumentations on the direct inbound path, by library and"
            + " transport (tls, plaintext, refused).");
    Map<String, LongAdder[]> sorted = new TreeMap<>(counts);
    for (Map.Entry<String, LongAdder[]> e : sorted.entrySet()) {
      for (Transport t : Transport.values()) {
        long n = e.getValue()[t.ordinal()].sum();
        if (n > 0) {
          text.sample(
              "jmesh_agent_inbound_connections_total",
              n,
              "library",
              e.getKey(),
              "transport",
              t.label);
        }
      }
    }
  }
}
