package dev.jmesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.testing.FreePorts;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * No thundering herd: a few hundred xDS clients in one JVM, each on its own TCP connection, lose
 * their (real, loopback) ADS server at the same instant; when it comes back on the same port they
 * return spread over the backoff window, not in one burst. The backoff is the production one
 * (exponential, full jitter, capped) with the production base scaled down five times — 100 ms
 * instead of 500 ms — and a cap of 3 s instead of 30 s, so the test takes seconds; the spread
 * scales with the base.
 */
class XdsReconnectSpreadTest {
  private static final int CLIENTS = 200;
  private static final Duration BASE = Duration.ofMillis(100);
  private static final Duration CAP = Duration.ofSeconds(3);
  private static final Duration DOWN = Duration.ofMillis(1000);

  @Test
  void clientsThatLostTheControlPlaneTogetherComeBackSpreadOverTheBackoffWindow() throws Exception {
    long started = System.nanoTime();
    int port = FreePorts.loopback();
    AdsServer server = new AdsServer(port);
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    List<ManagedChannel> channels = new ArrayList<>();
    List<XdsClient> clients = new ArrayList<>();
    MeshLog.Level level = MeshLog.level();
    // Each client would log its stream going down and up: 600 lines of nothing new.
    MeshLog.setLevel(MeshLog.Level.ERROR);
    try {
      for (int i = 0; i < CLIENTS; i++) {
        ManagedChannel channel =
            NettyChannelBuilder.forAddress("127.0.0.1", port)
                .eventLoopGroup(loop)
                .channelType(NioSocketChannel.class)
                .usePlaintext()
                .build();
        channels.add(channel);
        NodeInfo node =
            new NodeInfo("client-" + i, "c", "", "", "", "c", "default", Map.of(), Map.of());
        XdsClient client =
            XdsClient.newBuilder(channel, node, new RecordingHandler(), MeshThreads.factory("xds"))
                .backoff(BASE, CAP)
                .build();
        clients.add(client);
        client.start();
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> clients.stream().allMatch(XdsClient::isConnected));

      long connectedMillis = (System.nanoTime() - started) / 1_000_000;
      server.stop();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> clients.stream().noneMatch(XdsClient::isConnected));
      Thread.sleep(DOWN.toMillis());
      server = new AdsServer(port);
      long back = System.nanoTime();
      AdsServer restarted = server;
      // Every client is back within the cap (plus room for a loaded machine).
      Awaitility.await()
          .atMost(CAP.plusSeconds(4))
          .until(() -> restarted.firstRequestNanos.size() == CLIENTS);

      long[] millis =
          restarted.firstRequestNanos.values().stream()
              .mapToLong(t -> TimeUnit.NANOSECONDS.toMillis(Math.max(0, t - back)))
              .sorted()
              .toArray();
      long p10 = millis[CLIENTS / 10];
      long p50 = millis[CLIENTS / 2];
      long p90 = millis[CLIENTS * 9 / 10];
      long max = millis[CLIENTS - 1];
      int[] perBin = new int[(int) (max / 100) + 1];
      for (long m : millis) {
        perBin[(int) (m / 100)]++;
      }
      int busiest = Arrays.stream(perBin).max().orElse(0);
      System.out.printf(
          "[xds-spread] %d clients (all connected in %d ms) back after %d ms down: p10 %d ms,"
              + " p50 %d ms, p90 %d ms, max %d ms; busiest 100 ms window %d clients (%d %%)%n",
          CLIENTS,
          connectedMillis,
          DOWN.toMillis(),
          p10,
          p50,
          p90,
          max,
          busiest,
          busiest * 100 / CLIENTS);
      // In step, they would all land within one 100 ms window. Jittered (a simulation of this
      // schedule, 1,000 runs of 200 clients: p90 - p10 never under 1.0 s, the busiest window
      // never over 46 clients, the first one)...
      assertThat(p90 - p10).isGreaterThanOrEqualTo(700);
      // ...no 100 ms window takes 30 % of them.
      assertThat(busiest).isLessThan(CLIENTS * 3 / 10);
    } finally {
      MeshLog.setLevel(level);
      clients.forEach(XdsClient::close);
      channels.forEach(ManagedChannel::shutdownNow);
      server.stop();
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /**
   * A real ADS server on a loopback port: answers each stream's first request with an empty CDS
   * response (so the client counts as connected) and records when each node first opened one.
   */
  private static final class AdsServer {
    final Map<String, Long> firstRequestNanos = new ConcurrentHashMap<>();
    private final Server server;

    AdsServer(int port) throws Exception {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              .directExecutor()
              .addService(new Service())
              .build()
              .start();
    }

    void stop() throws InterruptedException {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Service
        extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
      @Override
      public StreamObserver<DiscoveryRequest> streamAggregatedResources(
          StreamObserver<DiscoveryResponse> responses) {
        return new StreamObserver<>() {
          private boolean answered;

          @Override
          public synchronized void onNext(DiscoveryRequest request) {
            if (request.hasNode()) {
              firstRequestNanos.putIfAbsent(request.getNode().getId(), System.nanoTime());
            }
            if (!answered) {
              answered = true;
              responses.onNext(
                  DiscoveryResponse.newBuilder()
                      .setTypeUrl(XdsResourceType.CLUSTER.typeUrl())
                      .setVersionInfo("1")
                      .setNonce("1")
                      .build());
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            responses.onCompleted();
          }
        };
      }
    }
  }
}
