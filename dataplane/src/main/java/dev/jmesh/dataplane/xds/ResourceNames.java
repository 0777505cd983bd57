package dev.jmesh.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The RDS and EDS names that accepted Listeners and Clusters refer to: what the client asks for
 * next. A reference the handler would reject is the handler's business; here it is skipped.
 */
final class ResourceNames {
  private static final String HCM_TYPE_URL =
      "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName();

  private ResourceNames() {}

  /** The names the client subscribes to for {@code type}, given what the parent type holds. */
  static Set<String> referencedBy(XdsResourceType parent, Collection<Message> resources) {
    Set<String> names = new TreeSet<>();
    for (Message resource : resources) {
      if (parent == XdsResourceType.LISTENER) {
        addRouteNames((Listener) resource, names);
      } else if (parent == XdsResourceType.CLUSTER) {
        addEndpointName((Cluster) resource, names);
      }
    }
    return names;
  }

  private static void addRouteNames(Listener listener, Set<String> names) {
    if (listener.hasApiListener()) {
      addRouteName(listener.getApiListener().getApiListener(), names);
    }
    for (FilterChain chain : listener.getFilterChainsList()) {
      addRouteNames(chain, names);
    }
    if (listener.hasDefaultFilterChain()) {
      addRouteNames(listener.getDefaultFilterChain(), names);
    }
  }

  private static void addRouteNames(FilterChain chain, Set<String> names) {
    for (Filter filter : chain.getFiltersList()) {
      if (filter.hasTypedConfig()) {
        addRouteName(filter.getTypedConfig(), names);
      }
    }
  }

  private static void addRouteName(Any config, Set<String> names) {
    if (!HCM_TYPE_URL.equals(config.getTypeUrl())) {
      return;
    }
    try {
      HttpConnectionManager hcm = HttpConnectionManager.parseFrom(config.getValue());
      if (hcm.hasRds() && !hcm.getRds().getRouteConfigName().isEmpty()) {
        names.add(hcm.getRds().getRouteConfigName());
      }
    } catch (InvalidProtocolBufferException e) {
      // The handler sees the same bytes and rejects the listener with the reason.
    }
  }

  private static void addEndpointName(Cluster cluster, Set<String> names) {
    if (cluster.hasType() && cluster.getType() == Cluster.DiscoveryType.EDS) {
      String serviceName = cluster.getEdsClusterConfig().getServiceName();
      names.add(serviceName.isEmpty() ? cluster.getName() : serviceName);
    }
  }
}
