package dev.jmesh.dataplane.engine.outbound;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streaming through the outbound engine: h2c prior knowledge to an HTTP/2 upstream with gRPC
 * trailers passed through, h2c streams to an HTTP/1.1 upstream sent on as HTTP/1.1 requests, and
 * large responses that flow with backpressure instead of piling up.
 */
class OutboundEngineStreamingTest {

  private static final String GRPC = "grpc.default.svc.cluster.local:7070";
  private static final String GRPC_CLUSTER = "outbound|7070||grpc.default.svc.cluster.local";
  private static final String FILES = "files.default.svc.cluster.local:8080";
  private static final String FILES_CLUSTER = "outbound|8080||files.default.svc.cluster.local";

  private static final String H2_ONLY = "h2only.default.svc.cluster.local:7070";
  private static final String H2_ONLY_CLUSTER = "outbound|7070||h2only.default.svc.cluster.local";

  /** The HTTP/2 upstream behind a cluster that names no protocol (an Istio {@code http} port). */
  private static final String GRPC_ON_HTTP = "grpchttp.default.svc.cluster.local:7070";

  private static final String GRPC_ON_HTTP_CLUSTER =
      "outbound|7070||grpchttp.default.svc.cluster.local";

  /** What Istio sends for a gRPC or HTTP/2 port: the cluster speaks HTTP/2. */
  private static Cluster.Builder http2Cluster(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .putTypedExtensionProtocolOptions(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            com.google.protobuf.Any.pack(
                io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                    .setExplicitHttpConfig(
                        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                            .ExplicitHttpConfig.newBuilder()
                            .setHttp2ProtocolOptions(
                                io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions
                                    .getDefaultInstance()))
                    .build()));
  }

  private TestUpstream h2Upstream;
  private TestUpstream h1Upstream;
  private MeshFixture mesh;
  private OutboundEngine engine;
  private EventLoopGroup clientGroup;

