package dev.jmesh.controlplane.internal.ads;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.jmesh.controlplane.internal.xds.ProxyResources;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
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

  /**
   * Packed resources of the current and the previous config version, by type and name, and
   * the subscriptions (sets of names) proxies ask for. Shared by every view of a version.
   */
  static final class Interner {
    final Map<String, Packed> current = new ConcurrentHashMap<>();
    private final Map<String, Packed> previous;
    private final Map<Set<String>, Set<String>> names =
        new ConcurrentHashMap<>();
    private final Map<String, Set<String>> recentNames = new ConcurrentHashMap<>();

    Interner(Map<String, Packed> previous) {
      this.previous = previous;
    }

    /**
     * The resource packed. Views built from one shared translation hold the same message
     * instance, which is packed only once; a different instance with the same bytes, or the
     * same bytes as in the previous version, gets the earlier {@link Any}.
     */
    Any pack(String key, Message m) {
      Packed known = current.get(key);
      if (known != null && known.source == m) {
        return known.any;
      }
      Any fresh = PackedView.pack(m);
      Packed earlier = known != null ? known : previous.get(key);
      Any result = earlier != null && same(earlier.any, fresh) ? earlier.any : fresh;
      current.putIfAbsent(key, new Packed(m, result));
      return result;
    }

    /** One instance per distinct set of names; the latest per type is kept at hand. */
    Set<String> names(String typeUrl, Set<String> requested) {
      Set<String> copy = Set.copyOf(requested);
      Set<String> known = names.putIfAbsent(copy, copy);
      Set<String> result = known != null ? known : copy;
      recentNames.put(typeUrl, result);
      return result;
    }
  }

  /** A packed resource and the message it was packed from. */
  record Packed(Message source, Any any) {}

  private static final Map<String, com.google.protobuf.ByteString> TYPE_URLS =
      new ConcurrentHashMap<>();

  /**
   * Like {@link Any#pack}, but the type URL is held as bytes: an {@code Any} is written to
   * every proxy that receives it, and a {@code String} field would be UTF-8 encoded each time.
   */
  static Any pack(Message m) {
    String typeUrl = "type.googleapis.com/" + m.getDescriptorForType().getFullName();
    return Any.newBuilder()
        .setTypeUrlBytes(TYPE_URLS.computeIfAbsent(typeUrl,
            com.google.protobuf.ByteString::copyFromUtf8))
        .setValue(m.toByteString())
        .build();
  }

  private final Map<String, Any> packed = new ConcurrentHashMap<>();
  private final Map<String, SortedMap<String, Any>> all = new ConcurrentHashMap<>();
  private final Map<Subscription, SortedMap<String, Any>> named = new ConcurrentHashMap<>();

  /** Proxies of one view usually ask for the same names: their answer is built once. */
  private record Subscription(String typeUrl, Set<String> names) {}

  PackedView(ProxyResources resources, Interner interner) {
    this.resources = resources;
    this.interner = interner;
  }

  /**
   * Whether two packed resources hold the same bytes. Compared as bytes because
   * {@link Any#equals} would turn the type URL back into a {@code String}.
   */
  static boolean same(Any a, Any b) {
    return a == b || a.getValue().equals(b.getValue())
        && a.getTypeUrlBytes().equals(b.getTypeUrlBytes());
  }

  /** The shared instance of a set of subscribed names. */
  Set<String> canonicalNames(String typeUrl, Set<String> names) {
    return interner.names(typeUrl, names);
  }

  /** The set of names last subscribed to for a type, by any proxy; null when none. */
  Set<String> recentNames(String typeUrl) {
    return interner.recentNames.get(typeUrl);
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
      any = interner.pack(key, m);
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
        if (!same(p.getValue(), n.getValue())) {
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
  SortedMap<String, Any> named(String typeUrl, Set<String> names) {
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
