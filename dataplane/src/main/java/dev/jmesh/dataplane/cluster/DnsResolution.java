package dev.jmesh.dataplane.cluster;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Envoy's {@code STRICT_DNS}: each endpoint named by host name becomes one host per address its
 * name resolves to, with the endpoint's weight, priority and locality, filtered by {@code
 * dns_lookup_family}. Runs on the cluster thread, never on a request.
 */
final class DnsResolution {

  /** Resolves a host name; {@link InetAddress#getAllByName} in production. */
  interface Lookup {
    InetAddress[] resolve(String name) throws UnknownHostException;
  }

  /** Envoy's {@code dns_refresh_rate} default. */
  static final long REFRESH_NANOS = 5_000_000_000L;

  private DnsResolution() {}

  /**
   * The endpoints {@code named} resolves to, or {@code null} when the name does not resolve (the
   * caller keeps what it had, as Envoy keeps its hosts when a refresh fails).
   */
  static List<Endpoint> resolve(
      Endpoint named, ClusterConfig.DnsLookupFamily family, Lookup lookup) {
    InetAddress[] found;
    try {
      found = lookup.resolve(named.address());
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
    List<InetAddress> v4 = new ArrayList<>();
    List<InetAddress> v6 = new ArrayList<>();
    for (InetAddress a : found) {
      if (a instanceof Inet4Address) {
        v4.add(a);
      } else if (a instanceof Inet6Address) {
        v6.add(a);
      }
    }
    List<InetAddress> chosen;
    switch (family) {
      case V4_ONLY:
        chosen = v4;
        break;
      case V6_ONLY:
        chosen = v6;
        break;
      case V4_PREFERRED:
        chosen = v4.isEmpty() ? v6 : v4;
        break;
      case ALL:
        chosen = new ArrayList<>(v4);
        chosen.addAll(v6);
        break;
      default:
        // AUTO: Envoy prefers IPv6 and falls back to IPv4.
        chosen = v6.isEmpty() ? v4 : v6;
        break;
    }
    Set<String> ips = new LinkedHashSet<>();
    for (InetAddress a : chosen) {
      ips.add(a.getHostAddress());
    }
    List<Endpoint> out = new ArrayList<>();
    for (String ip : ips) {
      out.add(
          new Endpoint(
              ip,
              named.port(),
              named.weight(),
              named.priority(),
              named.region(),
              named.zone(),
              named.subZone(),
              named.localityWeight(),
              named.health(),
              named.transportSocketMatch(),
              named.workload()));
    }
    return out;
  }
}
