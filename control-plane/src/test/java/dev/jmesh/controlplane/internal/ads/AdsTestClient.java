package dev.jmesh.controlplane.internal.ads;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real gRPC ADS client for tests: sends requests, queues responses. */
public final class AdsTestClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final StreamObserver<DiscoveryRequest> requests;
  private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
  private final Node node;

  public AdsTestClient(int port, String nodeId, String namespace) {
    this(port, Node.newBuilder().setId(nodeId).setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())).build());
  }

  public AdsTestClient(int port, Node node) {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    this.node = node;
    requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(
        new StreamObserver<>() {
          @Override
          public void onNext(DiscoveryResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
  }

  public void subscribe(String type, String... names) {
    requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type)
        .addAllResourceNames(List.of(names)).build());
  }

  /** Sends a request carrying a changed node, as an agent does when it becomes ready. */
  public void announce(Node changed, String type, String... names) {
    requests.onNext(DiscoveryRequest.newBuilder().setNode(changed).setTypeUrl(type)
        .addAllResourceNames(List.of(names)).build());
  }

  public void ack(DiscoveryResponse r, String... names) {
    requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl())
        .setVersionInfo(r.getVersionInfo()).setResponseNonce(r.getNonce())
        .addAllResourceNames(List.of(names)).build());
  }

  public void nack(DiscoveryResponse r, String previousVersion, String error, String... names) {
    requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl())
        .setVersionInfo(previousVersion).setResponseNonce(r.getNonce())
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage(error))
        .addAllResourceNames(List.of(names)).build());
  }

  /**
   * Changes the subscription while still on {@code keptVersion}, answering {@code lastSeen} as
   * Envoy does after it NACKed it: its nonce, the version kept, no error_detail (sent once).
   */
  public void resubscribe(DiscoveryResponse lastSeen, String keptVersion, String... names) {
    requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(lastSeen.getTypeUrl())
        .setVersionInfo(keptVersion).setResponseNonce(lastSeen.getNonce())
        .addAllResourceNames(List.of(names)).build());
  }

  /** The next response, failing after {@code timeout}. */
  public DiscoveryResponse next(Duration timeout) throws InterruptedException {
    DiscoveryResponse r = responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (r == null) {
      throw new AssertionError("no DiscoveryResponse within " + timeout);
    }
    return r;
  }

  /** The next response if one comes within {@code timeout}, else null. */
  public DiscoveryResponse poll(Duration timeout) throws InterruptedException {
    return responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    requests.onCompleted();
    channel.shutdownNow();
  }
}
