package dev.jmesh.instrumentation.jdkhttpclient;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Which mesh attempt each of the client's requests ({@code HttpRequestImpl}) belongs to, by
 * identity ({@code HttpRequest.equals} compares method, URI and headers, and two attempts to the
 * same URL are two requests). An entry lives while its attempt is in flight. Lookups happen inside
 * the client's locks and on its selector thread: a hash lookup, nothing else (not even a check
 * that the map is empty first: the map's size sums counters other threads write, which cost the
 * direct path's requests more than the lookups it saved the others).
 */
final class AttemptBindings {

  private final ConcurrentHashMap<Key, Attempt> byRequest = new ConcurrentHashMap<>();

  void bind(Object request, Attempt attempt) {
    byRequest.put(new Key(request), attempt);
    attempt.bound(request);
  }

  Attempt attemptOf(Object request) {
    return byRequest.get(new Key(request));
  }

  void unbind(Object request) {
    byRequest.remove(new Key(request));
  }

  int size() {
    return byRequest.size();
  }

  /** An object compared by identity. */
  private static final class Key {
    private final Object ref;
    private final int hash;

    Key(Object ref) {
      this.ref = ref;
      this.hash = System.identityHashCode(ref);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && ((Key) o).ref == ref;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
