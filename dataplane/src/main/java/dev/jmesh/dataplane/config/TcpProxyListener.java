package dev.jmesh.dataplane.config;

import java.util.List;

/**
 * A compiled outbound TCP proxy listener: a TCP or TLS port of a service, or Istio's {@code
 * virtualOutbound} (0.0.0.0:15001) whose cluster says what happens to destinations the mesh does
 * not know ({@code PassthroughCluster} for ALLOW_ANY, {@code BlackHoleCluster} for REGISTRY_ONLY).
 *
 * @param name the listener name
 * @param address the service address it stands for; {@code 0.0.0.0} for any
 * @param port the service port
 * @param chains filter chains in order; one without server names is the default
 */
public record TcpProxyListener(String name, String address, int port, List<TcpRoute> chains)
    implements ListenerConfig {

  public TcpProxyListener {
    chains = List.copyOf(chains);
  }

  /**
   * One filter chain: the server names (SNI) it matches and where it sends the connection.
   *
   * @param serverNames exact names or {@code *.suffix} wildcards; empty matches any
   * @param clusters the clusters and their weights
   */
  public record TcpRoute(List<String> serverNames, ClusterSplit clusters) {
    public TcpRoute {
      serverNames = List.copyOf(serverNames);
    }
  }

  /**
   * The chain for a connection whose TLS SNI is {@code sni} ({@code null} for none), chosen as
   * Envoy does: an exact server name first, then the longest matching wildcard, then a chain
   * without server names; {@code null} when none matches.
   */
  public TcpRoute route(String sni) {
    TcpRoute wildcard = null;
    int wildcardLength = -1;
    TcpRoute fallback = null;
    for (TcpRoute r : chains) {
      if (r.serverNames().isEmpty()) {
        if (fallback == null) {
          fallback = r;
        }
        continue;
      }
      if (sni == null) {
        continue;
      }
      for (String name : r.serverNames()) {
        if (name.equalsIgnoreCase(sni)) {
          return r;
        }
        if (name.startsWith("*.")
            && sni.length() > name.length() - 1
            && sni.regionMatches(
                true, sni.length() - (name.length() - 1), name, 1, name.length() - 1)
            && name.length() > wildcardLength) {
          wildcard = r;
          wildcardLength = name.length();
        }
      }
    }
    return wildcard != null ? wildcard : fallback;
  }
}
