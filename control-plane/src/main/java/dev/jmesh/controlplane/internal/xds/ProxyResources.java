package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Function;

/**
 * The xDS resources one proxy may receive, by type URL and resource name. Immutable.
 *
 * <p>Listeners are stored under their full names ({@code reviews.default.svc.cluster.local:9080});
 * a client that asks for {@code reviews:9080} gets the same listener under the name it asked for.
 */
public final class ProxyResources {
  private final Map<String, SortedMap<String, Message>> byType;
  private final Function<String, String> listenerAlias;

  ProxyResources(Map<String, SortedMap<String, Message>> byType,
      Function<String, String> listenerAlias) {
    this.byType = Map.copyOf(byType);
    this.listenerAlias = listenerAlias;
  }

  /** All resources of a type, by name (what a wildcard subscription receives). */
  public SortedMap<String, Message> all(String typeUrl) {
    SortedMap<String, Message> m = byType.get(typeUrl);
    return m == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(m);
  }

  /** The resource of this type and name, resolving short listener names; null when none. */
  public Message get(String typeUrl, String name) {
    Message m = all(typeUrl).get(name);
    if (m == null && typeUrl.equals(TypeUrls.LISTENER)) {
      String full = listenerAlias.apply(name);
      Message listener = full == null ? null : all(typeUrl).get(full);
      if (listener != null) {
        m = ((Listener) listener).toBuilder().setName(name).build();
      }
    }
    return m;
  }
}
