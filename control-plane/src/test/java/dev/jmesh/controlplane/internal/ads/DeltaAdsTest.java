package dev.jmesh.controlplane.internal.ads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.internal.config.TestMesh;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental xDS against a real gRPC client. */
class DeltaAdsTest {
  static final String V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
  static final String V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";

  @TempDir Path dir;
  ControlPlane cp;
  ManagedChannel channel;
  StreamObserver<DeltaDiscoveryRequest> requests;
  final BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    cp = ControlPlane.builder().configDir(dir).xdsPort(0).httpPort(-1).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", cp.xdsPort()).usePlaintext().build();
    requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(
        new StreamObserver<>() {
          @Override
          public void onNext(DeltaDiscoveryResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    cp.close();
  }

  private DeltaDiscoveryResponse next() throws InterruptedException {
    DeltaDiscoveryResponse r = responses.poll(15, TimeUnit.SECONDS);
    assertThat(r).as("a DeltaDiscoveryResponse").isNotNull();
    return r;
  }

  private void ack(DeltaDiscoveryResponse r) {
    requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl())
        .setResponseNonce(r.getNonce()).build());
  }

  @Test
  void subscribeChangeUnsubscribeAndRemove() throws Exception {
    requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId("d1"))
        .setTypeUrl(TypeUrls.CLUSTER).build());
    DeltaDiscoveryResponse cds = next();
    assertThat(cds.getResourcesList()).extracting(Resource::getName).contains(V1, V2);
    ack(cds);

    requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT)
        .addAllResourceNamesSubscribe(List.of(V1, V2, "outbound|1|nope|nothing")).build());
    DeltaDiscoveryResponse eds = next();
    assertThat(eds.getResourcesList()).extracting(Resource::getName)
        .containsExactlyInAnyOrder(V1, V2);
    assertThat(eds.getRemovedResourcesList()).containsExactly("outbound|1|nope|nothing");
    ack(eds);

    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml")
        .replace("127.0.0.14", "127.0.0.41"));
    DeltaDiscoveryResponse changed = next();
    assertThat(changed.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
    assertThat(changed.getResourcesList()).extracting(Resource::getName).containsExactly(V2);
    ack(changed);

    requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT)
        .addResourceNamesUnsubscribe(V1).build());
    assertThat(responses.poll(400, TimeUnit.MILLISECONDS)).isNull();

    Files.delete(dir.resolve("dr.yaml"));
    DeltaDiscoveryResponse gone = next();
    assertThat(gone.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
    assertThat(gone.getResourcesCount()).isZero();
    assertThat(gone.getRemovedResourcesList()).contains(V1, V2);
    assertThat(cp.ads().status()).singleElement()
        .satisfies(s -> assertThat(s.types()).extracting(AdsServer.TypeStatus::type)
            .contains("CDS (delta)", "EDS (delta)"));
  }

  @Test
  void nackIsNotAnsweredWithTheSameResources() throws Exception {
    requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId("d2"))
        .setTypeUrl(TypeUrls.LISTENER).build());
    DeltaDiscoveryResponse lds = next();
    requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER)
        .setResponseNonce(lds.getNonce())
        .setErrorDetail(com.google.rpc.Status.newBuilder().setMessage("nope")).build());
    assertThat(responses.poll(400, TimeUnit.MILLISECONDS)).isNull();
    assertThat(cp.ads().metrics().nacks()).isEqualTo(1);
  }
}
