package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.bootstrap.MeshSpanFacts;
import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.engine.MeshHeaderNames;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.trace.TraceHeaders;
import dev.jmesh.dataplane.trace.Tracing;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One downstream HTTP/2 stream: checks the request, then relays it to the application ({@link
 * ApplicationStream}) — as a stream on the connection's shared h2c connection when the port's
 * application speaks HTTP/2, headers, data and trailers, so gRPC passes through whole; as an
 * HTTP/1.1 exchange on a pooled connection when it speaks HTTP/1.1 — and the response back.
 * Backpressure follows the streams' flow control: the client's DATA is given back as window only
 * once the application's side took it, and the application's response is read only while the
 * client's window and the socket take more. On the downstream connection's event loop only.
 */
final class Http2StreamExchange {

  private final Http2Downstream connection;
  private final Http2Stream stream;
  private final RequestRecord record = new RequestRecord();
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private InboundTraffic.Edge edge;

  /** Whether the client sent its peer metadata: only a mesh peer gets ours back (Istio's rule). */
  private boolean meshPeer;
  private PolicyVerdict verdict = PolicyVerdict.CONTINUE;
  private ApplicationStream upstream;
  private boolean started;
  private boolean requestDone;
  private boolean responseStarted;
  private boolean responseDone;
  private boolean local;
  private boolean recorded;

  /** The stream is closed: nothing more is written to it. */
  private boolean gone;

  /** Whether the client's DATA waits to be given back as window (the application's side is full). */
  private boolean paused;

  /** Bytes of the client's DATA not yet given back as window. */
  private int unconsumed;

  /** Whether this stream is already in the connection's list for this read batch. */
  private boolean readInBatch;

  private long requestBodyBytes;

  Http2StreamExchange(Http2Downstream connection, Http2Stream stream) {
    this.connection = connection;
    this.stream = stream;
  }

  private InboundLimits limits() {
    return connection.port().engine().limits();
  }

  /** Marks the stream as read in this batch; true the first time. */
  boolean markRead() {
    if (readInBatch) {
      return false;
    }
    readInBatch = true;
    return true;
  }

  /** The connection's read batch ended: what this stream forwarded leaves in one flush. */
  void requestBatchEnded() {
    readInBatch = false;
    if (upstream != null) {
      upstream.flush();
    }
  }

  /** The request's trailers. */
  void requestTrailers(Http2Headers headers, boolean endStream) {
    if (!local) {
      requestDone |= endStream;
      forward(new DefaultHttp2HeadersFrame(headers, endStream));
    }
  }

  /** The client reset the stream; it closes next. */
  void clientReset() {
    record.addFlag(ResponseFlag.DC);
  }

