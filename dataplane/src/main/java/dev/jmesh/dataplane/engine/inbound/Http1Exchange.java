package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.bootstrap.MeshSpanFacts;
import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.engine.MeshHeaderNames;
import dev.jmesh.dataplane.engine.RequestTargets;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.trace.TraceHeaders;
import dev.jmesh.dataplane.trace.Tracing;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HTTP/1.1 requests of a downstream connection, one at a time, and their responses: hardening
 * and policy first, then the request to the application over a pooled keep-alive connection, both
 * bodies streamed with backpressure, and the record once the response ends. A {@code 101} to an
 * upgrade request turns both connections into a byte relay (WebSocket). Used on the connection's
 * event loop only.
 *
 * <p>One per connection, not per request: {@link #start} clears what the request before left (its
 * flags, its record, its body queue), so a keep-alive request allocates none of them again. The
 * record may be reused because everything it is handed to copies what it keeps before returning
 * (metrics, {@code RecordJournal}, access log and span exporter snapshots).
 */
final class Http1Exchange implements Http1Upstream.Exchange {
  private final Http1Downstream connection;
  private final ChannelHandlerContext ctx;
  private final ServedPort port;
  private final InboundChain chain;
  private final DownstreamPeer peer;
  private final RequestHeadersGuard guard;
  private final InboundTraffic traffic;
  private final String selfMetadata;

  /**
   * Whether the client sent its peer metadata: only a mesh peer gets ours back, as Istio's metadata
   * exchange does (an unmeshed client learns nothing of this workload, and pays no bytes for it).
   */
  private boolean meshPeer;

  private HttpRequest request;

  /** Envoy's {@code %RESPONSE_CODE_DETAILS%} for a response the application sent. */
  static final String VIA_UPSTREAM = "via_upstream";

  private final RequestRecord record = new RequestRecord();
  private InboundTraffic.Edge edge;
  private PolicyVerdict verdict = PolicyVerdict.CONTINUE;
  private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>();
  private Channel upstream;
  private Http1Upstream upstreamHandler;
  private boolean headDecoded;
  private boolean requestDone;
  private boolean responseStarted;
  private boolean responseDone;
  private boolean informational;
  private boolean local;
  private boolean upgrade;
  private boolean closeAfter;
  private boolean recorded;
  private long requestBodyBytes;
  private boolean reusedUpstream;
  private boolean retried;

  /** Written to the application in the downstream's read batch, flushed at its end. */
  private boolean upstreamUnflushed;

  /** Written to the downstream in the application's read batch, flushed at its end. */
  private boolean downstreamUnflushed;

  Http1Exchange(Http1Downstream connection) {
    this.connection = connection;
    this.ctx = connection.ctx();
    this.port = connection.port();
    this.chain = connection.chain();
    this.peer = connection.peer();
    this.guard = connection.guard();
    this.traffic = connection.traffic();
    this.selfMetadata = port.engine().selfMetadata();
  }

  boolean requestDone() {
    return requestDone;
  }

  /** Whether the connection closes once this exchange ends. */
  boolean closeAfter() {
    return closeAfter;
  }

  boolean headDecoded() {
    return headDecoded;
  }

  Channel upstream() {
    return upstream;
  }

  /**
   * Clears everything the previous request left, so nothing of it reaches the next one; also drops
   * the references to the finished request, which an idle keep-alive connection would otherwise
   * keep alive.
   */
  void reset() {
    request = null;
    meshPeer = false;
    record.reset();
    edge = null;
    verdict = PolicyVerdict.CONTINUE;
    releasePendingBody();
    upstream = null;
    upstreamHandler = null;
    headDecoded = false;
    requestDone = false;
    responseStarted = false;
    responseDone = false;
    informational = false;
    local = false;
    upgrade = false;
    closeAfter = false;
    recorded = false;
    requestBodyBytes = 0;
    reusedUpstream = false;
    retried = false;
    upstreamUnflushed = false;
    downstreamUnflushed = false;
  }

