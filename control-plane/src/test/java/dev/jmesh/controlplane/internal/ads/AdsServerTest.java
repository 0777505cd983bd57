package dev.jmesh.controlplane.internal.ads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.internal.config.TestMesh;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ADS server against a real gRPC client over loopback. */
class AdsServerTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  static final Duration QUIET = Duration.ofMillis(400);
  static final String REVIEWS = "reviews.default.svc.cluster.local:9080";

  @TempDir Path dir;
  ControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    TestMesh.write(dir, "reviews.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("virtual-service-reviews-80-20.yaml")));
    cp = ControlPlane.builder().configDir(dir).xdsPort(0).httpPort(-1).build().start();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  @Test
  void stateOfTheWorldWithAcks() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "productpage-1", "default")) {
      client.subscribe(TypeUrls.CLUSTER);
      DiscoveryResponse cds = client.next(WAIT);
      assertThat(cds.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
      // bookinfo's clusters and subsets, plus PassthroughCluster and BlackHoleCluster.
      assertThat(cds.getResourcesCount()).isEqualTo(4 + 1 + 4 + 3 + 2 + 2);
      assertThat(cds.getNonce()).isNotEmpty();
      assertThat(cds.getVersionInfo()).isEqualTo(String.valueOf(cp.snapshot().version()));
      client.ack(cds);

      client.subscribe(TypeUrls.LISTENER, "reviews:9080");
      DiscoveryResponse lds = client.next(WAIT);
      assertThat(lds.getResources(0).unpack(Listener.class).getName()).isEqualTo("reviews:9080");
      client.ack(lds, "reviews:9080");

      client.subscribe(TypeUrls.ROUTE, REVIEWS);
      DiscoveryResponse rds = client.next(WAIT);
      RouteConfiguration rc = rds.getResources(0).unpack(RouteConfiguration.class);
      assertThat(rc.getVirtualHosts(0).getRoutes(0).getRoute().getWeightedClusters()
          .getClustersCount()).isEqualTo(2);
      client.ack(rds, REVIEWS);

      client.subscribe(TypeUrls.ENDPOINT, "outbound|9080|v1|reviews.default.svc.cluster.local");
      DiscoveryResponse eds = client.next(WAIT);
      assertThat(eds.getResourcesCount()).isEqualTo(1);
      client.ack(eds, "outbound|9080|v1|reviews.default.svc.cluster.local");

      // ACKs get no answer.
      assertThat(client.poll(QUIET)).isNull();
      assertThat(cp.ads().status()).singleElement().satisfies(s -> {
        assertThat(s.proxyId()).isEqualTo("productpage-1");
        assertThat(s.types()).allSatisfy(t -> assertThat(t.ackedVersion())
            .isEqualTo(t.sentVersion()));
      });
    }
  }

  @Test
  void nackIsRecordedAndNotAnsweredWithTheSameConfig() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "productpage-1", "default")) {
      client.subscribe(TypeUrls.LISTENER);
      DiscoveryResponse lds = client.next(WAIT);
      client.nack(lds, "", "listener rejected: pretend");

      assertThat(client.poll(QUIET)).isNull();
      assertThat(cp.ads().metrics().nacks()).isEqualTo(1);
      AdsServer.TypeStatus st = cp.ads().status().get(0).types().get(0);
      assertThat(st.nackDetail()).isEqualTo("listener rejected: pretend");
      assertThat(st.nackedVersion()).isEqualTo(lds.getVersionInfo());
      assertThat(st.ackedVersion()).isEmpty();

      // A real change is pushed even after a NACK.
      TestMesh.write(dir, "extra.yaml", TestMesh.resource("bookinfo/services.yaml")
          .replace("name: productpage\n  labels", "name: extra\n  labels")
          .split("---")[0]);
      DiscoveryResponse next = client.next(WAIT);
      assertThat(next.getResourcesCount()).isEqualTo(6);
      assertThat(next.getNonce()).isNotEqualTo(lds.getNonce());
    }
  }

  @Test
  void fileChangeReachesEveryClientAndOnlyTheChangedTypes() throws Exception {
    try (AdsTestClient a = new AdsTestClient(cp.xdsPort(), "a", "default");
        AdsTestClient b = new AdsTestClient(cp.xdsPort(), "b", "default")) {
      for (AdsTestClient c : new AdsTestClient[] {a, b}) {
        c.subscribe(TypeUrls.CLUSTER);
        c.ack(c.next(WAIT));
        c.subscribe(TypeUrls.ROUTE, REVIEWS);
        c.ack(c.next(WAIT), REVIEWS);
      }
      long before = cp.snapshot().version();
      TestMesh.write(dir, "reviews.yaml", Files.readString(
          TestMesh.BOOKINFO_SAMPLES.resolve("virtual-service-reviews-jason-v2-v3.yaml")));

      for (AdsTestClient c : new AdsTestClient[] {a, b}) {
        DiscoveryResponse r = c.next(WAIT);
        assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.ROUTE);
        assertThat(r.getVersionInfo()).isEqualTo(String.valueOf(before + 1));
        RouteConfiguration rc = r.getResources(0).unpack(RouteConfiguration.class);
        assertThat(rc.getVirtualHosts(0).getRoutesCount()).isEqualTo(2);
        c.ack(r, REVIEWS);
        // Clusters did not change: no CDS push.
        assertThat(c.poll(QUIET)).isNull();
      }
      assertThat(cp.ads().metrics().convergenceCount()).isEqualTo(2);
      assertThat(cp.ads().metrics().convergenceCumulative()[AdsMetrics.CONVERGENCE_BUCKETS.length])
          .isEqualTo(2);
    }
  }

  @Test
  void brokenFileKeepsClientsOnTheLastGoodConfig() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "a", "default")) {
      client.subscribe(TypeUrls.ROUTE, REVIEWS);
      DiscoveryResponse first = client.next(WAIT);
      client.ack(first, REVIEWS);
      TestMesh.write(dir, "reviews.yaml", Files.readString(
          TestMesh.BOOKINFO_SAMPLES.resolve("virtual-service-reviews-80-20.yaml"))
          .replace("subset: v2", "subset: v4"));

      assertThat(client.poll(Duration.ofSeconds(1))).isNull();
      assertThat(TestMesh.errors(cp.snapshot())).singleElement().asString()
          .contains("reviews.yaml:16: VirtualService reviews: subset v4 is not defined");
    }
  }

  @Test
  void endpointChangeSendsOnlyTheChangedLoadAssignments() throws Exception {
    String v1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
    String v2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "a", "default")) {
      client.subscribe(TypeUrls.ENDPOINT, v1, v2);
      DiscoveryResponse first = client.next(WAIT);
      assertThat(first.getResourcesCount()).isEqualTo(2);
      client.ack(first, v1, v2);

      TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml")
          .replace("127.0.0.14", "127.0.0.41"));
      DiscoveryResponse next = client.next(WAIT);
      assertThat(next.getResourcesCount()).isEqualTo(1);
      var cla = next.getResources(0)
          .unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class);
      assertThat(cla.getClusterName()).isEqualTo(v2);
      assertThat(cla.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
          .getSocketAddress().getAddress()).isEqualTo("127.0.0.41");
      client.ack(next, v1, v2);
      assertThat(client.poll(QUIET)).isNull();

      // A new subscription gets just the newly named resource.
      String all = "outbound|9080||reviews.default.svc.cluster.local";
      client.subscribe(TypeUrls.ENDPOINT, v1, v2, all);
      DiscoveryResponse added = client.next(WAIT);
      assertThat(added.getResourcesCount()).isEqualTo(1);
      assertThat(added.getResources(0)
          .unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class)
          .getClusterName()).isEqualTo(all);
    }
  }

  @Test
  void endpointOnlyChangePushesOnlyEds() throws Exception {
    String v2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "a", "default")) {
      client.subscribe(TypeUrls.CLUSTER);
      client.ack(client.next(WAIT));
      client.subscribe(TypeUrls.LISTENER);
      client.ack(client.next(WAIT));
      client.subscribe(TypeUrls.ROUTE, REVIEWS);
      client.ack(client.next(WAIT), REVIEWS);
      client.subscribe(TypeUrls.ENDPOINT, v2);
      client.ack(client.next(WAIT), v2);
      assertThat(client.poll(QUIET)).isNull();

      TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml")
          .replace("127.0.0.14", "127.0.0.41"));
      DiscoveryResponse pushed = client.next(WAIT);
      assertThat(pushed.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      client.ack(pushed, v2);
      // Listeners, routes and clusters did not change: nothing else is sent.
      assertThat(client.poll(QUIET)).isNull();
    }
  }

  /** A proxy announcing {@code node.locality} in namespace default. */
  private AdsTestClient proxyIn(String id, String region, String zone, String subZone) {
    return new AdsTestClient(cp.xdsPort(), io.envoyproxy.envoy.config.core.v3.Node.newBuilder()
        .setId(id)
        .setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
            .setRegion(region).setZone(zone).setSubZone(subZone))
        .setMetadata(com.google.protobuf.Struct.newBuilder().putFields("NAMESPACE",
            com.google.protobuf.Value.newBuilder().setStringValue("default").build()))
        .build());
  }

  private static java.util.Map<String, Integer> priorityByAddress(DiscoveryResponse r)
      throws Exception {
    var cla = r.getResources(0)
        .unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class);
    java.util.Map<String, Integer> out = new java.util.TreeMap<>();
    for (var l : cla.getEndpointsList()) {
      l.getLbEndpointsList().forEach(e -> out.put(
          e.getEndpoint().getAddress().getSocketAddress().getAddress(), l.getPriority()));
    }
    return out;
  }

  @Test
  void eachProxyGetsTheEndpointsOfItsOwnLocality() throws Exception {
    TestMesh.write(dir, "geo.yaml", TestMesh.resource("translation/locality-lb.yaml"));
    org.awaitility.Awaitility.await().atMost(WAIT).until(() ->
        cp.snapshot().registry().service("failover.geo") != null);
    String failover = "outbound|80||failover.geo";
    try (AdsTestClient east = proxyIn("east", "us-east", "a", "1");
        AdsTestClient eastToo = proxyIn("east-2", "us-east", "a", "1");
        AdsTestClient west = proxyIn("west", "eu-west", "a", "1")) {
      east.subscribe(TypeUrls.ENDPOINT, failover);
      eastToo.subscribe(TypeUrls.ENDPOINT, failover);
      west.subscribe(TypeUrls.ENDPOINT, failover);
      DiscoveryResponse fromEast = east.next(WAIT);
      DiscoveryResponse fromWest = west.next(WAIT);
      assertThat(priorityByAddress(fromEast)).containsEntry("10.0.0.1", 0)
          .containsEntry("10.0.0.5", 3).containsEntry("10.0.0.6", 4);
      assertThat(priorityByAddress(fromWest)).containsEntry("10.0.0.5", 0)
          .containsEntry("10.0.0.1", 1).containsEntry("10.0.0.6", 1);
      // A second proxy of the same locality gets the same assignment.
      assertThat(eastToo.next(WAIT).getResources(0)).isEqualTo(fromEast.getResources(0));
    }
  }

  @Test
  void reconnectingProxyWithANonceFromItsOldStreamIsAnswered() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "a", "default")) {
      client.ack(DiscoveryResponse.newBuilder().setTypeUrl(TypeUrls.CLUSTER)
          .setVersionInfo("1").setNonce("old-stream-7").build());
      DiscoveryResponse cds = client.next(WAIT);
      assertThat(cds.getResourcesCount()).isPositive();
    }
  }
}
