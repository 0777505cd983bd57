package dev.jmesh.testsuite.direct;

import java.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every pod kind shares, whatever it speaks: the behaviour the test set (status, delay) and
 * what the pod saw (requests, distinct connections, the last request's headers).
 */
abstract class CountingBackend implements Backend {

  final AtomicInteger status = new AtomicInteger(200);
  final AtomicLong delayMillis = new AtomicLong();
  final AtomicInteger requests = new AtomicInteger();
  final Set<SocketAddress> connections = ConcurrentHashMap.newKeySet();
  final AtomicReference<Map<String, String>> lastHeaders = new AtomicReference<>(Map.of());

  /** The status every following request is answered with. */
  @Override
  public void answer(int code) {
    status.set(code);
  }

  /** How long every following request waits before its answer. */
  @Override
  public void delay(long millis) {
    delayMillis.set(millis);
  }

  @Override
  public int requests() {
    return requests.get();
  }

  /** Distinct client connections (remote address and port) seen since the last {@link #reset}. */
  @Override
  public int connections() {
    return connections.size();
  }

  @Override
  public Map<String, String> lastHeaders() {
    return lastHeaders.get();
  }

  /** Counters at zero; the behaviour the test set stays. */
  @Override
  public void clearCounts() {
    requests.set(0);
    connections.clear();
    lastHeaders.set(Map.of());
  }

  /** Healthy and prompt again, counters at zero. */
  @Override
  public void reset() {
    status.set(200);
    delayMillis.set(0);
    clearCounts();
  }
}
