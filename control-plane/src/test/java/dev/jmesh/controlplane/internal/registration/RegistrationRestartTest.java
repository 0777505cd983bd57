package dev.jmesh.controlplane.internal.registration;

import static dev.jmesh.controlplane.internal.registration.RegistrationTest.V2;
import static dev.jmesh.controlplane.internal.registration.RegistrationTest.WAIT;
import static dev.jmesh.controlplane.internal.registration.RegistrationTest.addresses;
import static dev.jmesh.controlplane.internal.registration.RegistrationTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.internal.ads.AdsTestClient;
import dev.jmesh.controlplane.internal.config.TestMesh;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane restarted on the same state directory serves the workloads registered with
 * the one before, until they reconnect or the restore grace ends: the first EDS a proxy gets
 * from it does not drop them.
 */
class RegistrationRestartTest {

  @TempDir Path config;
  @TempDir Path state;

  private ControlPlane start(Duration restoreGrace) throws Exception {
    return ControlPlane.builder().configDir(config).xdsPort(0).httpPort(-1)
        .registrationGrace(Duration.ofMillis(300)).stateDir(state)
        .registrationRestoreGrace(restoreGrace).build().start();
  }

  private void registerReviewsV2AndStop(String proxyId) throws Exception {
    TestMesh.write(config, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(config, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    ControlPlane first = start(Duration.ofSeconds(60));
    try (AdsTestClient observer = new AdsTestClient(first.xdsPort(), "productpage", "default");
        AdsTestClient reviews = new AdsTestClient(first.xdsPort(),
            node(proxyId, "reviews", "http:19080", true, "version", "v2"))) {
      reviews.subscribe(TypeUrls.CLUSTER);
      reviews.next(WAIT);
      observer.subscribe(TypeUrls.ENDPOINT, V2);
      DiscoveryResponse r = observer.next(WAIT);
      while (!addresses(r).contains("127.0.0.99:19080")) {
        observer.ack(r, V2);
        r = observer.next(WAIT);
      }
      Awaitility.await().atMost(WAIT).until(() ->
          Files.exists(state.resolve(RegistrationJournal.FILE))
              && Files.readString(state.resolve(RegistrationJournal.FILE)).contains(proxyId));
      // What kill -9 leaves: the streams end without a deregistration.
      first.close();
    }
  }

  @Test
  void aRestartedControlPlaneServesTheRegisteredWorkloadBeforeItReconnects() throws Exception {
    registerReviewsV2AndStop("reviews-v2-restart");
    assertThat(PosixFilePermissions.toString(
        Files.getPosixFilePermissions(state.resolve(RegistrationJournal.FILE))))
        .isEqualTo("rw-------");

    ControlPlane second = start(Duration.ofSeconds(60));
    try (AdsTestClient observer = new AdsTestClient(second.xdsPort(), "productpage", "default")) {
      observer.subscribe(TypeUrls.ENDPOINT, V2);
      // The very first EDS after the restart: the registered workload is in it.
      DiscoveryResponse first = observer.next(WAIT);
      assertThat(addresses(first)).containsExactlyInAnyOrder("127.0.0.14:9080",
          "127.0.0.99:19080");
      observer.ack(first, V2);
      // It reconnects: it stays, and nothing changes for the observer.
      try (AdsTestClient reviews = new AdsTestClient(second.xdsPort(),
          node("reviews-v2-restart", "reviews", "http:19080", true, "version", "v2"))) {
        reviews.subscribe(TypeUrls.CLUSTER);
        reviews.next(WAIT);
        DiscoveryResponse again = observer.poll(Duration.ofMillis(500));
        if (again != null) {
          assertThat(addresses(again)).contains("127.0.0.99:19080");
          observer.ack(again, V2);
        }
      }
      // Its stream ends: the ordinary grace applies again, not the restore grace.
      DiscoveryResponse left = observer.next(WAIT);
      assertThat(addresses(left)).containsExactly("127.0.0.14:9080");
    } finally {
      second.close();
    }
  }

  @Test
  void aRestoredWorkloadThatNeverReconnectsLeavesAfterTheRestoreGrace() throws Exception {
    registerReviewsV2AndStop("reviews-v2-gone");
    ControlPlane second = start(Duration.ofMillis(1500));
    try (AdsTestClient observer = new AdsTestClient(second.xdsPort(), "productpage", "default")) {
      observer.subscribe(TypeUrls.ENDPOINT, V2);
      DiscoveryResponse first = observer.next(WAIT);
      assertThat(addresses(first)).contains("127.0.0.99:19080");
      observer.ack(first, V2);
      DiscoveryResponse gone = observer.next(WAIT);
      assertThat(addresses(gone)).containsExactly("127.0.0.14:9080");
      Awaitility.await().atMost(WAIT).until(() ->
          !Files.readString(state.resolve(RegistrationJournal.FILE)).contains("reviews-v2-gone"));
    } finally {
      second.close();
    }
  }

  @Test
  void aDamagedLineIsSkippedAndTheOthersAreRestored() throws Exception {
    registerReviewsV2AndStop("reviews-v2-kept");
    Path file = state.resolve(RegistrationJournal.FILE);
    Files.writeString(file, "{not json\n" + Files.readString(file));
    ControlPlane second = start(Duration.ofSeconds(60));
    try (AdsTestClient observer = new AdsTestClient(second.xdsPort(), "productpage", "default")) {
      observer.subscribe(TypeUrls.ENDPOINT, V2);
      assertThat(addresses(observer.next(WAIT))).contains("127.0.0.99:19080");
    } finally {
      second.close();
    }
  }
}