  private static RouteConfiguration routes(String name, String cluster) {
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(name)
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/grpc.Unavailable/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster))
                        .putTypedPerFilterConfig(
                            "envoy.filters.http.fault",
                            com.google.protobuf.Any.pack(
                                io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault
                                    .newBuilder()
                                    .setAbort(
                                        io.envoyproxy.envoy.extensions.filters.http.fault.v3
                                            .FaultAbort.newBuilder()
                                            .setGrpcStatus(14)
                                            .setPercentage(
                                                io.envoyproxy.envoy.type.v3.FractionalPercent
                                                    .newBuilder()
                                                    .setNumerator(100)))
                                    .build())))
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster))))
        .build();
  }

  @BeforeEach
  void setUp() throws Exception {
    h2Upstream = new TestUpstream("h2", true, null);
    h1Upstream = new TestUpstream("h1", false, null);
    mesh =
        new MeshFixture()
            .httpListener(GRPC, routes(GRPC, GRPC_CLUSTER))
            .httpListener(FILES, routes(FILES, FILES_CLUSTER))
            // In the mesh (tlsMode: istio); the H2_ONLY cluster's same endpoint is not.
            .cluster(
                http2Cluster(GRPC_CLUSTER), java.util.Set.of(h2Upstream.port()), h2Upstream.port())
            .httpListener(H2_ONLY, routes(H2_ONLY, H2_ONLY_CLUSTER))
            .cluster(Cluster.newBuilder().setName(FILES_CLUSTER), h1Upstream.port())
            .cluster(http2Cluster(H2_ONLY_CLUSTER), h2Upstream.port())
            .httpListener(GRPC_ON_HTTP, routes(GRPC_ON_HTTP, GRPC_ON_HTTP_CLUSTER))
            .cluster(Cluster.newBuilder().setName(GRPC_ON_HTTP_CLUSTER), h2Upstream.port());
    engine = mesh.start();
    clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterEach
  void tearDown() {
    clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    mesh.close();
    h2Upstream.close();
    h1Upstream.close();
  }

  /** What an h2c stream received. */
  private static final class Received extends ChannelInboundHandlerAdapter {
    final CompletableFuture<Received> done = new CompletableFuture<>();
    final List<Integer> informational = new CopyOnWriteArrayList<>();
    volatile HttpResponse head;
    volatile HttpHeaders trailers;
    volatile long bytes;
    final StringBuffer body = new StringBuffer();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpResponse r
          && r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        // A 1xx before the response (the codec hands it over whole): not the response's end.
        informational.add(r.status().code());
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpResponse r) {
        head = r;
      }
      if (msg instanceof HttpContent c) {
        bytes += c.content().readableBytes();
        if (body.length() < 1024) {
          body.append(c.content().toString(UTF_8));
        }
        if (c instanceof LastHttpContent last) {
          trailers = last.trailingHeaders();
          done.complete(this);
        }
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      done.completeExceptionally(new IllegalStateException("stream closed early"));
    }
  }

  private Received h2c(InetSocketAddress local, FullHttpRequest request) throws Exception {
    Channel parent = h2cConnection(local);
    try {
      return stream(parent, request);
    } finally {
      parent.close();
    }
  }

  private Channel h2cConnection(InetSocketAddress local) throws InterruptedException {
    return new Bootstrap()
        .group(clientGroup)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline()
                    .addLast(
                        Http2FrameCodecBuilder.forClient().build(),
                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
              }
            })
        .connect(local)
        .sync()
        .channel();
  }

  /** A stream of {@code parent} that sends {@code parts} (a request head, then its body). */
  private static Received stream(Channel parent, Object... parts) throws Exception {
    Received received = new Received();
    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(parent)
            .handler(
                new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel ch) {
                    ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), received);
                  }
                })
            .open()
            .sync()
            .getNow();
    for (Object part : parts) {
      stream.write(part);
    }
    stream.flush();
    return received.done.get(20, TimeUnit.SECONDS);
  }

  /** The body of an h2c answer that {@link Received} kept. */
  private static String text(Received r) {
    return r.body.toString();
  }

  /** A unary gRPC call (one 1-byte message) to {@code authority}, which the upstream answers. */
  private static FullHttpRequest grpcCall(String authority) {
    // The upstream answers every /grpc… path like a gRPC server.
    FullHttpRequest call =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.POST,
            "/grpc.Reviews/Get",
            Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 1, 7}));
    call.headers()
        .set(HttpHeaderNames.HOST, authority)
        .set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
        .set("te", "trailers");
    return call;
  }

  @Test
  void grpcOverH2cPassesTrailersAndIsRecordedAsGrpc() throws Exception {
    FullHttpRequest call = grpcCall("grpc:7070");
    Received r = h2c(engine.listenerFor(GRPC), call);
    assertThat(r.head.status().code()).isEqualTo(200);
    assertThat(r.bytes).isEqualTo(6);
    assertThat(r.trailers.get("grpc-status")).isEqualTo("7");
    assertThat(r.trailers.get("grpc-message")).isEqualTo("denied by h2");
    HttpHeaders seen = h2Upstream.seen.peek();
    assertThat(seen.get("x-envoy-peer-metadata")).isNotNull();
    assertThat(mesh.prometheus())
        .contains("request_protocol=\"grpc\"")
        .contains("grpc_response_status=\"7\"");
  }

  @Test
  void h2cStreamsToAnHttp1ServiceGoOnAsHttp1RequestsOverOnePooledConnection() throws Exception {
    // FILES's cluster names no protocol: Envoy's default, HTTP/1.1, as for Istio's http ports.
    Channel parent = h2cConnection(engine.listenerFor(FILES));
    try {
      FullHttpRequest get =
          new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/files/a");
      get.headers().set(HttpHeaderNames.HOST, "files:8080");
      Received first = stream(parent, get);
      assertThat(first.head.status().code()).isEqualTo(200);
      assertThat(text(first)).isEqualTo("h1 ");
      // A body of unknown length, in two DATA frames: HTTP/1.1 needs it chunked.
      HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo");
      post.headers().set(HttpHeaderNames.HOST, "files:8080");
      Received second =
          stream(
              parent,
              post,
              new DefaultHttpContent(Unpooled.copiedBuffer("part one, ", UTF_8)),
              new DefaultLastHttpContent(Unpooled.copiedBuffer("part two", UTF_8)));
      assertThat(second.head.status().code()).isEqualTo(200);
      assertThat(text(second)).isEqualTo("h1 part one, part two");
    } finally {
      parent.close();
    }
    assertThat(h1Upstream.requests.get()).isEqualTo(2);
    assertThat(h1Upstream.connections.get()).isEqualTo(1);
    assertThat(h2Upstream.requests.get()).isZero();
    for (HttpHeaders seen : h1Upstream.seen) {
      // The stream codec's own headers are no one else's.
      assertThat(seen.names())
          .noneMatch(n -> n.toLowerCase(java.util.Locale.ROOT).startsWith("x-http2"));
      assertThat(seen.get("host")).isEqualTo("files:8080");
    }
  }

  @Test
  void anHttp1ConnectionTheServiceSaidItWouldCloseIsNotReusedForTheNextStream() throws Exception {
    Channel parent = h2cConnection(engine.listenerFor(FILES));
    try {
      for (int i = 0; i < 2; i++) {
        FullHttpRequest get =
            new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/close");
        get.headers().set(HttpHeaderNames.HOST, "files:8080");
        assertThat(stream(parent, get).head.status().code()).isEqualTo(200);
      }
    } finally {
      parent.close();
    }
    // The upstream keeps its end open after "Connection: close": only the engine can tell.
    assertThat(h1Upstream.requests.get()).isEqualTo(2);
    assertThat(h1Upstream.connections.get()).isEqualTo(2);
  }

  @Test
  void aGrpcCallKeepsHttp2ToAClusterThatNamesNoProtocol() throws Exception {
    Received r = h2c(engine.listenerFor(GRPC_ON_HTTP), grpcCall("grpchttp:7070"));
    // HTTP/1.1 to this HTTP/2-only upstream would be a 503: the call stayed on HTTP/2.
    assertThat(r.head.status().code()).isEqualTo(200);
    assertThat(r.trailers.get("grpc-status")).isEqualTo("7");
    assertThat(h2Upstream.requests.get()).isEqualTo(1);
  }

  @Test
  void anHttp1ApplicationReachesAnHttp2OnlyUpstream() throws Exception {
    try (Http1Client app = new Http1Client(engine.listenerFor(H2_ONLY))) {
      for (int i = 0; i < 3; i++) {
        Http1Client.Response r = app.send("POST", "/echo", "call " + i);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("h2 call " + i);
      }
    }
    // One HTTP/2 connection carried the three requests as streams.
    assertThat(h2Upstream.connections.get()).isEqualTo(1);
    assertThat(h2Upstream.seen.peek().get("host")).isEqualTo("reviews:9080");
    // An endpoint without Istio's tlsMode label is outside the mesh: not told who called.
    assertThat(h2Upstream.seen.peek().get("x-envoy-peer-metadata")).isNull();
    assertThat(h2Upstream.seen.peek().get("x-envoy-peer-metadata-id")).isNull();
  }

  @Test
  void aGrpcAbortFaultAnswersWithTheGrpcStatus() throws Exception {
    FullHttpRequest call =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.POST,
            "/grpc.Unavailable/Get",
            Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 0}));
    call.headers()
        .set(HttpHeaderNames.HOST, "grpc:7070")
        .set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    Received r = h2c(engine.listenerFor(GRPC), call);
    assertThat(r.head.status().code()).isEqualTo(200);
    // Trailers-only: the status travels in the one HEADERS frame.
    assertThat(r.head.headers().get("grpc-status")).isEqualTo("14");
    assertThat(h2Upstream.requests.get()).isZero();
    assertThat(mesh.prometheus())
        .contains("grpc_response_status=\"14\"")
        .contains("response_flags=\"FI\"");
  }

  @Test
  void anExpectContinueStreamGetsTheUpstreams100AndThenItsResponse() throws Exception {
    int size = 16 * 1024;
    FullHttpRequest upload =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.POST,
            "/count",
            Unpooled.wrappedBuffer(new byte[size]));
    upload
        .headers()
        .set(HttpHeaderNames.HOST, "grpc:7070")
        .set(HttpHeaderNames.EXPECT, "100-continue")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, size);
    Received r = h2c(engine.listenerFor(GRPC), upload);
    // The upstream's aggregator answered 100; it went to the application as its own HEADERS.
    assertThat(r.informational).containsExactly(100);
    assertThat(r.head.status().code()).isEqualTo(200);
    assertThat(r.bytes).isEqualTo(Integer.toString(size).length());
  }

  @Test
  void h2cStreamsALargeResponse() throws Exception {
    FullHttpRequest get =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/big?bytes=20000000");
    get.headers().set(HttpHeaderNames.HOST, "grpc:7070");
    Received r = h2c(engine.listenerFor(GRPC), get);
    assertThat(r.head.status().code()).isEqualTo(200);
    assertThat(r.bytes).isEqualTo(20_000_000);
  }

  @Test
  void a100MbDownloadFlowsWithBackpressure() throws Exception {
    long total = 100L * 1024 * 1024;
    // Loopback socket buffers autotune to several MB on each of the four sockets in the path;
    // without backpressure the whole 100 MB would pile up in the engine instead.
    long bound = 50L * 1024 * 1024;
    try (Http1Client app = new Http1Client(engine.listenerFor(FILES))) {
      app.writeHead("GET", "/big?bytes=" + total, null);
      Http1Client.Response head = app.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.headers().get("content-length")).isEqualTo(Long.toString(total));
      InputStream in = app.input();
      byte[] buffer = new byte[64 * 1024];
      long read = 0;
      boolean paused = false;
      while (read < total) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, total - read));
        assertThat(n).isPositive();
        read += n;
        if (!paused && read > 4 * 1024 * 1024) {
          paused = true;
          // The application stops reading: the upstream must stall within a bounded distance
          // (socket buffers and a little in the engine), not run on into the engine's memory.
          long last = -1;
          int stable = 0;
          for (int i = 0; i < 50 && stable < 3; i++) {
            Thread.sleep(100);
            long now = h1Upstream.produced.get();
            assertThat(now - read).as("bytes ahead of the application").isLessThan(bound);
            stable = now == last ? stable + 1 : 0;
            last = now;
          }
          assertThat(stable).as("the upstream stalled").isEqualTo(3);
        }
      }
      assertThat(read).isEqualTo(total);
    }
  }
}
