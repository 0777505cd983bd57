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
  private final Map<String, Any> interned;
  private final Map<String, Any> packed = new ConcurrentHashMap<>();
  private final Map<String, SortedMap<String, Any>> all = new ConcurrentHashMap<>();

  PackedView(ProxyResources resources, Map<String, Any> interned) {
    this.resources = resources;
    this.interned = interned;
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
      Any fresh = Any.pack(m);
      Any previous = interned.get(key);
      if (previous != null && previous.equals(fresh)) {
        any = previous;
      } else {
        interned.put(key, fresh);
        any = fresh;
      }
      packed.putIfAbsent(key, any);
    }
    return any;
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
