package dev.jmesh.dataplane.route;

import java.util.List;

/**
 * A compiled virtual host: its domains and its routes, tried in order.
 *
 * @param name the virtual host's name
 * @param domains its domains, lower case
 * @param routes its routes in configuration order
 */
public record VirtualHost(String name, List<String> domains, List<Route> routes) {

  public VirtualHost {
    domains = List.copyOf(domains);
    routes = List.copyOf(routes);
  }
}
