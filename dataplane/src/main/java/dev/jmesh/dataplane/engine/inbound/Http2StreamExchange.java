package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.bootstrap.MeshSpanFacts;
import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.trace.TraceHeaders;
import dev.jmesh.dataplane.trace.Tracing;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One downstream HTTP/2 stream: checks the request, opens a stream to the application on the
 * connection's shared h2c connection and relays frames both ways — headers, data and trailers, so
 * gRPC passes through whole. Backpressure follows the streams' flow control: a side whose peer
 * cannot take more stops reading, so it stops granting window to its sender.
 */
final class Http2StreamExchange extends ChannelInboundHandlerAdapter {

  private final Http2Downstream connection;
  private final RequestRecord record = new RequestRecord();
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private InboundTraffic.Edge edge;

  /** Whether the client sent its peer metadata: only a mesh peer gets ours back (Istio's rule). */
  private boolean meshPeer;
  private PolicyVerdict verdict = PolicyVerdict.CONTINUE;
  private Channel upstream;
  private boolean started;
  private boolean requestDone;
  private boolean responseStarted;
  private boolean responseDone;
  private boolean local;
  private boolean recorded;
  private long requestBodyBytes;

  Http2StreamExchange(Http2Downstream connection) {
    this.connection = connection;
  }

  private InboundLimits limits() {
    return connection.port().engine().limits();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2HeadersFrame headers) {
      if (!started) {
        start(headers);
      } else if (!local) {
        requestDone |= headers.isEndStream();
        forward(new DefaultHttp2HeadersFrame(headers.headers(), headers.isEndStream()));
      }
    } else if (msg instanceof Http2DataFrame data) {
      requestData(data);
    } else if (msg instanceof Http2ResetFrame) {
      record.addFlag(ResponseFlag.DC);
      ctx.close();
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void start(Http2HeadersFrame frame) {
    started = true;
    connection.port().engine().begin();
    record.start(System.currentTimeMillis(), System.nanoTime());
    record.cluster("inbound|" + connection.port().declared().getPort() + "||");
    Http2Headers h = frame.headers();
    requestDone = frame.isEndStream();
    String peerMetadata = InboundHeaders.takeClientOwned(h);
    meshPeer = peerMetadata != null;
    edge = connection.traffic().edge(peerMetadata);
    DownstreamPeer peer = connection.peer();
    record
        .traffic(edge.labels())
        .request(h.method(), h.authority(), h.path())
        .protocolVersion(RequestRecord.HTTP_2)
        .clientHeaders(h.get("user-agent"), h.get(InboundHeaders.XFF))
        .downstream(peer.connection().local(), peer.connection().remote())
        .peerPrincipal(peer.principal())
        .requestedServerName(peer.serverName());
    CharSequence contentType = h.get("content-type");
    if (contentType != null && contentType.toString().startsWith("application/grpc")) {
      record.protocol(RequestProtocol.GRPC);
    }
    if (h.size() > limits().maxRequestHeaders()) {
      localReply(LocalReply.of(431, "Request Header Fields Too Large", ResponseFlag.DPE.bit()));
      return;
    }
    CharSequence length = h.get("content-length");
    if (length != null && limits().bodyTooLarge(parseLength(length))) {
      localReply(LocalReply.of(413, "Payload Too Large", 0));
      return;
    }
    try {
      verdict =
          connection
              .chain()
              .httpPolicy()
              .check(new InboundHeaders.Http2Request(h, connection.peer().connection()));
    } catch (RuntimeException e) {
      MeshLog.warnOnce("inbound-policy-failure", "inbound HTTP policy failed: " + e);
      verdict = PolicyVerdict.deny(500, "policy failure", List.of());
    }
    if (!verdict.allowed()) {
      int flags = verdict.status() == 429 ? ResponseFlag.RL.bit() : 0;
      localReply(
          new LocalReply(verdict.status(), verdict.body(), verdict.responseHeaders(), flags));
      return;
    }
    InboundHeaders.forward(h, connection.peer(), verdict);
    record.requestId(InboundHeaders.requestId(h));
    if (MeshSpanFacts.attached()) {
      record.spanKey(MeshSpanFacts.keyOf(h.get("traceparent")));
    }
    Tracing tracing = connection.chain().tracing();
    if (tracing != null
        && tracing.startServer(h::get, record, ThreadLocalRandom.current().nextLong())) {
      // The application sees this span as its caller, so its own calls become its children.
      TraceHeaders.inject(record, h::set);
    }
    pending.add(new DefaultHttp2HeadersFrame(h, frame.isEndStream()));
    ctx.channel().config().setAutoRead(false);
    Future<Channel> app = connection.application();
    if (app.isDone()) {
      openStream(app);
    } else {
      app.addListener(f -> openStream(app));
    }
  }

  private static long parseLength(CharSequence value) {
    try {
      return Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void openStream(Future<Channel> app) {
    if (!app.isSuccess()) {
      connectFailed();
      return;
    }
    new Http2StreamChannelBootstrap(app.getNow())
        .handler(new UpstreamStream())
        .open()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                connectFailed();
                return;
              }
              Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
              if (!ctx.channel().isActive()) {
                stream.close();
                return;
              }
              upstream = stream;
              InetSocketAddress application = connection.port().application();
              record
                  .upstreamStarted(System.nanoTime())
                  .upstreamHost(application.getHostString() + ":" + application.getPort())
                  .upstreamLocalAddress(stream.localAddress());
              while (!pending.isEmpty()) {
                upstream.write(pending.poll(), upstream.voidPromise());
              }
              upstream.flush();
              ctx.channel().config().setAutoRead(true);
              ctx.read();
            });
  }

