package dev.jmesh.controlplane.internal.ads;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.jmesh.controlplane.internal.xds.ProxyResources;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One view's resources packed for the wire, shared by every stream of that view: each
 * resource is serialised once per config version, not once per proxy. Packed resources whose
 * bytes did not change since the last version are replaced by the earlier instance, so
 * streams find unchanged resources by identity instead of comparing bytes.
 */
final class PackedView {
  private final ProxyResources resources;
  private final Interner interner;

  /** Packed resources of the current and the previous config version, by type and name. */
  static final class Interner {
    final Map<String, Any> current = new ConcurrentHashMap<>();
    private final Map<String, Any> previous;

    Interner(Map<String, Any> previous) {
      this.previous = previous;
    }

    /** The earlier instance when its bytes are the same, else {@code fresh}. */
    Any intern(String key, Any fresh) {
      Any known = current.get(key);
      if (known == null) {
        known = previous.get(key);
      }
      Any result = known != null && known.equals(fresh) ? known : fresh;
      current.putIfAbsent(key, result);
      return result;
    }
  }
  private final Map<String, Any> packed = new ConcurrentHashMap<>();
  private final Map<String, SortedMap<String, Any>> all = new ConcurrentHashMap<>();
  private final Map<Subscription, SortedMap<String, Any>> named = new ConcurrentHashMap<>();

  /** Proxies of one view usually ask for the same names: their answer is built once. */
  private record Subscription(String typeUrl, java.util.Set<String> names) {}

  PackedView(ProxyResources resources, Interner interner) {
    this.resources = resources;
    this.interner = interner;
  }

  ProxyResources resources() {
    return resources;
  }

  /** The packed resource, or null when the view has none of that name. */
  Any packed(String typeUrl, String name) {
    String key = typeUrl + '\n' + name;
    Any any = packed.get(key);
    if (any == null) {
      Message m = resources.get(typeUrl, name);
      if (m == null) {
        return null;
      }
      any = interner.intern(key, Any.pack(m));
      packed.putIfAbsent(key, any);
    }
    return any;
  }

  /** What differs between what a proxy last received and what it should have now. */
  record Diff(java.util.List<Any> changedOrAdded, boolean removed) {
    boolean isEmpty() {
      return changedOrAdded.isEmpty() && !removed;
    }
  }

  private record Pair(Map<String, Any> previous, Map<String, Any> next) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Pair && ((Pair) o).previous == previous && ((Pair) o).next == next;
    }

    @Override
    public int hashCode() {
      return 31 * System.identityHashCode(previous) + System.identityHashCode(next);
    }
  }

  private final Map<Pair, Diff> diffs = new ConcurrentHashMap<>();

  /**
   * The difference between two sorted resource maps. Streams of one view move between the
   * same two maps, so the difference is computed once per view and version.
   */
  Diff diff(SortedMap<String, Any> previous, SortedMap<String, Any> next) {
    return diffs.computeIfAbsent(new Pair(previous, next), p -> compute(previous, next));
  }

  private static Diff compute(SortedMap<String, Any> previous, SortedMap<String, Any> next) {
    java.util.List<Any> changed = new java.util.ArrayList<>();
    var prev = previous.entrySet().iterator();
    Map.Entry<String, Any> p = prev.hasNext() ? prev.next() : null;
    boolean removed = false;
    for (Map.Entry<String, Any> n : next.entrySet()) {
      int c;
      while (p != null && (c = p.getKey().compareTo(n.getKey())) < 0) {
        removed = true;
        p = prev.hasNext() ? prev.next() : null;
      }
      if (p != null && p.getKey().equals(n.getKey())) {
        if (p.getValue() != n.getValue() && !p.getValue().equals(n.getValue())) {
          changed.add(n.getValue());
        }
        p = prev.hasNext() ? prev.next() : null;
      } else {
        changed.add(n.getValue());
      }
    }
    removed |= p != null;
    return new Diff(java.util.List.copyOf(changed), removed);
  }

  /** The packed resources of these names that exist. */
  SortedMap<String, Any> named(String typeUrl, java.util.Set<String> names) {
    return this.named.computeIfAbsent(new Subscription(typeUrl, names), s -> {
      SortedMap<String, Any> out = new TreeMap<>();
      for (String name : names) {
        Any any = packed(typeUrl, name);
        if (any != null) {
          out.put(name, any);
        }
      }
      return Collections.unmodifiableSortedMap(out);
    });
  }

  /** Every resource of a type, packed: what a wildcard subscription receives. */
  SortedMap<String, Any> all(String typeUrl) {
    return all.computeIfAbsent(typeUrl, t -> {
      SortedMap<String, Any> out = new TreeMap<>();
      for (String name : resources.all(t).keySet()) {
        out.put(name, packed(t, name));
      }
      return Collections.unmodifiableSortedMap(out);
    });
  }
}
