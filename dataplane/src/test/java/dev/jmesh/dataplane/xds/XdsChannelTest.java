package dev.jmesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class XdsChannelTest {

  @Test
  void clientSpeaksAdsOverNettyOnThreadsFromTheCallersFactory() throws Exception {
    Set<String> made = ConcurrentHashMap.newKeySet();
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory =
        task -> {
          Thread thread = new Thread(task, "agent-" + count.incrementAndGet());
          thread.setDaemon(true);
          made.add(thread.getName());
          return thread;
        };
    FakeAdsServer server = new FakeAdsServer().startOnLoopback();
    RecordingHandler handler = new RecordingHandler();
    try (XdsChannel channel = XdsChannel.plaintext("127.0.0.1", server.port(), factory)) {
      XdsClient client =
          XdsClient.newBuilder(channel.channel(), XdsClientTest.NODE, handler, factory)
              .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
              .build();
      client.start();
      server.take(XdsResourceType.CLUSTER);
      server.take(XdsResourceType.LISTENER);
      String nonce =
          server.send(
              XdsResourceType.CLUSTER, "v1", XdsClientTest.edsCluster("outbound|80||a", ""));

      RecordingHandler.Delivery delivery = handler.take(XdsResourceType.CLUSTER);
      assertThat(delivery.resources()).containsOnlyKeys("outbound|80||a");
      assertThat(made).contains(delivery.thread().getName());
      assertThat(server.take(XdsResourceType.CLUSTER).getResponseNonce()).isEqualTo(nonce);
      assertThat(server.take().getResourceNamesList()).containsExactly("outbound|80||a");
      // The xDS thread and the Netty event loop at least.
      assertThat(made.size()).isGreaterThanOrEqualTo(2);
      client.close();
    } finally {
      server.close();
    }
  }
}