  void start(HttpRequest next) {
    reset();
    request = next;
    port.engine().begin();
    record.start(System.currentTimeMillis(), System.nanoTime());
    record.cluster(connection.inboundCluster());
    HttpHeaders h = request.headers();
    DecoderResult result = request.decoderResult();
    guard.headDecoded();
    headDecoded = true;
    String peerMetadata = result.isSuccess() ? InboundHeaders.takeClientOwned(h) : null;
    meshPeer = peerMetadata != null;
    edge = traffic.edge(peerMetadata);
    record
        .traffic(edge.labels())
        .request(request.method().name(), h.get(HttpHeaderNames.HOST), request.uri())
        .protocolVersion(request.protocolVersion().text())
        .clientHeaders(h.get(HttpHeaderNames.USER_AGENT), h.get(MeshHeaderNames.FORWARDED_FOR))
        .downstream(peer.connection().local(), peer.connection().remote())
        .peerPrincipal(peer.principal())
        .requestedServerName(peer.serverName());
    if (result.isFailure()) {
      Throwable cause = result.cause();
      int status =
          cause instanceof TooLongHttpHeaderException
              ? 431
              : cause instanceof TooLongHttpLineException
                  ? 414
                  : cause instanceof TooLongFrameException ? 431 : 400;
      refuse(status, status == 400 ? "Bad Request" : "Request Header Fields Too Large");
      return;
    }
    if (h.size() > port.engine().limits().maxRequestHeaders()) {
      refuse(431, "Request Header Fields Too Large");
      return;
    }
    if (guard.obsFold() || guard.duplicateHost() || !RequestTargets.ascii(request.uri())) {
      refuse(400, "Bad Request");
      return;
    }
    long declaredLength = HttpUtil.getContentLength(request, -1L);
    if (port.engine().limits().bodyTooLarge(declaredLength)) {
      requestDone = true;
      localReply(LocalReply.of(413, "Payload Too Large", 0), true);
      return;
    }
    String contentType = h.get(HttpHeaderNames.CONTENT_TYPE);
    if (contentType != null && contentType.startsWith("application/grpc")) {
      record.protocol(RequestProtocol.GRPC);
    }
    HttpPolicy policy = chain.httpPolicy();
    if (policy != HttpPolicy.ALLOW_ALL) {
      // No filters, no view of the request to build for them.
      try {
        verdict = policy.check(new InboundHeaders.Http1Request(request, peer.connection()));
      } catch (RuntimeException e) {
        MeshLog.warnOnce("inbound-policy-failure", "inbound HTTP policy failed: " + e);
        verdict = PolicyVerdict.deny(500, "policy failure", List.of());
      }
    }
    if (!verdict.allowed()) {
      int flags = verdict.status() == 429 ? ResponseFlag.RL.bit() : 0;
      localReply(
          new LocalReply(verdict.status(), verdict.body(), verdict.responseHeaders(), flags),
          false);
      return;
    }
    InboundHeaders.forward(h, peer, verdict);
    record.requestId(InboundHeaders.requestId(h));
    if (MeshSpanFacts.attached()) {
      record.spanKey(MeshSpanFacts.keyOf(h.get(MeshHeaderNames.TRACEPARENT)));
    }
    Tracing tracing = chain.tracing();
    if (tracing != null
        && tracing.startServer(h::get, record, ThreadLocalRandom.current().nextLong())) {
      // The application sees this span as its caller, so its own calls become its children.
      TraceHeaders.inject(record, h::set);
    }
    upgrade = h.contains(HttpHeaderNames.UPGRADE);
    closeAfter = !HttpUtil.isKeepAlive(request);
    Channel pooled = connection.appPool().pollIdle();
    if (pooled != null) {
      // A pooled connection: no pause in reading, whose on-and-off would cost two epoll_ctl
      // calls per request.
      attach(pooled);
    } else {
      // The body waits in pendingBody while the connection opens; reading pauses meanwhile.
      ctx.channel().config().setAutoRead(false);
      dial();
    }
  }

  /** A new connection to the application, for this request only (not the next one's). */
  private void dial() {
    HttpRequest dialedFor = request;
    Future<Channel> dialed = connection.appPool().connect();
    dialed.addListener(
        f -> {
          if (request == dialedFor) {
            connected(dialed);
          } else if (dialed.isSuccess()) {
            connection.appPool().release(dialed.getNow());
          }
        });
  }

  /** A request the decoder or the limits refuse: answered and the connection closed. */
  private void refuse(int status, String body) {
    requestDone = true;
    connection.closing();
    localReply(LocalReply.of(status, body, ResponseFlag.DPE.bit()), true);
  }

  private void connected(Future<Channel> leased) {
    if (!leased.isSuccess()) {
      localReply(LocalReply.upstreamReset("connection failure", ResponseFlag.UF), true);
      resumeReading();
      return;
    }
    attach(leased.getNow());
  }

  private void attach(Channel ch) {
    if (!connection.isCurrent(this) || responseDone || !ctx.channel().isActive()) {
      connection.appPool().release(ch);
      return;
    }
    upstream = ch;
    upstreamHandler = ch.pipeline().get(Http1Upstream.class);
    upstreamHandler.lease(this);
    reusedUpstream = upstreamHandler.reused();
    record.upstreamHost(connection.applicationAuthority());
    record.upstreamStarted(System.nanoTime()).upstreamLocalAddress(ch.localAddress());
    upstream.write(request, upstream.voidPromise());
    while (!pendingBody.isEmpty()) {
      upstream.write(pendingBody.poll(), upstream.voidPromise());
    }
    if (retried) {
      // The request's end went to the connection that failed; a retried request has no body.
      upstream.write(LastHttpContent.EMPTY_LAST_CONTENT, upstream.voidPromise());
    }
    flushUpstream();
    resumeReading();
  }

