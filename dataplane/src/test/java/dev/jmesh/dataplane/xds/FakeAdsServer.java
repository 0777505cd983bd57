package dev.jmesh.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process ADS server that records every request and sends what the test tells it to, on
 * the most recent stream. It can be killed and started again under the same name.
 */
final class FakeAdsServer implements AutoCloseable {
  private final String name = InProcessServerBuilder.generateName();
  private final BlockingQueue<DiscoveryRequest> requests = new LinkedBlockingQueue<>();
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicInteger nonces = new AtomicInteger();
  private final CountDownLatch streamEnded =
      new CountDownLatch(1);
  private volatile StreamObserver<DiscoveryResponse> current;
  private Server server;

  FakeAdsServer start() throws IOException {
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new Service())
            .build()
            .start();
    return this;
  }

  /** Starts on a loopback TCP port instead, to test the client's real transport. */
  FakeAdsServer startOnLoopback() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .directExecutor()
            .addService(new Service())
            .build()
            .start();
    return this;
  }

  int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  /** Ends every stream with UNAVAILABLE and stops accepting new ones. */
  void kill() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    current = null;
  }

  ManagedChannel channel() {
    return InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** Whether a stream ended (cancelled or half-closed by the client) within 5 s. */
  boolean awaitStreamEnd() throws InterruptedException {
    return streamEnded.await(5, TimeUnit.SECONDS);
  }

  int streams() {
    return streams.get();
  }

  /** The next request the client sent, failing the test if none comes within 5 s. */
  DiscoveryRequest take() throws InterruptedException {
    DiscoveryRequest request = requests.poll(5, TimeUnit.SECONDS);
    if (request == null) {
      throw new AssertionError("no DiscoveryRequest within 5 s");
    }
    return request;
  }

  /** The next request of {@code type}, skipping others. */
  DiscoveryRequest take(XdsResourceType type) throws InterruptedException {
    while (true) {
      DiscoveryRequest request = take();
      if (request.getTypeUrl().equals(type.typeUrl())) {
        return request;
      }
    }
  }

  /** Whatever request arrives within {@code millis}, or null. */
  DiscoveryRequest poll(long millis) throws InterruptedException {
    return requests.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** Sends {@code resources} of {@code type} at {@code version}; returns the nonce used. */
  String send(XdsResourceType type, String version, Message... resources) {
    DiscoveryResponse.Builder response =
        DiscoveryResponse.newBuilder().setTypeUrl(type.typeUrl()).setVersionInfo(version);
    for (Message resource : resources) {
      response.addResources(Any.pack(resource));
    }
    return send(response);
  }

  /** Sends {@code resources} as given; returns the nonce used. */
  String send(XdsResourceType type, String version, List<Any> resources) {
    return send(
        DiscoveryResponse.newBuilder()
            .setTypeUrl(type.typeUrl())
            .setVersionInfo(version)
            .addAllResources(resources));
  }

  private synchronized String send(DiscoveryResponse.Builder response) {
    String nonce = "nonce-" + nonces.incrementAndGet();
    StreamObserver<DiscoveryResponse> stream = current;
    if (stream == null) {
      throw new AssertionError("no open ADS stream");
    }
    stream.onNext(response.setNonce(nonce).build());
    return nonce;
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }

  private final class Service
      extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(
        StreamObserver<DiscoveryResponse> responses) {
      streams.incrementAndGet();
      current = responses;
      return new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryRequest request) {
          requests.add(request);
        }

        @Override
        public void onError(Throwable t) {
          streamEnded.countDown();
        }

        @Override
        public void onCompleted() {
          streamEnded.countDown();
          responses.onCompleted();
        }
      };
    }
  }
}
