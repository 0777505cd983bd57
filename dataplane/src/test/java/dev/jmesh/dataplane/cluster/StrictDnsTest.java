package dev.jmesh.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.CircuitBreakerThresholds;
import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.EndpointWorkload;
import dev.jmesh.dataplane.config.LoadBalancingConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** STRICT_DNS: one host per resolved address, kept by address across refreshes. */
class StrictDnsTest {

  private final Map<String, InetAddress[]> dns = new HashMap<>();

  private InetAddress[] lookup(String name) throws UnknownHostException {
    InetAddress[] found = dns.get(name);
    if (found == null) {
      throw new UnknownHostException(name);
    }
    return found;
  }

  private static InetAddress ip(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal);
  }

  private UpstreamCluster cluster(ClusterConfig.DnsLookupFamily family) {
    ClusterConfig c =
        new ClusterConfig(
            "dns",
            ClusterConfig.Discovery.STRICT_DNS,
            null,
            ClusterConfig.LbPolicy.ROUND_ROBIN,
            5_000_000_000L,
            List.of(new Endpoint("api.example", 443, 3, 0, "", "", "", 0, Endpoint.Health.UNKNOWN)),
            LoadBalancingConfig.DEFAULTS,
            null,
            CircuitBreakerThresholds.DEFAULTS,
            null,
            family,
            null,
            null);
    UpstreamCluster cluster = TestClusters.cluster(c);
    cluster.lookup(this::lookup);
    return cluster;
  }

  private static List<String> addresses(UpstreamCluster c) {
    return c.hosts().stream().map(Host::hostKey).toList();
  }

  @Test
  void eachResolvedAddressBecomesAHost() throws UnknownHostException {
    UpstreamCluster c = cluster(ClusterConfig.DnsLookupFamily.ALL);
    assertThat(addresses(c)).as("the name until it resolves").containsExactly("api.example:443");
    dns.put("api.example", new InetAddress[] {ip("10.0.0.1"), ip("10.0.0.2"), ip("::1")});
    c.resolveDns();
    assertThat(addresses(c)).containsExactly("10.0.0.1:443", "10.0.0.2:443", "[::1]:443");
    assertThat(c.hosts()).allMatch(h -> h.endpoint().weight() == 3);
  }

  @Test
  void hostsKeepTheirStateAcrossRefreshesAndAFailedLookupKeepsThem() throws UnknownHostException {
    UpstreamCluster c = cluster(ClusterConfig.DnsLookupFamily.V4_ONLY);
    dns.put("api.example", new InetAddress[] {ip("10.0.0.1"), ip("::1")});
    c.resolveDns();
    assertThat(addresses(c)).containsExactly("10.0.0.1:443");
    Host first = c.hosts().get(0);
    first.requestStarted();
    dns.put("api.example", new InetAddress[] {ip("10.0.0.1"), ip("10.0.0.3")});
    c.resolveDns();
    assertThat(addresses(c)).containsExactly("10.0.0.1:443", "10.0.0.3:443");
    assertThat(c.hosts().get(0)).isSameAs(first);
    dns.remove("api.example");
    c.resolveDns();
    assertThat(addresses(c)).containsExactly("10.0.0.1:443", "10.0.0.3:443");
  }

  @Test
  void lookupFamiliesChooseAsEnvoy() throws UnknownHostException {
    dns.put("api.example", new InetAddress[] {ip("10.0.0.1"), ip("::1")});
    UpstreamCluster auto = cluster(ClusterConfig.DnsLookupFamily.AUTO);
    auto.resolveDns();
    assertThat(addresses(auto)).containsExactly("[::1]:443");
    UpstreamCluster v4Preferred = cluster(ClusterConfig.DnsLookupFamily.V4_PREFERRED);
    v4Preferred.resolveDns();
    assertThat(addresses(v4Preferred)).containsExactly("10.0.0.1:443");
    UpstreamCluster v6 = cluster(ClusterConfig.DnsLookupFamily.V6_ONLY);
    v6.resolveDns();
    assertThat(addresses(v6)).containsExactly("[::1]:443");
    dns.put("api.example", new InetAddress[] {ip("10.0.0.1")});
    UpstreamCluster autoFallback = cluster(ClusterConfig.DnsLookupFamily.AUTO);
    autoFallback.resolveDns();
    assertThat(addresses(autoFallback)).containsExactly("10.0.0.1:443");
  }

  @Test
  void theRealResolverFindsLocalhost() {
    UpstreamCluster c = cluster(ClusterConfig.DnsLookupFamily.V4_ONLY);
    c.lookup(InetAddress::getAllByName);
    ClusterConfig local =
        TestClusters.withEndpoints(
            c.config(),
            List.of(new Endpoint("localhost", 80, 1, 0, "", "", "", 0, Endpoint.Health.UNKNOWN)));
    c.update(local);
    c.resolveDns();
    assertThat(addresses(c)).containsExactly("127.0.0.1:80");
  }

  @Test
  void aResolvedAddressKeepsItsNamesMetadata() {
    UpstreamCluster c = cluster(ClusterConfig.DnsLookupFamily.V4_ONLY);
    c.lookup(InetAddress::getAllByName);
    EndpointWorkload workload = new EndpointWorkload("api", "default", "api", "v1", "");
    c.update(
        TestClusters.withEndpoints(
            c.config(),
            List.of(
                new Endpoint(
                    "localhost",
                    80,
                    1,
                    0,
                    "",
                    "",
                    "",
                    0,
                    Endpoint.Health.UNKNOWN,
                    Map.of("tlsMode", "istio"),
                    workload))));
    c.resolveDns();
    Endpoint resolved = c.hosts().get(0).endpoint();
    assertThat(resolved.address()).isEqualTo("127.0.0.1");
    assertThat(resolved.transportSocketMatch()).isEqualTo(Map.of("tlsMode", "istio"));
    assertThat(resolved.workload()).isEqualTo(workload);
  }
}
