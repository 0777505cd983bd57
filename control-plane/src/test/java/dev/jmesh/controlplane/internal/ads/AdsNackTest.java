package dev.jmesh.controlplane.internal.ads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.internal.config.TestMesh;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a NACK leaves behind on the ADS server, against a real gRPC client: the NACK stands until
 * a real ACK, the refused resource is judged again by the proxy, and a subscription change is
 * never lost to a stale nonce. Each of these once left RDS STALE or a route missing for good.
 */
class AdsNackTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  static final Duration QUIET = Duration.ofMillis(400);
  static final String REVIEWS = "reviews.default.svc.cluster.local:9080";
  static final String RATINGS = "ratings.default.svc.cluster.local:9080";

  @TempDir Path dir;
  ControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    TestMesh.write(dir, "reviews.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("virtual-service-reviews-80-20.yaml")));
    TestMesh.write(dir, "ratings.yaml", ratingsDelay("7s"));
    cp = ControlPlane.builder().configDir(dir).xdsPort(0).httpPort(-1).build().start();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  @Test
  void aProxyThatChangesItsSubscriptionAfterANackIsStillNackedNotStale() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "a", "default")) {
      DiscoveryResponse first = subscribeToBoth(client);
      TestMesh.write(dir, "reviews.yaml", Files.readString(
          TestMesh.BOOKINFO_SAMPLES.resolve("virtual-service-reviews-jason-v2-v3.yaml")));
      DiscoveryResponse refused = client.next(WAIT);
      client.nack(refused, first.getVersionInfo(), "RDS resource '" + REVIEWS + "': pretend",
          REVIEWS, RATINGS);
      // Its listener for reviews went away: the proxy now asks for ratings only, answering the
      // refused response with its nonce, the version it kept and no error_detail, as Envoy does.
      client.resubscribe(refused, first.getVersionInfo(), RATINGS);
      // Requests are handled in order: once clusters are answered, so was the resubscription.
      client.subscribe(TypeUrls.CLUSTER);
      assertThat(client.next(WAIT).getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);

      assertThat(rds()).satisfies(t -> {
        assertThat(t.nackDetail()).contains("pretend");
        assertThat(t.nackedVersion()).isEqualTo(refused.getVersionInfo());
        assertThat(t.ackedVersion()).isEqualTo(first.getVersionInfo());
      });
    }
  }

  @Test
  void afterANackTheNextResponseCarriesTheRefusedResourceAgain() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "a", "default")) {
      DiscoveryResponse first = subscribeToBoth(client);
      TestMesh.write(dir, "reviews.yaml", Files.readString(
          TestMesh.BOOKINFO_SAMPLES.resolve("virtual-service-reviews-jason-v2-v3.yaml")));
      DiscoveryResponse refused = client.next(WAIT);
      assertThat(names(refused)).containsExactly(REVIEWS);
      client.nack(refused, first.getVersionInfo(), "RDS resource '" + REVIEWS + "': pretend",
          REVIEWS, RATINGS);

      // Only ratings changed; an ACK of a response without reviews would hide the refusal
      // while the proxy still runs its older reviews routes.
      TestMesh.write(dir, "ratings.yaml", ratingsDelay("3s"));
      DiscoveryResponse next = client.next(WAIT);
      assertThat(names(next)).containsExactlyInAnyOrder(REVIEWS, RATINGS);
      client.ack(next, REVIEWS, RATINGS);
      Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(rds().nackDetail()).isEmpty());

      // With the refusal settled, responses carry only what changed again.
      TestMesh.write(dir, "ratings.yaml", ratingsDelay("2s"));
      assertThat(names(client.next(WAIT))).containsExactly(RATINGS);
    }
  }

  @Test
  void aSubscriptionChangeWithAStaleNonceIsHonoured() throws Exception {
    try (AdsTestClient client = new AdsTestClient(cp.xdsPort(), "a", "default")) {
      DiscoveryResponse first = subscribeToBoth(client);
      TestMesh.write(dir, "ratings.yaml", ratingsDelay("3s"));
      DiscoveryResponse inFlight = client.next(WAIT);
      assertThat(names(inFlight)).containsExactly(RATINGS);
      // Before the proxy read that response, its listeners dropped reviews and brought it
      // back: it forgot reviews' routes, and both requests carry the older nonce.
      client.ack(first, RATINGS);
      client.ack(first, REVIEWS, RATINGS);
      client.ack(inFlight, REVIEWS, RATINGS);

      List<String> resent = new ArrayList<>();
      for (DiscoveryResponse r = client.poll(WAIT); r != null; r = client.poll(QUIET)) {
        resent.addAll(names(r));
      }
      assertThat(resent).contains(REVIEWS);
    }
  }

  private DiscoveryResponse subscribeToBoth(AdsTestClient client) throws Exception {
    client.subscribe(TypeUrls.ROUTE, REVIEWS, RATINGS);
    DiscoveryResponse first = client.next(WAIT);
    assertThat(names(first)).containsExactlyInAnyOrder(REVIEWS, RATINGS);
    client.ack(first, REVIEWS, RATINGS);
    assertThat(client.poll(QUIET)).isNull();
    return first;
  }

  private AdsServer.TypeStatus rds() {
    return cp.ads().status().get(0).types().stream().filter(t -> t.type().equals("RDS"))
        .findFirst().orElseThrow();
  }

  private static List<String> names(DiscoveryResponse r) throws Exception {
    List<String> out = new ArrayList<>();
    for (var any : r.getResourcesList()) {
      out.add(any.unpack(RouteConfiguration.class).getName());
    }
    return out;
  }

  private static String ratingsDelay(String delay) {
    return String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: VirtualService",
        "metadata: {name: ratings}",
        "spec:",
        "  hosts: [ratings]",
        "  http:",
        "  - fault:",
        "      delay: {percentage: {value: 100}, fixedDelay: " + delay + "}",
        "    route:",
        "    - destination: {host: ratings, subset: v1}",
        "");
  }
}
