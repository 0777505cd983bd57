package dev.jmesh.controlplane.internal.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.internal.ads.AdsTestClient;
import dev.jmesh.controlplane.internal.config.TestMesh;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workloads that announce themselves in their xDS node become endpoints, and leave again. */
class RegistrationTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  static final String V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";

  @TempDir Path dir;
  ControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    cp = ControlPlane.builder().configDir(dir).xdsPort(0).httpPort(-1)
        .registrationGrace(Duration.ofMillis(300)).build().start();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  static Node node(String id, String service, String ports, boolean ready, String... labels) {
    Struct.Builder l = Struct.newBuilder();
    for (int i = 0; i < labels.length; i += 2) {
      l.putFields(labels[i], Value.newBuilder().setStringValue(labels[i + 1]).build());
    }
    return Node.newBuilder().setId(id).setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", str("default"))
        .putFields("MESH_SERVICE", str(service))
        .putFields("INSTANCE_IPS", str("127.0.0.99"))
        .putFields("MESH_PORTS", str(ports))
        .putFields("MESH_READY", str(String.valueOf(ready)))
        .putFields("LABELS", Value.newBuilder().setStructValue(l).build())).build();
  }

  static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  static List<String> addresses(DiscoveryResponse r) throws Exception {
    List<String> out = new ArrayList<>();
    for (var e : r.getResources(0).unpack(ClusterLoadAssignment.class).getEndpointsList()) {
      for (var lb : e.getLbEndpointsList()) {
        var sa = lb.getEndpoint().getAddress().getSocketAddress();
        out.add(sa.getAddress() + ":" + sa.getPortValue());
      }
    }
    return out;
  }

  @Test
  void registeredWorkloadBecomesAnEndpointWhenReadyAndLeavesAfterGrace() throws Exception {
    try (AdsTestClient observer = new AdsTestClient(cp.xdsPort(), "productpage", "default")) {
      observer.subscribe(TypeUrls.ENDPOINT, V2);
      DiscoveryResponse first = observer.next(WAIT);
      assertThat(addresses(first)).containsExactly("127.0.0.14:9080");
      observer.ack(first, V2);

      AdsTestClient reviews = new AdsTestClient(cp.xdsPort(),
          node("reviews-v2-b", "reviews", "http:19080", false, "version", "v2"));
      reviews.subscribe(TypeUrls.CLUSTER);
      reviews.next(WAIT);
      assertThat(observer.poll(Duration.ofMillis(500))).isNull();

      reviews.announce(node("reviews-v2-b", "reviews", "http:19080", true, "version", "v2"),
          TypeUrls.CLUSTER);
      DiscoveryResponse joined = observer.next(WAIT);
      assertThat(addresses(joined)).containsExactlyInAnyOrder("127.0.0.14:9080",
          "127.0.0.99:19080");
      observer.ack(joined, V2);

      reviews.close();
      DiscoveryResponse left = observer.next(WAIT);
      assertThat(addresses(left)).containsExactly("127.0.0.14:9080");
    }
  }

  @Test
  void aServiceNobodyDeclaredIsCreatedByRegistration() throws Exception {
    try (AdsTestClient observer = new AdsTestClient(cp.xdsPort(), "productpage", "default");
        AdsTestClient inventory = new AdsTestClient(cp.xdsPort(),
            node("inventory-1", "inventory", "grpc:7070", true))) {
      observer.subscribe(TypeUrls.LISTENER);
      observer.ack(observer.next(WAIT));
      inventory.subscribe(TypeUrls.LISTENER);
      DiscoveryResponse r = observer.next(WAIT);
      assertThat(r.getResourcesCount()).isEqualTo(6);
      var service = cp.snapshot().registry().service("inventory.default.svc.cluster.local");
      assertThat(service.ports().get(0).protocol()).isEqualTo("GRPC");
      assertThat(service.endpoints()).singleElement()
          .satisfies(e -> assertThat(e.labels()).containsEntry("app", "inventory"))
          // A registered agent runs a mesh proxy: auto mTLS may use ISTIO_MUTUAL towards it.
          .satisfies(e -> assertThat(e.meshed()).isTrue());
    }
  }

  @Test
  void invalidRegistrationIsReported() throws Exception {
    try (AdsTestClient bad = new AdsTestClient(cp.xdsPort(),
        node("bad-1", "reviews", "http:notaport", true))) {
      bad.subscribe(TypeUrls.CLUSTER);
      bad.next(WAIT);
      org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() ->
          assertThat(TestMesh.errors(cp.snapshot())).singleElement().asString()
              .isEqualTo("registration bad-1: WorkloadEntry: MESH_PORTS: 'notaport' is not a"
                  + " port number"));
    }
  }
}
