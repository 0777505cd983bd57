package dev.jmesh.dataplane.xds;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

/**
 * The four xDS resource types the client subscribes to over ADS. Listeners and Clusters are
 * wildcard subscriptions (the server sends all of them, and one missing from a response is
 * gone); RouteConfigurations and ClusterLoadAssignments are asked for by the names the Listeners
 * and Clusters refer to, as Envoy and grpc-xds do.
 */
public enum XdsResourceType {
  LISTENER("LDS", "envoy.config.listener.v3.Listener", true, Listener.parser()) {
    @Override
    String nameOf(Message resource) {
      return ((Listener) resource).getName();
    }
  },
  ROUTE_CONFIGURATION(
      "RDS", "envoy.config.route.v3.RouteConfiguration", false, RouteConfiguration.parser()) {
    @Override
    String nameOf(Message resource) {
      return ((RouteConfiguration) resource).getName();
    }
  },
  CLUSTER("CDS", "envoy.config.cluster.v3.Cluster", true, Cluster.parser()) {
    @Override
    String nameOf(Message resource) {
      return ((Cluster) resource).getName();
    }
  },
  CLUSTER_LOAD_ASSIGNMENT(
      "EDS",
      "envoy.config.endpoint.v3.ClusterLoadAssignment",
      false,
      ClusterLoadAssignment.parser()) {
    @Override
    String nameOf(Message resource) {
      return ((ClusterLoadAssignment) resource).getClusterName();
    }
  };

  private final String shortName;
  private final String typeUrl;
  private final boolean wildcard;
  private final Parser<? extends Message> parser;

  XdsResourceType(
      String shortName, String messageName, boolean wildcard, Parser<? extends Message> parser) {
    this.shortName = shortName;
    this.typeUrl = "type.googleapis.com/" + messageName;
    this.wildcard = wildcard;
    this.parser = parser;
  }

  /** {@code LDS}, {@code RDS}, {@code CDS} or {@code EDS}. */
  public String shortName() {
    return shortName;
  }

  public String typeUrl() {
    return typeUrl;
  }

  /** Whether the client asks for every resource of this type rather than for names. */
  public boolean isWildcard() {
    return wildcard;
  }

  Parser<? extends Message> parser() {
    return parser;
  }

  abstract String nameOf(Message resource);

  /** The type with this type URL, or {@code null} if the client does not subscribe to it. */
  public static XdsResourceType fromTypeUrl(String typeUrl) {
    for (XdsResourceType type : values()) {
      if (type.typeUrl.equals(typeUrl)) {
        return type;
      }
    }
    return null;
  }
}
