package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.log.MeshLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;

/**
 * One downstream HTTP/2 connection (h2 by ALPN, or h2c with prior knowledge), relayed frame by
 * frame: Netty's connection handler decodes, and each stream's headers and data go straight to its
 * {@link Http2StreamExchange}. No stream gets a channel, a pipeline or an event-loop registration of
 * its own (Netty's {@code Http2MultiplexHandler} costs those for every request, which a proxy
 * answering tens of thousands of streams a second cannot afford). Streams to an application that
 * speaks HTTP/2 share one h2c connection, opened with the first of them (gRPC servers speak HTTP/2
 * only). A drain sends GOAWAY; closing either connection closes the other.
 *
 * <p>Flow control is the request's backpressure: the bytes of a DATA frame are returned to the
 * client's window only once the application's side took them, so a client whose application
 * cannot keep up runs out of window instead of filling the engine's memory.
 */
final class Http2Downstream extends Http2ConnectionHandler {

  private final ServedPort port;
  private final InboundChain chain;
  private final DownstreamPeer peer;
  private final InboundTraffic traffic;
  private final Http2Connection.PropertyKey exchangeKey;

  /** The record's cluster and upstream host, the same for every stream: made once. */
  private final String inboundCluster;

  private final String applicationAuthority;

  /** The streams that read something in this read batch: each flushes its application side once. */
  private final ArrayList<Http2StreamExchange> readInBatch = new ArrayList<>();

  private ChannelHandlerContext ctx;
  private Http1AppPool appPool;
  private Promise<Channel> application;

  private Http2Downstream(
      Http2ConnectionDecoder decoder,
      Http2ConnectionEncoder encoder,
      Http2Settings settings,
      ServedPort port,
      InboundChain chain,
      DownstreamPeer peer) {
    super(decoder, encoder, settings);
    this.port = port;
    this.chain = chain;
    this.peer = peer;
    this.traffic = new InboundTraffic(port.engine().context(), peer);
    this.exchangeKey = connection().newKey();
    this.inboundCluster = "inbound|" + port.declared().getPort() + "||";
    this.applicationAuthority =
        port.application().getHostString() + ":" + port.application().getPort();
    decoder.frameListener(new RequestFrames());
    connection().addListener(new StreamEnds());
    connection().remote().flowController().listener(this::streamWritabilityChanged);
  }

  static void install(ServedPort port, ChannelPipeline p, InboundChain chain, DownstreamPeer peer) {
    p.addLast(
        "h2",
        new Builder(port, chain, peer)
            .initialSettings(
                Http2Settings.defaultSettings()
                    .maxHeaderListSize(port.engine().limits().maxRequestHeadersBytes()))
            .build());
  }

  ServedPort port() {
    return port;
  }

  InboundChain chain() {
    return chain;
  }

  DownstreamPeer peer() {
    return peer;
  }

  InboundTraffic traffic() {
    return traffic;
  }

  String inboundCluster() {
    return inboundCluster;
  }

  String applicationAuthority() {
    return applicationAuthority;
  }