  private void connectFailed() {
    release();
    localReply(
        LocalReply.of(
            503,
            "upstream connect error or disconnect/reset before headers. reset reason: connection"
                + " failure",
            ResponseFlag.UF.bit()));
  }

  private void requestData(Http2DataFrame data) {
    if (local || responseDone && upstream == null) {
      data.release();
      return;
    }
    int n = data.content().readableBytes();
    requestBodyBytes += n;
    record.addBytesReceived(n);
    requestDone |= data.isEndStream();
    if (limits().bodyTooLarge(requestBodyBytes)) {
      data.release();
      if (!responseStarted) {
        localReply(LocalReply.of(413, "Payload Too Large", 0));
      } else {
        ctx.close();
      }
      if (upstream != null) {
        upstream.close();
      }
      return;
    }
    forward(new DefaultHttp2DataFrame(data.content(), data.isEndStream(), data.padding()));
  }

  private void forward(Object frame) {
    if (upstream == null) {
      pending.add(frame);
      return;
    }
    upstream.write(frame, upstream.voidPromise());
    if (!upstream.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (upstream != null) {
      upstream.flush();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && upstream != null) {
      upstream.config().setAutoRead(true);
      upstream.read();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    if (upstream != null) {
      upstream.close();
    }
    if (started && !responseDone) {
      record.addFlag(ResponseFlag.DC);
    }
    finishRecord();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private void release() {
    while (!pending.isEmpty()) {
      ReferenceCountUtil.release(pending.poll());
    }
  }

  private void localReply(LocalReply reply) {
    local = true;
    responseStarted = true;
    responseDone = true;
    record.responseCode(reply.status()).responseFlags(reply.flags());
    Http2Headers h = new DefaultHttp2Headers().status(Integer.toString(reply.status()));
    h.set("content-type", "text/plain");
    for (Map.Entry<String, String> e : reply.headers()) {
      h.add(InboundHeaders.lower(e.getKey()), e.getValue());
    }
    if (meshPeer) {
      h.set(PeerMetadata.HEADER, connection.port().engine().selfMetadata());
    }
    ByteBuf body = reply.content(ctx.alloc());
    record.addBytesSent(body.readableBytes());
    ctx.write(new DefaultHttp2HeadersFrame(h, false));
    ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
    finishRecord();
    if (!requestDone) {
      // The rest of the request is not wanted: the stream is reset once the reply is out.
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void finishRecord() {
    if (recorded || !started) {
      return;
    }
    recorded = true;
    record.finish(System.nanoTime());
    connection.port().engine().context().metrics().record(edge.series(), record);
    AccessLog log = connection.chain().accessLog();
    if (log != null) {
      log.record(record);
    }
    connection.port().engine().end();
  }

  private void grpcStatus(Http2Headers h) {
    CharSequence value = h.get("grpc-status");
    if (value != null) {
      try {
        record.grpcStatus(Integer.parseInt(value.toString().trim()));
      } catch (NumberFormatException e) {
        record.grpcStatus(2);
      }
    }
  }

  /** The application's end of the stream: the response goes back down. */
  private final class UpstreamStream extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext up, Object msg) {
      if (responseDone) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof Http2HeadersFrame frame) {
        Http2Headers h = frame.headers();
        if (!responseStarted) {
          CharSequence status = h.status();
          int code = status == null ? 0 : Integer.parseInt(status.toString());
          if (code >= 100 && code < 200) {
            ctx.write(new DefaultHttp2HeadersFrame(h, false));
            return;
          }
          responseStarted = true;
          record.responseCode(code).responseCodeDetails(Http1Exchange.VIA_UPSTREAM);
          for (Map.Entry<String, String> e : verdict.responseHeaders()) {
            h.add(InboundHeaders.lower(e.getKey()), e.getValue());
          }
          if (meshPeer) {
      h.set(PeerMetadata.HEADER, connection.port().engine().selfMetadata());
    }
        }
        if (frame.isEndStream()) {
          grpcStatus(h);
        }
        ctx.write(new DefaultHttp2HeadersFrame(h, frame.isEndStream()));
        ended(frame.isEndStream());
      } else if (msg instanceof Http2DataFrame data) {
        record.addBytesSent(data.content().readableBytes());
        ctx.write(new DefaultHttp2DataFrame(data.content(), data.isEndStream(), data.padding()));
        if (!ctx.channel().isWritable()) {
          up.channel().config().setAutoRead(false);
        }
        ended(data.isEndStream());
      } else if (msg instanceof Http2ResetFrame) {
        upstreamGone(up);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    private void ended(boolean endStream) {
      if (endStream) {
        responseDone = true;
        record.upstreamFinished(System.nanoTime());
        ctx.flush();
        finishRecord();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext up) {
      ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext up) {
      if (up.channel().isWritable()) {
        ctx.channel().config().setAutoRead(true);
        ctx.read();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext up) {
      upstreamGone(up);
    }

    private void upstreamGone(ChannelHandlerContext up) {
      if (responseDone) {
        return;
      }
      upstream = null;
      if (!responseStarted) {
        localReply(
            LocalReply.of(
                503,
                "upstream connect error or disconnect/reset before headers. reset reason:"
                    + " connection termination",
                ResponseFlag.UC.bit()));
      } else {
        record.addFlag(ResponseFlag.UR);
        responseDone = true;
        finishRecord();
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext up, Throwable cause) {
      up.close();
    }
  }
}
