package dev.jmesh.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.ca.api.BearerTokenCredentials;
import dev.jmesh.ca.api.JoinToken;
import dev.jmesh.ca.api.PinnedRootTrustManager;
import dev.jmesh.controlplane.ControlPlane;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * xDS on the TLS port, as a workload with a join token opens it: a node announcing the identity
 * the token proves gets its configuration; a node claiming another identity is refused before it
 * registers, and the refusal is counted.
 */
class NodeIdentityCheckTest {
  @TempDir Path tmp;
  private ControlPlane cp;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    Path config = Files.createDirectory(tmp.resolve("config"));
    // The plaintext port off: xDS only on the TLS port, behind the proven identity.
    cp = ControlPlane.builder().configDir(config).xdsPort(-1).httpPort(-1)
        .caDir(tmp.resolve("ca")).securePort(0).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    cp.close();
  }

  /** Opens an ADS stream with {@code token} and sends one request from a node claiming ns/sa. */
  private CompletableFuture<Object> stream(String token, String namespace, String serviceAccount)
      throws Exception {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", cp.certificateAuthority().port())
        .sslContext(GrpcSslContexts.forClient().trustManager(new PinnedRootTrustManager(
            JoinToken.parse(token).claims().rootFingerprints())).build())
        .build();
    CompletableFuture<Object> first = new CompletableFuture<>();
    StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
        .withCallCredentials(new BearerTokenCredentials(token))
        .streamAggregatedResources(new StreamObserver<>() {
          @Override
          public void onNext(DiscoveryResponse value) {
            first.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            first.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            first.complete("completed");
          }
        });
    Node node = Node.newBuilder().setId("sidecar~10.0.0.9~" + serviceAccount + "-1." + namespace
            + "~" + namespace + ".svc.cluster.local")
        .setMetadata(Struct.newBuilder()
            .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())
            .putFields("SERVICE_ACCOUNT",
                Value.newBuilder().setStringValue(serviceAccount).build()))
        .build();
    requests.onNext(DiscoveryRequest.newBuilder().setNode(node)
        .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster").build());
    return first;
  }

  private String token(String ns, String sa) {
    CaService ca = cp.certificateAuthority();
    return ca.tokens().create(ns, sa, Duration.ofHours(1),
        ca.authority().trustBundle().fingerprints());
  }

  @Test
  void aNodeOfTheProvenIdentityGetsItsConfiguration() throws Exception {
    Object first = stream(token("default", "reviews"), "default", "reviews")
        .get(20, TimeUnit.SECONDS);
    assertThat(first).isInstanceOf(DiscoveryResponse.class);
    assertThat(cp.certificateAuthority().authority().metrics().registrationsRefused()).isZero();
    assertThat(cp.xdsPort()).as("no plaintext port").isEqualTo(-1);
  }

  @Test
  void aNodeClaimingAnotherIdentityIsRefusedBeforeItRegisters() throws Exception {
    Object first = stream(token("default", "ratings"), "default", "reviews")
        .get(20, TimeUnit.SECONDS);
    assertThat(first).isInstanceOf(Status.class);
    Status status = (Status) first;
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription())
        .contains("announces namespace default, service account reviews")
        .contains("the caller proved default/ratings");
    assertThat(cp.certificateAuthority().authority().metrics().registrationsRefused())
        .isEqualTo(1);
    // The client hears the refusal as the server ends the stream; the server forgets the
    // connection in the same step, which may finish a moment later.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(cp.ads().connections()).isEmpty());
  }
}
