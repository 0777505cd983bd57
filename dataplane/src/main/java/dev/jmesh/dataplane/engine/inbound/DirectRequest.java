package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshInboundRequest;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.bootstrap.MeshSpanFacts;
import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.policy.PeerConnection;
import dev.jmesh.dataplane.policy.PolicyRequest;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.stats.RequestPaths;
import dev.jmesh.dataplane.trace.TraceHeaders;
import dev.jmesh.dataplane.trace.Tracing;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One HTTP request on a direct-inbound connection: the port's HTTP policy as the engine runs it,
 * the headers the engine would own (XFCC from mutual TLS, XFF, XFP, the peer-metadata exchange,
 * {@code x-request-id}), and the destination reporter's record when the application's response is
 * over.
 */
final class DirectRequest extends MeshInboundRequest {

  private final DirectConnection connection;
  private final PolicyVerdict verdict;
  private final RequestRecord record = new RequestRecord();
  private final InboundTraffic.Edge edge;
  private final boolean meshPeer;
  private final String requestId;
  private final boolean injectTrace;
  private boolean finished;

  DirectRequest(DirectConnection connection, MeshRequest request) {
    this(connection, request, check(connection, request));
  }

  private DirectRequest(DirectConnection connection, MeshRequest request, PolicyVerdict verdict) {
    this.connection = connection;
    this.verdict = verdict;
    record.start(System.currentTimeMillis(), System.nanoTime());
    record.cluster("inbound|" + connection.local().getPort() + "||");
    InboundTraffic traffic = connection.traffic();
    String peerMetadata = request.header(PeerMetadata.HEADER);
    meshPeer = peerMetadata != null;
    edge = traffic == null ? null : traffic.edge(peerMetadata);
    if (edge != null) {
      record.traffic(edge.labels());
    }
    DownstreamPeer peer = connection.peer();
    // The library does not say which HTTP version it served: %PROTOCOL% stays empty.
    record
        .request(request.method(), request.header("host"), request.path())
        .clientHeaders(request.header("user-agent"), request.header(InboundHeaders.XFF))
        .downstream(connection.local(), peer == null ? null : peer.connection().remote())
        .peerPrincipal(peer == null ? null : peer.principal())
        .requestedServerName(peer == null ? null : peer.serverName());
    String contentType = request.header("content-type");
    if (contentType != null && contentType.startsWith("application/grpc")) {
      record.protocol(RequestProtocol.GRPC);
    }
    String id = request.header(InboundHeaders.REQUEST_ID);
    requestId = id == null || id.isEmpty() ? InboundHeaders.newRequestId() : id;
    record.requestId(requestId);
    if (MeshSpanFacts.attached()) {
      record.spanKey(MeshSpanFacts.keyOf(request.header("traceparent")));
    }
    Tracing tracing = connection.chain() == null ? null : connection.chain().tracing();
    injectTrace =
        tracing != null
            && tracing.startServer(request::header, record, ThreadLocalRandom.current().nextLong());
    if (verdict.allowed()) {
      record.upstreamHost(
          connection.local().getAddress().getHostAddress() + ":" + connection.local().getPort());
    } else if (verdict.status() == 429) {
      record.addFlag(ResponseFlag.RL);
    }
    connection.inbound().paths().count(connection.library(), RequestPaths.Path.DIRECT);
  }

  /** A request on a connection whose transport was never settled: refused, as DENY fails. */
  static DirectRequest refused(DirectConnection connection, MeshRequest request) {
    return new DirectRequest(
        connection,
        request,
        PolicyVerdict.deny(503, "no mesh transport for the connection", List.of()));
  }

  private static PolicyVerdict check(DirectConnection connection, MeshRequest request) {
    try {
      return connection
          .chain()
          .httpPolicy()
          .check(new View(request, connection.peer().connection()));
    } catch (RuntimeException e) {
      MeshLog.warnOnce("inbound-policy-failure", "inbound HTTP policy failed: " + e);
      return PolicyVerdict.deny(500, "policy failure", List.of());
    }
  }

  @Override
  public boolean allowed() {
    return verdict.allowed();
  }

  @Override
  public int replyStatus() {
    return verdict.status();
  }

  @Override
  public String replyBody() {
    return verdict.body();
  }

  @Override
  public void requestHeaders(MeshHeaders h) {
    h.remove(InboundHeaders.XFCC);
    h.remove(PeerMetadata.HEADER);
    h.remove(PeerMetadata.ID_HEADER);
    for (String name : verdict.requestHeadersToRemove()) {
      h.remove(name);
    }
    for (Map.Entry<String, String> e : verdict.requestHeaders()) {
      h.set(e.getKey(), e.getValue());
    }
    if (injectTrace) {
      // The application sees this span as its caller, so its own calls become its children.
      TraceHeaders.inject(record, h::set);
    }
    DownstreamPeer peer = connection.peer();
    if (peer == null) {
      return;
    }
    if (peer.clientCert() != null) {
      h.set(InboundHeaders.XFCC, peer.clientCert());
    }
    // A second x-forwarded-for line is the same list to every reader (RFC 9110 §5.3).
    h.add(InboundHeaders.XFF, peer.remoteAddress());
    h.set(InboundHeaders.XFP, peer.scheme());
    if (!h.contains(InboundHeaders.REQUEST_ID)) {
      h.set(InboundHeaders.REQUEST_ID, requestId);
    }
  }

  @Override
  public void responseHeaders(MeshHeaders h) {
    if (meshPeer) {
      // Only a mesh peer gets ours back, as Istio's metadata exchange does.
      h.set(PeerMetadata.HEADER, connection.inbound().selfMetadata());
    }
    for (Map.Entry<String, String> e : verdict.responseHeaders()) {
      h.set(e.getKey(), e.getValue());
    }
  }

  @Override
  public void finish(int status, int grpcStatus, long bytesReceived, long bytesSent) {
    if (finished) {
      return;
    }
    finished = true;
    if (status <= 0) {
      record.addFlag(ResponseFlag.DC);
    }
    record.responseCode(Math.max(0, status));
    if (status > 0 && verdict.allowed()) {
      record.responseCodeDetails(Http1Exchange.VIA_UPSTREAM);
    }
    if (grpcStatus >= 0) {
      record.grpcStatus(grpcStatus);
    }
    record.bytes(Math.max(0, bytesReceived), Math.max(0, bytesSent));
    record.finish(System.nanoTime());
    if (edge != null) {
      connection.inbound().context().metrics().record(edge.series(), record);
    }
    AccessLog log = connection.chain() == null ? null : connection.chain().accessLog();
    if (log != null) {
      log.record(record);
    }
  }

  /** What policy sees of the request. */
  private record View(MeshRequest request, PeerConnection connection) implements PolicyRequest {
    @Override
    public String method() {
      return request.method();
    }

    @Override
    public String path() {
      return request.path();
    }

    @Override
    public String authority() {
      String host = request.header("host");
      return host != null ? host : request.host() + ":" + request.port();
    }

    @Override
    public String header(String lowerCaseName) {
      return request.header(lowerCaseName);
    }
  }
}