  /** The keep-alive pool to an HTTP/1.1 application of this connection's event loop. */
  Http1AppPool appPool() {
    return appPool;
  }

  ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    this.appPool = port.pool(ctx.channel().eventLoop());
    super.handlerAdded(ctx);
  }

  // What a stream's exchange writes. Each write has a promise of its own, so that a write to a
  // stream the client has reset fails that write alone.

  void writeHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
    encoder().writeHeaders(ctx, stream.id(), headers, 0, endStream, ctx.newPromise());
  }

  void writeData(Http2Stream stream, ByteBuf data, boolean endStream) {
    encoder().writeData(ctx, stream.id(), data, 0, endStream, ctx.newPromise());
  }

  /** Sends what the streams wrote: flow control's queue first, then the socket. */
  void flush() {
    flush(ctx);
  }

  /** Whether the client's window and the socket take more of {@code stream}'s response. */
  boolean isWritable(Http2Stream stream) {
    return connection().remote().flowController().isWritable(stream);
  }

  /** Gives the client back {@code bytes} of window: the application's side took them. */
  void consumed(Http2Stream stream, int bytes) {
    try {
      connection().local().flowController().consumeBytes(stream, bytes);
    } catch (Http2Exception e) {
      onError(ctx, true, e);
    }
  }

  /** Cuts one stream (RST_STREAM); the others carry on. */
  void reset(Http2Stream stream, Http2Error error) {
    resetStream(ctx, stream.id(), error.code(), ctx.newPromise());
    flush(ctx);
  }

  /** The h2c connection to the application, opened on first use; on the downstream's loop. */
  Future<Channel> application() {
    if (application != null && (!application.isDone() || isActive(application))) {
      return application;
    }
    Channel downstream = ctx.channel();
    Promise<Channel> promise = downstream.eventLoop().newPromise();
    application = promise;
    ChannelFuture dialed =
        port.dialer()
            .dial(
                downstream.eventLoop(),
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                    ch.pipeline()
                        .addLast(
                            new Http2MultiplexHandler(
                                new ChannelInboundHandlerAdapter() {
                                  @Override
                                  public void channelRead(ChannelHandlerContext c, Object msg) {
                                    // The application may not push streams to the engine.
                                    ReferenceCountUtil.release(msg);
                                    c.close();
                                  }
                                }));
                  }
                });
    dialed.addListener(
        f -> {
          if (f.isSuccess()) {
            Channel app = dialed.channel();
            app.closeFuture().addListener(c -> downstream.close());
            if (!downstream.isActive()) {
              app.close();
            }
            promise.setSuccess(app);
          } else {
            promise.setFailure(f.cause());
          }
        });
    return promise;
  }

  private static boolean isActive(Future<Channel> f) {
    return f.isSuccess() && f.getNow().isActive();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    for (int i = 0; i < readInBatch.size(); i++) {
      readInBatch.get(i).requestBatchEnded();
    }
    readInBatch.clear();
    super.channelReadComplete(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == InboundEngine.DRAIN) {
      goAway(
          ctx,
          connection().remote().lastStreamCreated(),
          Http2Error.NO_ERROR.code(),
          Unpooled.EMPTY_BUFFER,
          ctx.newPromise());
      flush(ctx);
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    // Closes every stream first, so each exchange records its client as gone.
    super.channelInactive(ctx);
    if (application != null && application.isSuccess()) {
      application.getNow().close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
      super.exceptionCaught(ctx, cause);
    } else {
      ctx.close();
    }
  }

  private Http2StreamExchange exchange(int streamId) {
    Http2Stream stream = connection().stream(streamId);
    return stream == null ? null : stream.getProperty(exchangeKey);
  }

  private void readIn(Http2StreamExchange exchange) {
    if (exchange.markRead()) {
      readInBatch.add(exchange);
    }
  }

  private void streamWritabilityChanged(Http2Stream stream) {
    Http2StreamExchange exchange = stream.getProperty(exchangeKey);
    if (exchange != null && isWritable(stream)) {
      exchange.downstreamWritable();
    }
  }

  /**
   * A failure in one stream's handling resets that stream alone; thrown out of the listener as
   * anything but a stream error, it would take the whole connection down.
   */
  private static Http2Exception streamFailure(int streamId, RuntimeException e) {
    MeshLog.warnOnce("inbound-h2-stream-failure", "inbound HTTP/2 stream failed: " + e);
    return Http2Exception.streamError(
        streamId, Http2Error.INTERNAL_ERROR, e, "inbound stream failed: %s", e);
  }

  /** The client's frames, each handed to its stream's exchange. */
  private final class RequestFrames extends Http2FrameAdapter {

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx,
        int streamId,
        Http2Headers headers,
        int streamDependency,
        short weight,
        boolean exclusive,
        int padding,
        boolean endStream)
        throws Http2Exception {
      onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean end)
        throws Http2Exception {
      try {
        Http2StreamExchange exchange = exchange(streamId);
        if (exchange == null) {
          Http2Stream stream = connection().stream(streamId);
          if (stream == null) {
            return;
          }
          exchange = new Http2StreamExchange(Http2Downstream.this, stream);
          stream.setProperty(exchangeKey, exchange);
          readIn(exchange);
          exchange.start(headers, end);
        } else {
          readIn(exchange);
          exchange.requestTrailers(headers, end);
        }
      } catch (RuntimeException e) {
        throw streamFailure(streamId, e);
      }
    }

    @Override
    public int onDataRead(
        ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
        throws Http2Exception {
      Http2StreamExchange exchange = exchange(streamId);
      if (exchange == null) {
        return data.readableBytes() + padding;
      }
      try {
        readIn(exchange);
        return exchange.requestData(data.retain(), padding, endOfStream);
      } catch (RuntimeException e) {
        throw streamFailure(streamId, e);
      }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      Http2StreamExchange exchange = exchange(streamId);
      if (exchange != null) {
        exchange.clientReset();
      }
    }
  }

  /** A closed stream (both ends done, reset, or the connection gone) ends its exchange. */
  private final class StreamEnds extends Http2ConnectionAdapter {
    @Override
    public void onStreamClosed(Http2Stream stream) {
      Http2StreamExchange exchange = stream.removeProperty(exchangeKey);
      if (exchange != null) {
        exchange.closed();
      }
    }
  }

  private static final class Builder
      extends AbstractHttp2ConnectionHandlerBuilder<Http2Downstream, Builder> {
    private final ServedPort port;
    private final InboundChain chain;
    private final DownstreamPeer peer;

    Builder(ServedPort port, InboundChain chain, DownstreamPeer peer) {
      this.port = port;
      this.chain = chain;
      this.peer = peer;
      server(true);
      // Netty's default, made explicit: the HTTP/1.1 request made of a stream's headers copies
      // them unchecked (Http1ApplicationStream), relying on the decoder's checks of every name
      // and value.
      validateHeaders(true);
    }

    @Override
    protected Builder initialSettings(Http2Settings settings) {
      return super.initialSettings(settings);
    }

    @Override
    protected Http2Downstream build() {
      return super.build();
    }

    @Override
    protected Http2Downstream build(
        Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
      return new Http2Downstream(decoder, encoder, settings, port, chain, peer);
    }
  }
}
