package dev.jmesh.dataplane.config;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import java.util.List;

/** Short builders for Envoy protos in tests. */
final class Protos {

  private Protos() {}

  static RouteMatch.Builder prefix(String prefix) {
    return RouteMatch.newBuilder().setPrefix(prefix);
  }

  static Route.Builder route(String name, RouteMatch.Builder match, String cluster) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(match)
        .setRoute(RouteAction.newBuilder().setCluster(cluster));
  }

  static VirtualHost.Builder vhost(String name, List<String> domains, Route.Builder... routes) {
    VirtualHost.Builder vh = VirtualHost.newBuilder().setName(name).addAllDomains(domains);
    for (Route.Builder r : routes) {
      vh.addRoutes(r);
    }
    return vh;
  }

  static RouteConfiguration config(String name, VirtualHost.Builder... hosts) {
    RouteConfiguration.Builder b = RouteConfiguration.newBuilder().setName(name);
    for (VirtualHost.Builder h : hosts) {
      b.addVirtualHosts(h);
    }
    return b.build();
  }

  static HeaderMatcher.Builder header(String name) {
    return HeaderMatcher.newBuilder().setName(name);
  }

  static RegexMatcher regex(String regex) {
    return RegexMatcher.newBuilder().setRegex(regex).build();
  }

  static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  static Duration millis(long ms) {
    return Duration.newBuilder()
        .setSeconds(ms / 1000)
        .setNanos((int) (ms % 1000) * 1_000_000)
        .build();
  }
}
