package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.HttpPolicy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bodies that must stream (never be held whole) and a WebSocket upgrade, through the engine. */
class InboundStreamingTest {

  private static final long SIZE = 64L << 20;

  private final InboundFixture fixture;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private EchoApp app;
  private EventLoopGroup wsGroup;

  InboundStreamingTest() throws Exception {
    fixture = new InboundFixture(InboundLimits.DEFAULTS);
  }

  @AfterEach
  void stop() {
    fixture.close();
    if (app != null) {
      app.close();
    }
    if (wsGroup != null) {
      wsGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** Samples the direct memory Netty's default allocator holds while a transfer runs. */
  private static final class DirectMemoryWatch implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    DirectMemoryWatch() {
      ByteBufAllocatorMetricProvider allocator =
          (ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT;
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  peak.accumulateAndGet(allocator.metric().usedDirectMemory(), Math::max);
                  try {
                    Thread.sleep(2);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      thread.setDaemon(true);
      thread.start();
    }

    long peak() {
      return peak.get();
    }

    @Override
    public void close() {
      running.set(false);
    }
  }

  @Test
  void a64MegabyteUploadStreamsThroughWithFlatMemory() throws Exception {
    app = new EchoApp();
    InboundPort port =
        fixture.serve(app.address(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
    HttpResponse<String> response;
    try (DirectMemoryWatch watch = new DirectMemoryWatch()) {
      response =
          client.send(
              HttpRequest.newBuilder(uri(port.declared(), "/upload"))
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.ofInputStream(() -> zeros(SIZE)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(watch.peak()).isLessThan(16L << 20);
    }
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(Long.toString(SIZE));
  }

  @Test
  void a64MegabyteDownloadStreamsThroughWithFlatMemory() throws Exception {
    app = new EchoApp();
    InboundPort port =
        fixture.serve(app.address(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
    long received = 0;
    try (DirectMemoryWatch watch = new DirectMemoryWatch()) {
      HttpResponse<InputStream> response =
          client.send(
              HttpRequest.newBuilder(uri(port.declared(), "/download?bytes=" + SIZE))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = response.body()) {
        for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
          received += n;
          if (received % (8L << 20) < n) {
            Thread.sleep(5); // a slow reader: the engine must stop reading the application
          }
        }
      }
      assertThat(watch.peak()).isLessThan(16L << 20);
    }
    assertThat(received).isEqualTo(SIZE);
  }

  @Test
  void aWebSocketUpgradeBecomesARelay() throws Exception {
    InboundPort port =
        fixture.serve(
            startWebSocketEcho(), InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL));
    CompletableFuture<String> echoed = new CompletableFuture<>();
    WebSocket ws =
        client
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + port.declared().getPort() + "/ws"),
                new WebSocket.Listener() {
                  private final StringBuilder text = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                      echoed.complete(text.toString());
                    }
                    w.request(1);
                    return null;
                  }
                })
            .get(5, TimeUnit.SECONDS);
    ws.sendText("hello through the mesh", true).get(5, TimeUnit.SECONDS);
    assertThat(echoed.get(5, TimeUnit.SECONDS)).isEqualTo("hello through the mesh");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
  }

  private InetSocketAddress startWebSocketEcho() throws InterruptedException {
    wsGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel server =
        new ServerBootstrap()
            .group(wsGroup)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(),
                            new HttpObjectAggregator(65536),
                            new WebSocketServerProtocolHandler("/ws"),
                            new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                              @Override
                              protected void channelRead0(
                                  ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                                ctx.writeAndFlush(new TextWebSocketFrame(frame.text()));
                              }
                            });
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    return (InetSocketAddress) server.localAddress();
  }

  private static URI uri(InetSocketAddress to, String path) {
    return URI.create("http://127.0.0.1:" + to.getPort() + path);
  }

  private static InputStream zeros(long size) {
    return new InputStream() {
      private long left = size;

      @Override
      public int read() {
        if (left <= 0) {
          return -1;
        }
        left--;
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
        left -= n;
        return n;
      }
    };
  }
}
