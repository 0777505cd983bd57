package dev.jmesh.instrumentation.reactornetty.v1_0;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Values attached to objects of the library that have no slot for them (a request's {@code Mono}),
 * by identity and without keeping the object alive. Lock-free: a {@link ConcurrentHashMap} of weak
 * keys, cleared of collected ones on every {@link #put}.
 */
final class WeakKeys<V> {

  private final ConcurrentHashMap<Object, V> map = new ConcurrentHashMap<>();
  private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

  V get(Object key) {
    return map.get(new Lookup(key));
  }

  void put(Object key, V value) {
    for (Object k = collected.poll(); k != null; k = collected.poll()) {
      map.remove(k);
    }
    map.put(new Key(key, collected), value);
  }

  /** The stored key: weak, with the referent's identity hash kept for after it is collected. */
  static final class Key extends WeakReference<Object> {
    private final int hash;

    Key(Object referent, ReferenceQueue<Object> queue) {
      super(referent, queue);
      this.hash = System.identityHashCode(referent);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (o == this) {
        return true;
      }
      Object referent = get();
      if (referent == null) {
        return false;
      }
      if (o instanceof Key) {
        return ((Key) o).get() == referent;
      }
      return o instanceof Lookup && ((Lookup) o).referent == referent;
    }
  }

  /** A lookup's key: strong and short-lived. */
  static final class Lookup {
    final Object referent;

    Lookup(Object referent) {
      this.referent = referent;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(referent);
    }

    @Override
    public boolean equals(Object o) {
      if (o == this) {
        return true;
      }
      return o instanceof Key && ((Key) o).get() == referent;
    }
  }
}
