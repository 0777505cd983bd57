package dev.jmesh.controlplane.internal.ads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.config.TestMesh;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flow control: a stream that cannot take more gets the latest version once it can. */
class ProxyConnectionTest {
  @TempDir Path dir;

  static final class FakeStream extends ServerCallStreamObserver<DiscoveryResponse> {
    final List<DiscoveryResponse> sent = new ArrayList<>();
    boolean ready;

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(DiscoveryResponse value) {
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  @Test
  void slowStreamGetsOnlyTheLatestVersionWhenItDrains() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    AtomicReference<MeshSnapshot> snapshot = new AtomicReference<>(TestMesh.load(dir));
    AdsServer server = new AdsServer(snapshot::get, ProxyLifecycle.NONE);
    FakeStream stream = new FakeStream();
    ProxyConnection conn = new ProxyConnection(1, stream, server::viewFor, new AdsMetrics(),
        ProxyLifecycle.NONE);

    conn.onRequest(DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId("slow"))
        .setTypeUrl(TypeUrls.CLUSTER).build(), 1);
    assertThat(stream.sent).isEmpty();

    TestMesh.write(dir, "extra.yaml", TestMesh.resource("bookinfo/services.yaml")
        .split("---")[0].replace("name: productpage\n  labels", "name: extra\n  labels"));
    snapshot.set(new dev.jmesh.controlplane.internal.config.ConfigStore().apply(List.of(
        new dev.jmesh.controlplane.internal.config.DirectoryConfigSource(dir).read())));
    conn.push(7);
    assertThat(stream.sent).isEmpty();

    stream.ready = true;
    conn.onReady();
    assertThat(stream.sent).singleElement().satisfies(r -> {
      assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
      assertThat(r.getVersionInfo()).isEqualTo("7");
      assertThat(r.getResourcesCount()).isEqualTo(5 + 2);
    });
    conn.onReady();
    assertThat(stream.sent).hasSize(1);
  }

  @Test
  void aFirstAnswerThatWaitedForTheStreamIsNotAConvergenceSample() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    AtomicReference<MeshSnapshot> snapshot = new AtomicReference<>(TestMesh.load(dir));
    AdsServer server = new AdsServer(snapshot::get, ProxyLifecycle.NONE);
    FakeStream stream = new FakeStream();
    AdsMetrics metrics = new AdsMetrics();
    // As at start-up: version 1 came into force, then the proxy connected.
    metrics.configChanged(1);
    ProxyConnection conn = new ProxyConnection(1, stream, server::viewFor, metrics,
        ProxyLifecycle.NONE);
    conn.onRequest(DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId("slow"))
        .setTypeUrl(TypeUrls.CLUSTER).build(), 1);
    stream.ready = true;
    conn.onReady();
    DiscoveryResponse first = stream.sent.get(0);
    conn.onRequest(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER)
        .setVersionInfo(first.getVersionInfo()).setResponseNonce(first.getNonce()).build(), 1);
    assertThat(metrics.acks()).isEqualTo(1);
    assertThat(metrics.convergenceCount()).isZero();
  }
}