  /** Sends what was written to the application: now, or at the end of the downstream's read. */
  private void flushUpstream() {
    if (connection.reading()) {
      upstreamUnflushed = true;
    } else {
      upstreamUnflushed = false;
      upstream.flush();
    }
  }

  /** The downstream's read batch ended: what it sent the application leaves in one flush. */
  void downstreamReadComplete() {
    if (upstreamUnflushed) {
      upstreamUnflushed = false;
      if (upstream != null) {
        upstream.flush();
      }
    }
  }

  private void resumeReading() {
    if (!requestDone && (upstream == null || upstream.isWritable())) {
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    } else if (requestDone && !connection.hasQueued()) {
      // Reading on notices a client that goes away while the application works.
      ctx.channel().config().setAutoRead(true);
    }
  }

  void requestContent(HttpContent content) {
    if (content.decoderResult().isFailure()) {
      malformedBody(content);
      return;
    }
    boolean last = content instanceof LastHttpContent;
    if (local || responseDone) {
      content.release();
      if (last) {
        requestDone = true;
        maybeDone();
      }
      return;
    }
    int n = content.content().readableBytes();
    requestBodyBytes += n;
    record.addBytesReceived(n);
    if (port.engine().limits().bodyTooLarge(requestBodyBytes)) {
      content.release();
      requestDone = true;
      if (!responseStarted) {
        localReply(LocalReply.of(413, "Payload Too Large", 0), true);
      } else {
        ctx.close();
      }
      if (upstream != null) {
        upstream.close();
      }
      return;
    }
    if (last) {
      requestDone = true;
    }
    if (upstream == null) {
      pendingBody.add(content);
      return;
    }
    upstream.write(content, upstream.voidPromise());
    if (!upstream.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
    flushUpstream();
  }

  /**
   * A request body the decoder could not frame (a malformed chunk): it ends the body there, but what
   * arrived is not the whole of it, and the application must not take it for a complete request.
   * The client gets 400 when nothing has been answered yet, the connection closes (the decoder
   * discards all it reads after), and an application connection that has part of the body is
   * closed without the body's end.
   */
  private void malformedBody(HttpContent content) {
    content.release();
    Channel partial = upstream;
    if (!responseStarted) {
      refuse(400, "Bad Request");
    } else {
      requestDone = true;
      ctx.close();
    }
    if (partial != null) {
      partial.close();
    }
  }

  @Override
  public void upstreamWritable() {
    if (!requestDone && connection.isCurrent(this)) {
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    }
  }

  @Override
  public void onResponse(HttpResponse response) {
    int code = response.status().code();
    if (code >= 100 && code < 200 && code != 101) {
      informational = true;
      writeDownstream(response);
      return;
    }
    responseStarted = true;
    record.responseCode(code).responseCodeDetails(VIA_UPSTREAM);
    HttpHeaders h = response.headers();
    grpcStatus(h.get(MeshHeaderNames.GRPC_STATUS));
    List<Map.Entry<String, String>> added = verdict.responseHeaders();
    if (!added.isEmpty()) {
      // Not even an iterator for the usual verdict, which adds nothing.
      for (Map.Entry<String, String> e : added) {
        h.add(e.getKey(), e.getValue());
      }
    }
    if (meshPeer) {
      h.set(MeshHeaderNames.PEER_METADATA, selfMetadata);
    }
    if (connection.isClosing() || port.engine().draining() || closeAfter) {
      closeAfter = true;
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    writeDownstream(response);
  }

  @Override
  public void onResponseContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (informational) {
      writeDownstream(content);
      informational = !last;
      return;
    }
    int n = content.content().readableBytes();
    record.addBytesSent(n);
    if (last) {
      LastHttpContent trailers = (LastHttpContent) content;
      grpcStatus(trailers.trailingHeaders().get(MeshHeaderNames.GRPC_STATUS));
      // The end and what came before it in the same read leave in one flush.
      downstreamUnflushed = false;
      ctx.writeAndFlush(content, ctx.voidPromise());
      responseEnded();
      return;
    }
    writeDownstream(content);
    if (!ctx.channel().isWritable()) {
      upstream.config().setAutoRead(false);
    }
  }

  private void writeDownstream(Object msg) {
    ctx.write(msg, ctx.voidPromise());
    downstreamUnflushed = true;
  }

  /** The application's read batch ended: what this exchange wrote on leaves in one flush. */
  @Override
  public void flushDownstream() {
    if (downstreamUnflushed) {
      downstreamUnflushed = false;
      ctx.flush();
    }
  }

  private void grpcStatus(String value) {
    if (value != null) {
      try {
        record.grpcStatus(Integer.parseInt(value.trim()));
      } catch (NumberFormatException e) {
        record.grpcStatus(2);
      }
    }
  }

  private void responseEnded() {
    responseDone = true;
    record.upstreamFinished(System.nanoTime());
    upstreamHandler.unlease();
    Channel app = upstream;
    if (upgrade && record.responseCode() == 101) {
      finishRecord();
      switchToRelay(app);
      return;
    }
    if (requestDone && !closeAfter && app.isActive()) {
      upstream.config().setAutoRead(true);
      connection.appPool().release(app);
    } else {
      // The application answered before the whole request was read: the connection is unusable,
      // and the rest of the request is read only to be dropped.
      closeAfter = true;
      app.close();
      if (!requestDone) {
        ctx.channel().config().setAutoRead(true);
        ctx.read();
      }
    }
    upstream = null;
    finishRecord();
    maybeDone();
  }

  private void switchToRelay(Channel app) {
    ChannelPipeline down = ctx.pipeline();
    ChannelPipeline up = app.pipeline();
    connection.forget(this);
    up.addLast("relay", new ByteRelay(ctx.channel(), n -> {}));
    up.remove(Http1Upstream.class);
    up.remove("codec");
    down.addAfter(ctx.name(), "relay", new ByteRelay(app, n -> {}));
    down.remove(RequestHeadersGuard.class);
    down.remove("http1");
    down.remove(connection);
    app.config().setAutoRead(true);
    ctx.channel().config().setAutoRead(true);
    ctx.channel().read();
  }

  private void maybeDone() {
    if (responseDone && requestDone) {
      connection.exchangeDone(this);
    }
  }

  private void localReply(LocalReply reply, boolean close) {
    local = true;
    responseStarted = true;
    responseDone = true;
    releasePendingBody();
    if (close) {
      closeAfter = true;
    }
    record.responseCode(reply.status()).responseFlags(reply.flags());
    FullHttpResponse response = connection.reply(reply, close || connection.isClosing());
    if (meshPeer) {
      response.headers().set(MeshHeaderNames.PEER_METADATA, selfMetadata);
    }
    record.addBytesSent(response.content().readableBytes());
    downstreamUnflushed = false;
    if (close) {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(response, ctx.voidPromise());
    }
    finishRecord();
    if (close) {
      connection.forget(this);
      connection.closing();
    } else {
      ctx.channel().config().setAutoRead(true);
      maybeDone();
    }
  }

  private void finishRecord() {
    if (recorded) {
      return;
    }
    recorded = true;
    record.finish(System.nanoTime());
    port.engine().context().metrics().record(edge.series(), record);
    AccessLog log = chain.accessLog();
    if (log != null) {
      log.record(record);
    }
    port.engine().end();
  }

  @Override
  public void upstreamClosed() {
    if (responseDone || !connection.isCurrent(this)) {
      return;
    }
    upstream = null;
    if (retriable()) {
      // A pooled connection the application closed just as it was reused (its keep-alive
      // timeout): Envoy resends such an idempotent, bodiless request once, on a new connection.
      retried = true;
      dial();
      return;
    }
    upstreamFailed("connection termination", ResponseFlag.UC);
  }

  /** The application's response did not decode (its connection is already closed). */
  @Override
  public void upstreamProtocolError() {
    if (responseDone || !connection.isCurrent(this)) {
      return;
    }
    upstream = null;
    upstreamFailed("protocol error", ResponseFlag.UPE);
  }

  /**
   * The application's connection failed the request: Envoy's 503 with {@code flag} before any of
   * the response went out; after, the client's connection is cut, since the response cannot be
   * completed.
   */
  private void upstreamFailed(String resetReason, ResponseFlag flag) {
    if (!responseStarted) {
      localReply(LocalReply.upstreamReset(resetReason, flag), true);
    } else {
      record.addFlag(flag);
      finishRecord();
      ctx.close();
    }
  }

  private boolean retriable() {
    return !responseStarted
        && !informational
        && reusedUpstream
        && !retried
        && requestDone
        && requestBodyBytes == 0
        && Http1AppPool.resendable(request.method());
  }

  private void releasePendingBody() {
    for (HttpContent c; (c = pendingBody.poll()) != null; ) {
      c.release();
    }
  }

  void downstreamClosed() {
    releasePendingBody();
    if (upstream != null) {
      upstreamHandler.unlease();
      upstream.close();
      upstream = null;
    }
    if (!responseDone) {
      record.addFlag(ResponseFlag.DC);
    }
    finishRecord();
  }
}
