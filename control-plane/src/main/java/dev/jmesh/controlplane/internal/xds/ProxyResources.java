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
  private final Function<String, Listener> requestedListener;

  /**
   * @param requestedListener builds a listener asked for by a name that is not stored:
   *     a short service name or a proxyless server's inbound address
   */
  ProxyResources(Map<String, SortedMap<String, Message>> byType,
      Function<String, Listener> requestedListener) {
    this.byType = Map.copyOf(byType);
    this.requestedListener = requestedListener;
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
      m = requestedListener.apply(name);
    }
    return m;
  }
}
