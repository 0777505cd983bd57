package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.bootstrap.MeshSpanFacts;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.LocalFailure;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.engine.Http2StreamRequests;
import dev.jmesh.dataplane.engine.MeshHeaderNames;
import dev.jmesh.dataplane.engine.RequestTargets;
import dev.jmesh.dataplane.outbound.Exchange;
import dev.jmesh.dataplane.record.RequestIds;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.route.Route;
import dev.jmesh.dataplane.route.UpstreamFailure;
import dev.jmesh.dataplane.trace.TraceHeaders;
import dev.jmesh.dataplane.trace.Tracing;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP side of the outbound engine for one downstream HTTP/1.1 connection (its requests one
 * after the other) or one HTTP/2 stream: routes each request with {@link
 * dev.jmesh.dataplane.outbound.OutboundRouter}, answers locally or forwards it to the picked host
 * over a pooled upstream connection (HTTP/2 streams go to HTTP/2 upstreams, so gRPC trailers pass),
 * and drives retries, timeouts and the record through the {@link Exchange}. Bodies stream with
 * backpressure both ways; a request body is kept for replay only when a retry policy applies and it
 * fits {@link OutboundLimits#maxBufferedRequestBody()}. Everything runs on the downstream channel's
 * event loop; waits are timer tasks.
 */
final class HttpExchange extends ChannelInboundHandlerAdapter implements UpstreamStream.Listener {

  /** Fired through the pipeline when the engine drains. */
  static final Object DRAIN = new Object();

  private static final int PENDING_HIGH_WATER = 64 * 1024;

  private final OutboundRuntime rt;
  private final String destination;

  /** The mesh endpoint's IP the application connected to, as text; {@code null}: none. */
  private final String endpointAddress;

  private final int endpointPort;
  private final boolean h2;
  private final Exchange x = new Exchange();
  private final RequestHeadersView view = new RequestHeadersView();
  private final RequestBody body = new RequestBody();

  /** What arrived of the next HTTP/1.1 request while this one's response was awaited. */
  private final ArrayDeque<Object> early = new ArrayDeque<>();

  private ChannelHandlerContext ctx;
  private String sourceIp;

  // One request.
  private boolean active;

  /** The router decided this request, so the exchange has a record to finish. */
  private boolean decided;

  private boolean forwarding;
  private boolean grpc;
  private boolean keepAlive;
  private HttpRequest head;

  /** The h2 stream ended with the request's headers: no body follows them. */
  private boolean headEndsStream;
  private boolean traceInject;
  private boolean requestComplete;
  private boolean responseComplete;
  private boolean started;
  private boolean waiting;
  private boolean attemptOpen;
  private long requestBytes;
  private long responseBytes;
  private int status;
  private int grpcStatus;
  private ScheduledFuture<?> overall;

  /**
   * The write of the response's end when something waits on it (the connection closes after it),
   * else {@code null}: the other writes to the application go out with void promises.
   */
  private ChannelFuture lastWrite;

  /** Inside a read batch of the application's HTTP/1.1 connection (see channelReadComplete). */
  private boolean inDownstreamRead;

  /** An upstream written to in this read batch and not flushed yet. */
  private Channel unflushedUpstream;

  /** Response parts written to the application, flushed at the end of the upstream's read batch. */
  private boolean unflushedResponse;

  // One attempt.
  private int attemptSeq;
  private Channel upstream;
  private UpstreamStream upstreamHandler;
  private UpstreamPool.Key key;
  private boolean responseStarted;

  /** The attempt went out on a pooled keep-alive connection, which the host may have closed. */
  private boolean reused;

  /** The next try must open a new connection (the pooled one was found dead). */
  private boolean fresh;

  private boolean upstreamKeepAlive;
  private boolean informational;

  /**
   * Both sides of this attempt are HTTP/1.1: response parts are written as they are decoded and
   * flushed once per upstream read batch, so a head and body that arrive together leave together.
   */
  private boolean batched;
  private ScheduledFuture<?> perTry;

  HttpExchange(OutboundRuntime rt, String destination, InetSocketAddress endpoint, boolean h2) {
    this.rt = rt;
    this.destination = destination;
    this.endpointAddress = endpoint == null ? null : endpoint.getAddress().getHostAddress();
    this.endpointPort = endpoint == null ? 0 : endpoint.getPort();
    this.h2 = h2;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  // ---- downstream ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inDownstreamRead = !h2;
    if (!h2 && (!early.isEmpty() || (active && requestComplete))) {
      // The next request, pipelined (the connection is read on while a response is awaited, see
      // updateDownstreamRead): it waits, with reading paused, until this exchange ends.
      early.add(msg);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest) {
      if (active) {
        // A request head before the end of the one in flight: not HTTP/1.1 a decoder emits.
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      onRequest((HttpRequest) msg);
    }
    if (msg instanceof HttpContent) {
      onContent((HttpContent) msg);
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(HttpRequest req) {
    active = true;
    decided = false;
    forwarding = false;
    requestComplete = false;
    responseComplete = false;
    responseStarted = false;
    started = false;
    waiting = false;
    attemptOpen = false;
    requestBytes = 0;
    responseBytes = 0;
    status = 0;
    grpcStatus = -1;
    lastWrite = null;
    headEndsStream = req instanceof LastHttpContent;
    head =
        req instanceof FullHttpRequest
            ? new DefaultHttpRequest(req.protocolVersion(), req.method(), req.uri(), req.headers())
            : req;
    keepAlive = h2 || HttpUtil.isKeepAlive(req);
    String contentType = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
    grpc = contentType != null && contentType.startsWith("application/grpc");
    if (req.decoderResult().isFailure()) {
      keepAlive = false;
      boolean tooLong = req.decoderResult().cause() instanceof TooLongFrameException;
      beginLocal();
      reply(tooLong ? 431 : 400, tooLong ? "request headers too large" : "bad request", -1);
      return;
    }
    if (req.headers().size() > rt.limits.maxRequestHeaders()) {
      keepAlive = false;
      beginLocal();
      reply(431, "too many request headers", -1);
      return;
    }
    if (!RequestTargets.ascii(req.uri())) {
      keepAlive = false;
      beginLocal();
      reply(400, "bad request", -1);
      return;
    }
    rt.router.decide(
        rt.snapshot().listener(destination),
        view.of(head),
        sourceIp(),
        endpointAddress,
        endpointPort,
        ThreadLocalRandom.current().nextLong(),
        x);
    decided = true;
    Tracing tracing = x.tracing();
    traceInject =
        tracing != null
            && tracing.startClient(
                head.headers()::get, null, x.record(), ThreadLocalRandom.current().nextLong());
    x.record()
        .protocol(grpc ? RequestProtocol.GRPC : RequestProtocol.HTTP)
        .protocolVersion(h2 ? RequestRecord.HTTP_2 : req.protocolVersion().text())
        .downstream(ctx.channel().localAddress(), ctx.channel().remoteAddress());
    switch (x.action()) {
      case FORWARD:
        forwarding = true;
        attemptOpen = true;
        body.reset(x.route().retryPolicy() != null && fitsForReplay(req));
        prepareHead();
        if (x.delayNanos() > 0) {
          delayThen(x.delayNanos(), this::maybeStart);
        } else {
          maybeStart();
        }
        break;
      case REDIRECT:
        beginLocal();
        replyRedirect();
        break;
      case DIRECT_RESPONSE:
        beginLocal();
        String text = x.route().directResponse().body();
        reply(x.localStatus(), text == null ? "" : text, -1);
        break;
      case FAULT_ABORT:
        beginLocal();
        if (x.delayNanos() > 0) {
          delayThen(
              x.delayNanos(), () -> reply(x.localStatus(), LocalReply.FAULT, x.localGrpcStatus()));
        } else {
          reply(x.localStatus(), LocalReply.FAULT, x.localGrpcStatus());
        }
        break;
      case NO_ROUTE:
        beginLocal();
        reply(x.localStatus(), LocalReply.NO_ROUTE, -1);
        break;
      case NO_HEALTHY_UPSTREAM:
        beginLocal();
        reply(x.localStatus(), LocalReply.NO_HEALTHY, -1);
        break;
      case OVERFLOW:
        beginLocal();
        reply(x.localStatus(), LocalReply.OVERFLOW, -1);
        break;
      default:
        beginLocal();
        reply(x.localStatus() == 0 ? 503 : x.localStatus(), "", -1);
        break;
    }
  }

  private void beginLocal() {
    forwarding = false;
  }

  /** The application's address, formatted once per connection (or stream), not per request. */
  private String sourceIp() {
    String ip = sourceIp;
    if (ip == null) {
      ip =
          ctx.channel().remoteAddress() instanceof InetSocketAddress a
              ? a.getAddress().getHostAddress()
              : "127.0.0.1";
      sourceIp = ip;
    }
    return ip;
  }

  private boolean fitsForReplay(HttpRequest req) {
    if (HttpUtil.is100ContinueExpected(req)) {
      // The application waits for the upstream's 100 before sending the body: stream it.
      return false;
    }
    if (req instanceof FullHttpRequest full) {
      return full.content().readableBytes() <= rt.limits.maxBufferedRequestBody();
    }
    if (HttpUtil.isTransferEncodingChunked(req)) {
      return false;
    }
    String length = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
    if (length == null) {
      // HTTP/1.1 without a length has no body; an HTTP/2 stream without one may be endless.
      return !h2;
    }
    try {
      return Long.parseLong(length.trim()) <= rt.limits.maxBufferedRequestBody();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The upstream request: the route's header changes, peer metadata (to an endpoint in the mesh),
   * the original authority.
   */
  private void prepareHead() {
    HttpHeaders h = head.headers();
    Route route = x.route();
    if (route.pathRewrite() != null) {
      head.setUri(route.pathRewrite().rewrite(head.uri()));
    }
    if (route.hostRewrite() != null) {
      // An explicit host_rewrite_literal; otherwise the application's authority goes on as is.
      h.set(HttpHeaderNames.HOST, route.hostRewrite());
    }
    HeaderEdits.apply(x.requestHeaders(), h);
    if (x.record().requestId() == null && !h.contains(MeshHeaderNames.REQUEST_ID)) {
      // As Envoy's connection manager does: the request gets an id that both sides log.
      String id = RequestIds.newId();
      h.set(MeshHeaderNames.REQUEST_ID, id);
      x.record().requestId(id);
    }
    if (MeshSpanFacts.attached()) {
      // The application's tracer put its client span here (the engine has no tracer's context).
      x.record().spanKey(MeshSpanFacts.keyOf(h.get(MeshHeaderNames.TRACEPARENT)));
    }
    if (x.host() != null && x.host().endpoint().inMesh()) {
      // Istio's IN_MESH exchange: only a mesh proxy reads the caller's workload. Decided by the
      // first attempt's endpoint; a cluster mixes meshed and unmeshed endpoints only in migration.
      h.set(MeshHeaderNames.PEER_METADATA, rt.peerMetadata);
      h.set(MeshHeaderNames.PEER_METADATA_ID, rt.peerMetadataId);
    }
    if (traceInject) {
      // The client span goes out as the parent of the server's, as Envoy's tracer writes it.
      TraceHeaders.inject(x.record(), h::set);
    }
    if (!h2) {
      h.remove(MeshHeaderNames.PROXY_CONNECTION);
      h.remove(HttpHeaderNames.KEEP_ALIVE);
      if (!isUpgrade(head)) {
        h.remove(HttpHeaderNames.CONNECTION);
      }
    }
  }

  private static boolean isUpgrade(HttpMessage m) {
    return m.headers().contains(HttpHeaderNames.UPGRADE)
        && m.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
  }

  private void onContent(HttpContent c) {
    HttpContent part = c;
    if (c instanceof HttpMessage) {
      // A full message: its content travels on as a content part of its own.
      part =
          c instanceof LastHttpContent l
              ? new DefaultLastHttpContent(c.content(), l.trailingHeaders())
              : new DefaultHttpContent(c.content());
    }
    boolean last = part instanceof LastHttpContent;
    requestBytes += part.content().readableBytes();
    if (!forwarding || responseComplete) {
      part.release();
    } else if (body.add(part, ctx.alloc(), waiting ? null : upstream)) {
      flushUpstream(upstream);
    }
    if (last) {
      requestComplete = true;
      if (forwarding && !started && !waiting && !responseComplete) {
        maybeStart();
      }
      if (responseComplete) {
        endRequest();
        return;
      }
    }
    updateDownstreamRead();
  }

  /**
   * The end of a read batch of the application's connection: what it sent upstream in the batch
   * (a request head and its body, or several body parts) leaves in one flush, not one per part.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inDownstreamRead = false;
    Channel c = unflushedUpstream;
    if (c != null) {
      unflushedUpstream = null;
      c.flush();
    }
    ctx.fireChannelReadComplete();
  }

  /** Sends what was written to {@code c}: now, or with the rest of the application's read batch. */
  private void flushUpstream(Channel c) {
    if (!inDownstreamRead || c instanceof Http2StreamChannel) {
      c.flush();
      return;
    }
    Channel pending = unflushedUpstream;
    if (pending != null && pending != c) {
      pending.flush();
    }
    unflushedUpstream = c;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && upstream != null && responseStarted) {
      upstream.config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == DRAIN) {
      keepAlive = false;
      if (!active) {
        ctx.close();
      }
      return;
    }
    if (evt instanceof ChannelInputShutdownEvent) {
      // The application shut its sending side (the connection is read on while a response is
      // awaited, so this is seen at once): a whole request is still answered, then the
      // connection closes; half a request never will be.
      keepAlive = false;
      if (!active || !requestComplete) {
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (active && !responseComplete) {
      attemptSeq++;
      cancelTimers();
      discardUpstream();
      if (attemptOpen && x.host() != null) {
        // The application went away: the host is not to blame, so no failure is counted.
        x.host().requestFinished(0);
        attemptOpen = false;
      }
      responseComplete = true;
      if (decided) {
        x.record().addFlag(ResponseFlag.DC);
        x.finish(status, grpcStatus, requestBytes, responseBytes, System.nanoTime());
      }
    }
    body.release();
    for (Object m; (m = early.poll()) != null; ) {
      ReferenceCountUtil.release(m);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private void updateDownstreamRead() {
    boolean read;
    if (!early.isEmpty()) {
      read = false;
    } else if (!active) {
      read = !rt.draining || h2;
    } else if (requestComplete) {
      // Read on while the response is awaited: pausing and resuming would cost two epoll_ctl
      // calls per request; what arrives meanwhile (a pipelined request) waits in early.
      read = true;
    } else if (!forwarding || body.replayable()) {
      read = true;
    } else if (upstream == null || waiting) {
      read = body.pendingBytes() < PENDING_HIGH_WATER;
    } else {
      read = upstream.isWritable();
    }
    ctx.channel().config().setAutoRead(read);
  }

  // ---- attempts ----

  private void delayThen(long nanos, Runnable then) {
    waiting = true;
    Channel ch = ctx.channel();
    int seq = attemptSeq;
    rt.context
        .timer()
        .schedule(
            () ->
                ch.eventLoop()
                    .execute(
                        () -> {
                          if (seq != attemptSeq || responseComplete || !ch.isActive()) {
                            return;
                          }
                          waiting = false;
                          then.run();
                        }),
            nanos);
  }

  private void maybeStart() {
    if (body.replayable() && !requestComplete) {
      return; // the body is kept whole first, to replay it on a retry
    }
    startAttempt();
  }

  private void startAttempt() {
    started = true;
    Host host = x.host();
    UpstreamCluster cluster = x.cluster();
    int seq = ++attemptSeq;
    responseStarted = false;
    reused = false;
    informational = false;
    if (overall == null && x.timeoutNanos() > 0) {
      overall =
          ctx.executor().schedule(this::overallTimeout, x.timeoutNanos(), TimeUnit.NANOSECONDS);
    }
    long perTryNanos = x.perTryTimeoutNanos();
    if (perTryNanos > 0 && perTryNanos != x.timeoutNanos()) {
      perTry = ctx.executor().schedule(() -> perTryTimeout(seq), perTryNanos, TimeUnit.NANOSECONDS);
    }
    UpstreamTls.Choice tls = rt.tlsFor(cluster, host);
    if (tls != UpstreamTls.PLAINTEXT && !tls.secure()) {
      // mTLS is configured but cannot be done: never fall back to plaintext.
      attemptFailed(seq, UpstreamFailure.CONNECT_FAILURE);
      return;
    }
    key = new UpstreamPool.Key(host.address(), host.port(), tls, cluster.connectionReuse());
    int connectMillis =
        (int)
            Math.max(
                1,
                Math.min(
                    TimeUnit.NANOSECONDS.toMillis(cluster.connectTimeoutNanos()),
                    rt.limits.connectTimeout().toMillis()));
    UpstreamPool pool = rt.pool(ctx.channel().eventLoop());
    if (OutboundRuntime.upstreamHttp2(cluster, h2, grpc)) {
      pool.openStream(key, connectMillis).addListener(f -> connected(seq, f));
    } else {
      if (h2) {
        Http2StreamRequests.asHttp1(head, !headEndsStream);
      }
      Channel idle = fresh ? null : pool.pollIdle(key);
      fresh = false;
      if (idle != null) {
        reused = true;
        attach(seq, idle);
      } else {
        pool.connectHttp1(key, connectMillis).addListener(f -> connected(seq, f));
      }
    }
  }

  private void connected(int seq, Future<?> f) {
    if (!f.isSuccess()) {
      attemptFailed(seq, UpstreamFailure.CONNECT_FAILURE);
      return;
    }
    Channel c = (Channel) f.getNow();
    if (seq != attemptSeq || responseComplete) {
      if (c instanceof Http2StreamChannel) {
        c.close();
      } else {
        rt.pool(c.eventLoop()).release(key, c);
      }
      return;
    }
    attach(seq, c);
  }

  private void attach(int seq, Channel c) {
    upstream = c;
    upstreamHandler = c.pipeline().get(UpstreamStream.class);
    upstreamHandler.attach(this);
    c.config().setAutoRead(true);
    x.record().upstreamStarted(System.nanoTime()).upstreamLocalAddress(c.localAddress());
    batched = !h2 && !(c instanceof Http2StreamChannel);
    c.write(head, RequestBody.unwatched(c));
    body.writeTo(c, ctx.alloc());
    flushUpstream(c);
    updateDownstreamRead();
  }

  private void attemptFailed(int seq, UpstreamFailure failure) {
    if (seq != attemptSeq || responseComplete || responseStarted) {
      return;
    }
    cancel(perTry);
    perTry = null;
    discardUpstream();
    boolean retry = attemptEnded(0, -1, failure);
    if (retry) {
      retryAfterBackOff();
      return;
    }
    switch (failure) {
      case PER_TRY_TIMEOUT:
        reply(504, LocalReply.TIMEOUT, -1);
        break;
      case CONNECT_FAILURE:
        reply(503, LocalReply.CONNECT_FAILURE, -1);
        break;
      default:
        reply(503, LocalReply.RESET, -1);
        break;
    }
  }

  /** Ends the attempt at the host; whether another one is to be made. */
  private boolean attemptEnded(int status, int grpcStatus, UpstreamFailure failure) {
    if (!attemptOpen) {
      return false;
    }
    boolean retry;
    if (body.replayable()) {
      retry = x.attemptEnded(status, grpcStatus, failure);
    } else {
      // A streamed body cannot be sent again: end the attempt as the last one.
      retry = false;
      endWithoutRetry(status, failure);
    }
    attemptOpen = retry;
    return retry;
  }

  private void endWithoutRetry(int status, UpstreamFailure failure) {
    Host h = x.host();
    switch (failure) {
      case NONE:
        h.requestFinished(status);
        return;
      case CONNECT_FAILURE:
        h.requestFailed(LocalFailure.CONNECT_FAILED);
        x.record().addFlag(ResponseFlag.UF);
        return;
      case PER_TRY_TIMEOUT:
        h.requestFailed(LocalFailure.TIMEOUT);
        x.record().addFlag(ResponseFlag.UT);
        return;
      default:
        h.requestFailed(LocalFailure.RESET);
        x.record().addFlag(ResponseFlag.UR);
    }
  }

  private void retryAfterBackOff() {
    started = false;
    // Whatever the ended attempt still has in flight (a connect, a timer) is now stale.
    attemptSeq++;
    delayThen(
        x.backOffNanos(),
        () -> {
          if (!responseComplete) {
            startAttempt();
          }
        });
  }

  private void perTryTimeout(int seq) {
    if (seq == attemptSeq && !responseStarted && !responseComplete) {
      attemptFailed(seq, UpstreamFailure.PER_TRY_TIMEOUT);
    }
  }

  private void overallTimeout() {
    overall = null;
    if (!active || responseComplete) {
      return;
    }
    attemptSeq++;
    waiting = false;
    if (!responseStarted) {
      discardUpstream();
      if (attemptOpen) {
        x.timedOut();
        attemptOpen = false;
      } else {
        x.record().addFlag(ResponseFlag.UT);
      }
      reply(504, LocalReply.TIMEOUT, -1);
    } else {
      x.record().addFlag(ResponseFlag.UT);
      abortMidResponse();
    }
  }

  /** Lets go of the current upstream without reusing it. */
  private void discardUpstream() {
    Channel c = upstream;
    if (c != null) {
      upstreamHandler.detach();
      upstream = null;
      upstreamHandler = null;
      c.close();
    }
  }

  // ---- upstream ----

  @Override
  public void upstreamRead(Object msg) {
    if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
      // The host broke HTTP/1.1 (a bad status line, header or chunk): what the decoder made of it
      // is not its response. Before any of it went out, a reset of the attempt (retried as the
      // route allows, else Envoy's 503); after, the application's connection is cut short.
      ReferenceCountUtil.release(msg);
      if (!responseStarted) {
        attemptFailed(attemptSeq, UpstreamFailure.RESET);
      } else {
        x.record().addFlag(ResponseFlag.UPE);
        abortMidResponse();
      }
      return;
    }
    if (msg instanceof HttpResponse r && isInformational(r)) {
      relayInformational(r);
      return;
    }
    if (informational && msg instanceof HttpContent c) {
      // The (empty) end of a 1xx that went out whole.
      informational = !(c instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse r && !onResponseHead(r)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpContent c) {
      boolean last = c instanceof LastHttpContent;
      responseBytes += c.content().readableBytes();
      if (!last) {
        writeResponsePart(msg);
        if (!ctx.channel().isWritable() && upstream != null) {
          upstream.config().setAutoRead(false);
        }
        return;
      }
      String g = ((LastHttpContent) c).trailingHeaders().get(MeshHeaderNames.GRPC_STATUS);
      if (g != null) {
        grpcStatus = ResponseHeads.grpcStatus(g);
      }
      // Recorded before the application can see the end: its next look at the metrics finds it.
      recordEnd();
      // One flush for the end and whatever of the response this read batch wrote before it.
      unflushedResponse = false;
      if (batched && keepAlive && !rt.draining) {
        ctx.writeAndFlush(msg, ctx.voidPromise());
      } else {
        lastWrite = ctx.writeAndFlush(msg);
      }
      responseEnded();
    } else if (msg instanceof HttpResponse) {
      writeResponsePart(msg);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  /** A response head or body part: flushed now, or with the rest of the upstream's read batch. */
  private void writeResponsePart(Object msg) {
    if (batched) {
      ctx.write(msg, ctx.voidPromise());
      unflushedResponse = true;
    } else {
      ctx.writeAndFlush(msg);
    }
  }

  @Override
  public void upstreamReadComplete() {
    if (unflushedResponse) {
      unflushedResponse = false;
      ctx.flush();
    }
  }

  private static boolean isInformational(HttpResponse r) {
    int code = r.status().code();
    return code >= 100 && code < 200 && code != 101;
  }

  /**
   * A 1xx ({@code 100 Continue} to an {@code Expect}, {@code 103 Early Hints}) goes to the
   * application as one whole message before the final response: the HTTP/1.1 encoder must see its
   * end before the next head, or it refuses the final response and the application waits forever;
   * the HTTP/2 stream codec takes a 1xx only whole.
   */
  private void relayInformational(HttpResponse r) {
    informational = !(r instanceof LastHttpContent);
    HttpHeaders h = r.headers().copy();
    h.remove(MeshHeaderNames.PEER_METADATA).remove(MeshHeaderNames.PEER_METADATA_ID);
    ctx.writeAndFlush(
        new DefaultFullHttpResponse(
            r.protocolVersion(), r.status(), Unpooled.EMPTY_BUFFER, h, EmptyHttpHeaders.INSTANCE));
    ReferenceCountUtil.release(r);
  }

  /** Whether the response head is relayed; false when it is dropped (a retry follows). */
  private boolean onResponseHead(HttpResponse r) {
    int code = r.status().code();
    int g = ResponseHeads.grpcStatus(r.headers().get(MeshHeaderNames.GRPC_STATUS));
    cancel(perTry);
    perTry = null;
    if (attemptEnded(code, g, UpstreamFailure.NONE)) {
      discardUpstream();
      retryAfterBackOff();
      return false;
    }
    status = code;
    grpcStatus = g;
    ResponseHeads.forApplication(r, x);
    // An HTTP/1.1 upstream's own say; an HTTP/2 stream is never pooled (see responseEnded).
    upstreamKeepAlive = HttpUtil.isKeepAlive(r);
    if (!h2) {
      if (code == 101) {
        upgrade(r);
        return false;
      }
      ResponseHeads.forHttp1(r, keepAlive, head.method());
    }
    responseStarted = true;
    return true;
  }

  private void recordEnd() {
    cancelTimers();
    responseComplete = true;
    x.record().upstreamFinished(System.nanoTime());
    x.finish(status, grpcStatus, requestBytes, responseBytes, System.nanoTime());
  }

  /** After the last of the response went out: the upstream back to the pool, the next request. */
  private void responseEnded() {
    Channel c = upstream;
    if (c != null) {
      upstreamHandler.detach();
      upstream = null;
      upstreamHandler = null;
      if (c instanceof Http2StreamChannel) {
        if (!requestComplete) {
          c.close();
        }
      } else if (requestComplete && upstreamKeepAlive) {
        rt.pool(c.eventLoop()).release(key, c);
      } else {
        c.close();
      }
    }
    if (!keepAlive && lastWrite != null) {
      lastWrite.addListener(ChannelFutureListener.CLOSE);
    }
    if (requestComplete) {
      endRequest();
    } else {
      forwarding = false; // the rest of the request body is read and dropped
      body.dropPending();
      updateDownstreamRead();
    }
  }

  @Override
  public void upstreamInactive() {
    upstream = null;
    upstreamHandler = null;
    if (responseComplete || !active) {
      return;
    }
    if (!responseStarted && reused && body.replayable()) {
      // A keep-alive connection the host closed as it was reused: not the host's failure, and
      // nothing of the request was processed; send it again on a new connection.
      cancel(perTry);
      perTry = null;
      fresh = true;
      startAttempt();
    } else if (!responseStarted) {
      attemptFailed(attemptSeq, UpstreamFailure.RESET);
    } else {
      x.record().addFlag(ResponseFlag.UR);
      abortMidResponse();
    }
  }

  @Override
  public void upstreamWritabilityChanged() {
    if (active && !requestComplete) {
      updateDownstreamRead();
    }
  }

  /** The response broke after its head went out: the application sees its connection reset. */
  private void abortMidResponse() {
    cancelTimers();
    discardUpstream();
    responseComplete = true;
    x.finish(status, grpcStatus, requestBytes, responseBytes, System.nanoTime());
    ctx.close();
  }

  /** WebSocket and other upgrades: after the 101, both connections carry raw bytes. */
  private void upgrade(HttpResponse r) {
    responseStarted = true;
    cancelTimers();
    Channel up = upstream;
    upstreamHandler.detach();
    upstream = null;
    upstreamHandler = null;
    responseComplete = true;
    active = false;
    x.finish(101, -1, requestBytes, responseBytes, System.nanoTime());
    Channel down = ctx.channel();
    // The encoders run on write: once the 101 is written, the codecs can go.
    ctx.writeAndFlush(r);
    ChannelPipeline dp = down.pipeline();
    dp.replace(this, "relay", new Relay(up, null, false));
    dp.remove(HttpServerCodec.class);
    ChannelPipeline upp = up.pipeline();
    upp.replace(UpstreamStream.class, "relay", new Relay(down, null, true));
    upp.remove(HttpClientCodec.class);
    down.config().setAutoRead(true);
    up.config().setAutoRead(true);
  }

  // ---- local replies and the end of a request ----

  private void replyRedirect() {
    String location = x.route().redirect().location(view.of(head), "http");
    FullHttpResponse r = LocalReply.http(ctx.alloc(), x.localStatus(), "", false, -1);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    send(r, x.localStatus(), -1);
  }

  /** Answers locally with {@code code} (a gRPC request gets it as a gRPC status). */
  private void reply(int code, String text, int grpcOverride) {
    waiting = false;
    // A gRPC-status abort answers in gRPC's form even when the request did not look like gRPC.
    boolean asGrpc = grpc || (code == 0 && grpcOverride >= 0);
    FullHttpResponse r = LocalReply.http(ctx.alloc(), code, text, asGrpc, grpcOverride);
    if (asGrpc) {
      send(r, 200, Integer.parseInt(r.headers().get("grpc-status")));
    } else {
      send(r, code, -1);
    }
  }

  private void send(FullHttpResponse r, int recordedStatus, int recordedGrpc) {
    cancelTimers();
    discardUpstream();
    forwarding = false;
    body.dropPending();
    if (!h2 && !keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    responseStarted = true;
    responseComplete = true;
    status = recordedStatus;
    grpcStatus = recordedGrpc;
    responseBytes = r.content().readableBytes();
    if (decided) {
      x.finish(status, grpcStatus, requestBytes, responseBytes, System.nanoTime());
    }
    lastWrite = ctx.writeAndFlush(r);
    if (!keepAlive) {
      lastWrite.addListener(ChannelFutureListener.CLOSE);
    }
    if (requestComplete) {
      endRequest();
    } else {
      updateDownstreamRead();
    }
  }

  private void endRequest() {
    active = false;
    head = null;
    body.release();
    if (!h2 && rt.draining && ctx.channel().isActive()) {
      if (lastWrite != null) {
        lastWrite.addListener(ChannelFutureListener.CLOSE);
      } else {
        // The response went out with a void promise: an empty write completes after it.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    if (!h2 && !keepAlive) {
      // The connection closes after this response: what was pipelined behind it is not served.
      for (Object m; (m = early.poll()) != null; ) {
        ReferenceCountUtil.release(m);
      }
    }
    // The pipelined requests that waited, in order, until one is in flight again.
    for (Object m; !(active && requestComplete) && (m = early.poll()) != null; ) {
      dispatch(m);
    }
    updateDownstreamRead();
  }

  private void cancelTimers() {
    cancel(perTry);
    perTry = null;
    cancel(overall);
    overall = null;
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }
}
