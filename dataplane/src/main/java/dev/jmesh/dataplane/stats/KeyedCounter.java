package dev.jmesh.dataplane.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A counter per key (a destination, a port), with the number of keys capped: past the cap every
 * new key counts into one {@code overflow} series, so a client that talks to thousands of hosts
 * cannot grow the agent's memory or the metrics page without bound.
 */
public final class KeyedCounter {

  public static final String OVERFLOW = "overflow";

  private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final int maxKeys;

  public KeyedCounter(int maxKeys) {
    this.maxKeys = maxKeys;
  }

  public void increment(String key) {
    LongAdder adder = counts.get(key);
    if (adder == null) {
      String slot = counts.size() >= maxKeys ? OVERFLOW : key;
      adder = counts.computeIfAbsent(slot, k -> new LongAdder());
    }
    adder.increment();
  }

  public long get(String key) {
    LongAdder adder = counts.get(key);
    return adder == null ? 0 : adder.sum();
  }

  /** A sorted copy, for rendering. */
  public Map<String, Long> snapshot() {
    Map<String, Long> copy = new TreeMap<>();
    counts.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
