package dev.jmesh.bootstrap;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A map from objects the mesh does not own (a library's request or connection) to the mesh's state
 * for them, for libraries without a slot of their own: keys compared by identity and held weakly,
 * so an abandoned request is never kept alive by the mesh. Lock-free: a {@link ConcurrentHashMap}
 * of weak keys, cleared of collected ones on every {@link #put}. A value must not hold its key, or
 * the key is never collected.
 */
public final class WeakIdentityMap<K, V> {

  private final ConcurrentHashMap<Object, V> map = new ConcurrentHashMap<>();
  private final ReferenceQueue<K> collected = new ReferenceQueue<>();
  private final Consumer<V> onCollected;

  /** {@code onCollected} gets the value of each key collected while still in the map. */
  public WeakIdentityMap(Consumer<V> onCollected) {
    this.onCollected = onCollected;
  }

  public V get(K key) {
    return map.get(new Lookup(key));
  }

  public void put(K key, V value) {
    expunge();
    map.put(new Key<>(key, collected), value);
  }

  public V remove(K key) {
    return map.remove(new Lookup(key));
  }

  /** Only removes {@code key}'s entry while it still maps to {@code value}. */
  boolean remove(K key, V value) {
    return map.remove(new Lookup(key), value);
  }

  int size() {
    expunge();
    return map.size();
  }

  private void expunge() {
    for (Object k = collected.poll(); k != null; k = collected.poll()) {
      V abandoned = map.remove(k);
      if (abandoned != null) {
        onCollected.accept(abandoned);
      }
    }
  }

  /** The stored key: weak, with the referent's identity hash kept for after it is collected. */
  private static final class Key<K> extends WeakReference<K> {
    private final int hash;

    Key(K referent, ReferenceQueue<K> queue) {
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
      Object mine = get();
      if (mine == null) {
        return false;
      }
      if (o instanceof Key) {
        return mine == ((Key<?>) o).get();
      }
      return o instanceof Lookup && mine == ((Lookup) o).referent;
    }
  }

  /** A short-lived probe: strong, never stored. */
  private static final class Lookup {
    private final Object referent;
    private final int hash;

    Lookup(Object referent) {
      this.referent = referent;
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
      if (o instanceof Key) {
        return referent == ((Key<?>) o).get();
      }
      return o instanceof Lookup && referent == ((Lookup) o).referent;
    }
  }
}