  /**
   * The request's headers: checked (limits, policy), recorded, given the mesh's headers, and sent
   * on once the application's side opens.
   */
  void start(Http2Headers h, boolean endStream) {
    started = true;
    connection.port().engine().begin();
    record.start(System.currentTimeMillis(), System.nanoTime());
    record.cluster(connection.inboundCluster());
    requestDone = endStream;
    String peerMetadata = InboundHeaders.takeClientOwned(h);
    meshPeer = peerMetadata != null;
    edge = connection.traffic().edge(peerMetadata);
    DownstreamPeer peer = connection.peer();
    record
        .traffic(edge.labels())
        .request(h.method(), h.authority(), h.path())
        .protocolVersion(RequestRecord.HTTP_2)
        .clientHeaders(h.get(HttpHeaderNames.USER_AGENT), h.get(MeshHeaderNames.FORWARDED_FOR))
        .downstream(peer.connection().local(), peer.connection().remote())
        .peerPrincipal(peer.principal())
        .requestedServerName(peer.serverName());
    CharSequence contentType = h.get(HttpHeaderNames.CONTENT_TYPE);
    if (contentType != null && contentType.toString().startsWith("application/grpc")) {
      record.protocol(RequestProtocol.GRPC);
    }
    if (h.size() > limits().maxRequestHeaders()) {
      localReply(LocalReply.of(431, "Request Header Fields Too Large", ResponseFlag.DPE.bit()));
      return;
    }
    CharSequence length = h.get(HttpHeaderNames.CONTENT_LENGTH);
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
      record.spanKey(MeshSpanFacts.keyOf(h.get(MeshHeaderNames.TRACEPARENT)));
    }
    Tracing tracing = connection.chain().tracing();
    if (tracing != null
        && tracing.startServer(h::get, record, ThreadLocalRandom.current().nextLong())) {
      // The application sees this span as its caller, so its own calls become its children.
      TraceHeaders.inject(record, h::set);
    }
    pending.add(new DefaultHttp2HeadersFrame(h, endStream));
    if (upstream == null) {
      // The request's body waits in pending, and out of the client's window, while the
      // application's side opens.
      paused = true;
    }
    if (connection.port().applicationSpeaksHttp2()) {
      Http2ApplicationStream.open(this, connection.application());
    } else if (!Http1ApplicationStream.open(this, connection.appPool(), h, endStream)) {
      pending.clear();
      localReply(LocalReply.of(400, "Bad Request", ResponseFlag.DPE.bit()));
    }
  }

  private static long parseLength(CharSequence value) {
    try {
      return Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The application's side is ready: what waited goes out, and reading resumes. */
  void opened(ApplicationStream app) {
    if (gone || local) {
      app.close();
      return;
    }
    upstream = app;
    record
        .upstreamStarted(System.nanoTime())
        .upstreamHost(connection.applicationAuthority())
        .upstreamLocalAddress(app.localAddress());
    while (!pending.isEmpty()) {
      app.send(pending.poll());
    }
    app.flush();
    resumeRequest();
  }

  /** No connection to the application: Envoy's 503 with UF. */
  void openFailed() {
    if (local || gone) {
      return;
    }
    release();
    localReply(LocalReply.upstreamReset("connection failure", ResponseFlag.UF));
  }

  /**
   * A DATA frame of the request, whose ownership passes here; returns how many of its bytes go
   * back to the client's window now (the rest go back when the application's side takes more).
   */
  int requestData(ByteBuf data, int padding, boolean endStream) {
    int n = data.readableBytes();
    if (local || responseDone && upstream == null) {
      // Not wanted: read on and dropped, so the client is never left without window.
      data.release();
      return n + padding;
    }
    requestBodyBytes += n;
    record.addBytesReceived(n);
    requestDone |= endStream;
    if (limits().bodyTooLarge(requestBodyBytes)) {
      data.release();
      if (!responseStarted) {
        localReply(LocalReply.of(413, "Payload Too Large", 0));
      } else {
        cut();
      }
      if (upstream != null) {
        upstream.close();
      }
      return n + padding;
    }
    forward(new DefaultHttp2DataFrame(data, endStream, padding));
    if (paused) {
      unconsumed += n + padding;
      return 0;
    }
    return n + padding;
  }

  private void forward(Object frame) {
    if (upstream == null) {
      pending.add(frame);
      return;
    }
    upstream.send(frame);
    if (!upstream.isWritable()) {
      paused = true;
    }
  }

  /** The application's side takes more: the client gets back the window it was held to. */
  private void resumeRequest() {
    paused = false;
    if (unconsumed > 0 && !gone) {
      int bytes = unconsumed;
      unconsumed = 0;
      connection.consumed(stream, bytes);
      connection.flush();
    }
  }

  /** The client's window and the socket take more of the response. */
  void downstreamWritable() {
    if (upstream != null) {
      upstream.resumeResponse();
    }
  }

  /** Resets the stream: the response cannot be completed. */
  private void cut() {
    if (!gone) {
      connection.reset(stream, Http2Error.CANCEL);
    }
  }

  /** The stream closed: both ends done, reset by either side, or the connection gone. */
  void closed() {
    release();
    if (upstream != null) {
      upstream.close();
    }
    if (started && !responseDone) {
      record.addFlag(ResponseFlag.DC);
    }
    gone = true;
    responseDone = true;
    finishRecord();
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
    ByteBuf body = reply.content(connection.alloc());
    record.addBytesSent(body.readableBytes());
    connection.writeHeaders(stream, h, false);
    connection.writeData(stream, body, true);
    finishRecord();
    if (!requestDone) {
      // The rest of the request is not wanted: what the client sends is read on and dropped.
      resumeRequest();
    }
    connection.flush();
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
    CharSequence value = h.get(MeshHeaderNames.GRPC_STATUS);
    if (value != null) {
      try {
        record.grpcStatus(Integer.parseInt(value.toString().trim()));
      } catch (NumberFormatException e) {
        record.grpcStatus(2);
      }
    }
  }

  /** The response's headers (or trailers, or a 1xx) from the application. */
  void responseHeaders(Http2Headers h, boolean endStream) {
    if (responseDone) {
      return;
    }
    if (!responseStarted) {
      CharSequence status = h.status();
      int code = status == null ? 0 : Integer.parseInt(status.toString());
      if (code >= 100 && code < 200) {
        connection.writeHeaders(stream, h, false);
        return;
      }
      responseStarted = true;
      record.responseCode(code).responseCodeDetails(Http1Exchange.VIA_UPSTREAM);
      for (Map.Entry<String, String> e : verdict.responseHeaders()) {
        try {
          InboundHeaders.addChecked(h, e.getKey(), e.getValue());
        } catch (IllegalArgumentException bad) {
          // Refused here, not thrown into the application's connection: the rest of its answer
          // may already be decoded in the same read and would go out after headers never sent.
          MeshLog.warnOnce("inbound-added-field:" + e.getKey(), bad.getMessage() + ": reset");
          if (upstream != null) {
            upstream.close();
          }
          applicationFailed("invalid field added to the response", ResponseFlag.UR);
          return;
        }
      }
      if (meshPeer) {
        h.set(PeerMetadata.HEADER, connection.port().engine().selfMetadata());
      }
    }
    if (endStream) {
      grpcStatus(h);
    }
    connection.writeHeaders(stream, h, endStream);
    responseEnded(endStream);
  }

  /** A piece of the response's body, whose ownership passes here. */
  void responseData(ByteBuf content, boolean endStream) {
    if (responseDone) {
      content.release();
      return;
    }
    record.addBytesSent(content.readableBytes());
    connection.writeData(stream, content, endStream);
    if (!endStream && upstream != null && !connection.isWritable(stream)) {
      upstream.pauseResponse();
    }
    responseEnded(endStream);
  }

  private void responseEnded(boolean endStream) {
    if (endStream) {
      responseDone = true;
      record.upstreamFinished(System.nanoTime());
      connection.flush();
      finishRecord();
    }
  }

  /** The application's read batch ended: what it answered leaves in one flush. */
  void flushDownstream() {
    connection.flush();
  }

  /** The application takes more of the request again. */
  void applicationWritable() {
    resumeRequest();
  }

  /** The application reset the stream or closed its connection. */
  void applicationGone() {
    applicationFailed("connection termination", ResponseFlag.UC);
  }

  /** The application's HTTP/1.1 response did not decode. */
  void applicationProtocolError() {
    applicationFailed("protocol error", ResponseFlag.UPE);
  }

  /**
   * Envoy's 503 with {@code flag} before any of the response went out; after, the stream is cut
   * with UR, since the response cannot be completed.
   */
  private void applicationFailed(String resetReason, ResponseFlag flag) {
    if (responseDone) {
      return;
    }
    upstream = null;
    if (!responseStarted) {
      localReply(LocalReply.upstreamReset(resetReason, flag));
    } else {
      record.addFlag(ResponseFlag.UR);
      responseDone = true;
      finishRecord();
      cut();
    }
  }
}
