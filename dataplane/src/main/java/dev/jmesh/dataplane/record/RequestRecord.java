package dev.jmesh.dataplane.record;

import dev.jmesh.dataplane.trace.Tracing;
import java.net.SocketAddress;

/**
 * What one HTTP request or one TCP connection did, filled in while it runs and read once it ends:
 * the metrics count it, and later the access log and the journal take it. Mutable on purpose: a
 * caller keeps one per thread or per connection and {@link #reset}s it for the next request, so
 * filling it allocates nothing. Whoever needs to keep a record beyond the request takes a {@link
 * #snapshot}.
 *
 * <pre>{@code
 * RequestRecord record = RECORDS.get().reset();          // one per thread
 * record.traffic(route.trafficLabels()).protocol(RequestProtocol.HTTP)
 *     .route("reviews-v2").cluster("outbound|9080|v2|reviews.default.svc.cluster.local")
 *     .start(System.currentTimeMillis(), System.nanoTime());
 * ... send the request ...
 * record.upstreamHost("10.0.0.7:9080").responseCode(200).bytes(0, 512).finish(System.nanoTime());
 * metrics.record(record);
 * }</pre>
 *
 * <p>Not thread-safe: one request, one thread at a time.
 */
public final class RequestRecord {

  /** {@link #grpcStatus()} when the call is not gRPC or carried no status. */
  public static final int NO_GRPC_STATUS = -1;

  /** {@link #protocolVersion()} of an HTTP/1.1 request. */
  public static final String HTTP_1_1 = "HTTP/1.1";

  /** {@link #protocolVersion()} of an HTTP/2 request. */
  public static final String HTTP_2 = "HTTP/2";

  /** {@link #upstreamNanos()} when no upstream was reached. */
  public static final long NO_UPSTREAM_TIME = -1;

  private TrafficLabels traffic;
  private RequestProtocol protocol;
  private String route;
  private String cluster;
  private String upstreamHost;
  private String requestId;
  private CharSequence method;
  private CharSequence authority;
  private CharSequence path;
  private String protocolVersion;
  private CharSequence userAgent;
  private CharSequence forwardedFor;
  private String responseCodeDetails;
  private SocketAddress upstreamLocalAddress;
  private SocketAddress downstreamLocalAddress;
  private SocketAddress downstreamRemoteAddress;
  private String requestedServerName;
  private String peerPrincipal;
  private int responseCode;
  private int grpcStatus;
  private int responseFlags;
  private long bytesReceived;
  private long bytesSent;
  private long startEpochMillis;
  private long startNanos;
  private long upstreamStartNanos;
  private long upstreamNanos;
  private long durationNanos;
  private Tracing tracing;
  private long traceIdHigh;
  private long traceIdLow;
  private long spanId;
  private long parentSpanId;
  private int traceFlags;
  private String spanKey;

  public RequestRecord() {
    reset();
  }

  /** Clears every field, ready for the next request on this thread or connection. */
  public RequestRecord reset() {
    traffic = null;
    protocol = RequestProtocol.HTTP;
    route = null;
    cluster = null;
    upstreamHost = null;
    requestId = null;
    method = null;
    authority = null;
    path = null;
    protocolVersion = null;
    userAgent = null;
    forwardedFor = null;
    responseCodeDetails = null;
    upstreamLocalAddress = null;
    downstreamLocalAddress = null;
    downstreamRemoteAddress = null;
    requestedServerName = null;
    peerPrincipal = null;
    responseCode = 0;
    grpcStatus = NO_GRPC_STATUS;
    responseFlags = 0;
    bytesReceived = 0;
    bytesSent = 0;
    startEpochMillis = 0;
    startNanos = 0;
    upstreamStartNanos = 0;
    upstreamNanos = NO_UPSTREAM_TIME;
    durationNanos = 0;
    tracing = null;
    traceIdHigh = 0;
    traceIdLow = 0;
    spanId = 0;
    parentSpanId = 0;
    traceFlags = 0;
    spanKey = null;
    return this;
  }

  /**
   * The span this request belongs to on the wire, for a tracer in this JVM ({@code
   * dev.jmesh.bootstrap.MeshSpanFacts}); {@code null} unless one attached.
   */
  public RequestRecord spanKey(String value) {
    spanKey = value;
    return this;
  }

  public String spanKey() {
    return spanKey;
  }

  /** The labels that are the same for every request of this route and peer. */
  public RequestRecord traffic(TrafficLabels value) {
    traffic = value;
    return this;
  }

  public RequestRecord protocol(RequestProtocol value) {
    protocol = value;
    return this;
  }

  /** The route's name ({@code %ROUTE_NAME%}). */
  public RequestRecord route(String value) {
    route = value;
    return this;
  }

  /** The upstream cluster ({@code %UPSTREAM_CLUSTER%}). */
  public RequestRecord cluster(String value) {
    cluster = value;
    return this;
  }

  /** The endpoint picked, {@code host:port} ({@code %UPSTREAM_HOST%}). */
  public RequestRecord upstreamHost(String value) {
    upstreamHost = value;
    return this;
  }

  /** The {@code x-request-id} the request carried or was given. */
  public RequestRecord requestId(String value) {
    requestId = value;
    return this;
  }

  /**
   * The request line as received, before any rewrite: method, authority ({@code :authority} or
   * {@code Host}) and path with its query ({@code %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%}). The values
   * are the request's own (a header value, an HTTP/2 {@code AsciiString}): nothing is copied.
   */
  public RequestRecord request(CharSequence method, CharSequence authority, CharSequence path) {
    this.method = method;
    this.authority = authority;
    this.path = path;
    return this;
  }

  /** {@code HTTP/1.1} or {@code HTTP/2}, as Envoy's {@code %PROTOCOL%}; see {@link #HTTP_1_1}. */
  public RequestRecord protocolVersion(String value) {
    protocolVersion = value;
    return this;
  }

  /** The {@code user-agent} and {@code x-forwarded-for} header values, as received. */
  public RequestRecord clientHeaders(CharSequence userAgent, CharSequence forwardedFor) {
    this.userAgent = userAgent;
    this.forwardedFor = forwardedFor;
    return this;
  }

  /** Why the response code is what it is ({@code %RESPONSE_CODE_DETAILS%}): a constant. */
  public RequestRecord responseCodeDetails(String value) {
    responseCodeDetails = value;
    return this;
  }

  /** The downstream connection's addresses: the one it reached and the one it came from. */
  public RequestRecord downstream(SocketAddress local, SocketAddress remote) {
    downstreamLocalAddress = local;
    downstreamRemoteAddress = remote;
    return this;
  }

  /** The local address of the connection to the upstream ({@code %UPSTREAM_LOCAL_ADDRESS%}). */
  public RequestRecord upstreamLocalAddress(SocketAddress value) {
    upstreamLocalAddress = value;
    return this;
  }

  /** The SNI the downstream sent ({@code %REQUESTED_SERVER_NAME%}). */
  public RequestRecord requestedServerName(String value) {
    requestedServerName = value;
    return this;
  }

  /** The downstream's SPIFFE ID verified by mutual TLS ({@code %DOWNSTREAM_PEER_URI_SAN%}). */
  public RequestRecord peerPrincipal(String value) {
    peerPrincipal = value;
    return this;
  }

  /** The HTTP status sent downstream; 0 when none was (the downstream went away first). */
  public RequestRecord responseCode(int value) {
    responseCode = value;
    return this;
  }

  /** The gRPC status (0–16) from trailers or headers; {@link #NO_GRPC_STATUS} when none. */
  public RequestRecord grpcStatus(int value) {
    grpcStatus = value;
    return this;
  }

  public RequestRecord addFlag(ResponseFlag flag) {
    responseFlags |= flag.bit();
    return this;
  }

  /** Replaces the flags with a bit set built from {@link ResponseFlag#bit()}s. */
  public RequestRecord responseFlags(int bits) {
    responseFlags = bits & ResponseFlag.ALL;
    return this;
  }

  /**
   * Body bytes received from downstream (the request, {@code %BYTES_RECEIVED%}) and sent to
   * downstream (the response, {@code %BYTES_SENT%}). For TCP, the bytes of the connection.
   */
  public RequestRecord bytes(long received, long sent) {
    bytesReceived = received;
    bytesSent = sent;
    return this;
  }

  public RequestRecord addBytesReceived(long count) {
    bytesReceived += count;
    return this;
  }

  public RequestRecord addBytesSent(long count) {
    bytesSent += count;
    return this;
  }

  /**
   * Marks the start: wall-clock time for the record ({@code %START_TIME%}) and a {@link
   * System#nanoTime()} reading that durations are measured from, since the wall clock may step.
   */
  public RequestRecord start(long epochMillis, long nanoTime) {
    startEpochMillis = epochMillis;
    startNanos = nanoTime;
    return this;
  }

  /** The request was handed to the upstream endpoint. */
  public RequestRecord upstreamStarted(long nanoTime) {
    upstreamStartNanos = nanoTime;
    return this;
  }

  /**
   * The upstream's response ended; the upstream time is what Envoy reports as {@code
   * x-envoy-upstream-service-time}.
   */
  public RequestRecord upstreamFinished(long nanoTime) {
    upstreamNanos = Math.max(0, nanoTime - upstreamStartNanos);
    return this;
  }

  /** The last byte went downstream (or the connection closed): the record is complete. */
  public RequestRecord finish(long nanoTime) {
    durationNanos = Math.max(0, nanoTime - startNanos);
    return this;
  }

  /** Sets the duration directly, for callers that timed the request themselves. */
  public RequestRecord durationNanos(long value) {
    durationNanos = Math.max(0, value);
    return this;
  }

  public RequestRecord upstreamNanos(long value) {
    upstreamNanos = value;
    return this;
  }

  /**
   * The request's span: the tracing of its connection manager (which reports it when it is
   * sampled), the 128-bit trace id, the span id the mesh put on the wire, the parent's (0 for a
   * root span) and the {@link Tracing} flags (sampled, which header formats it came in).
   */
  public RequestRecord span(
      Tracing tracing,
      long traceIdHigh,
      long traceIdLow,
      long spanId,
      long parentSpanId,
      int flags) {
    this.tracing = tracing;
    this.traceIdHigh = traceIdHigh;
    this.traceIdLow = traceIdLow;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.traceFlags = flags;
    return this;
  }

  /** The tracing that reports this request's span; {@code null} when it is not traced. */
  public Tracing tracing() {
    return tracing;
  }

  public long traceIdHigh() {
    return traceIdHigh;
  }

  public long traceIdLow() {
    return traceIdLow;
  }

  public long spanId() {
    return spanId;
  }

  public long parentSpanId() {
    return parentSpanId;
  }

  public int traceFlags() {
    return traceFlags;
  }

  public TrafficLabels traffic() {
    return traffic;
  }

  public RequestProtocol protocol() {
    return protocol;
  }

  public String route() {
    return route;
  }

  public String cluster() {
    return cluster;
  }

  public String upstreamHost() {
    return upstreamHost;
  }

  public String requestId() {
    return requestId;
  }

  public CharSequence method() {
    return method;
  }

  public CharSequence authority() {
    return authority;
  }

  public CharSequence path() {
    return path;
  }

  public String protocolVersion() {
    return protocolVersion;
  }

  public CharSequence userAgent() {
    return userAgent;
  }

  public CharSequence forwardedFor() {
    return forwardedFor;
  }

  public String responseCodeDetails() {
    return responseCodeDetails;
  }

  public SocketAddress upstreamLocalAddress() {
    return upstreamLocalAddress;
  }

  public SocketAddress downstreamLocalAddress() {
    return downstreamLocalAddress;
  }

  public SocketAddress downstreamRemoteAddress() {
    return downstreamRemoteAddress;
  }

  public String requestedServerName() {
    return requestedServerName;
  }

  public String peerPrincipal() {
    return peerPrincipal;
  }

  public int responseCode() {
    return responseCode;
  }

  public int grpcStatus() {
    return grpcStatus;
  }

  public int responseFlags() {
    return responseFlags;
  }

  public boolean hasFlag(ResponseFlag flag) {
    return flag.in(responseFlags);
  }

  public long bytesReceived() {
    return bytesReceived;
  }

  public long bytesSent() {
    return bytesSent;
  }

  public long startEpochMillis() {
    return startEpochMillis;
  }

  public long durationNanos() {
    return durationNanos;
  }

  /**
   * The duration in whole milliseconds, rounded down: what Envoy records into {@code
   * istio_request_duration_milliseconds}.
   */
  public long durationMillis() {
    return durationNanos / 1_000_000L;
  }

  public long upstreamNanos() {
    return upstreamNanos;
  }

  /** An immutable copy, for whoever keeps the record after the request (the journal). */
  public RequestRecordSnapshot snapshot() {
    return new RequestRecordSnapshot(
        traffic,
        protocol,
        route,
        cluster,
        upstreamHost,
        requestId,
        method,
        authority,
        path,
        protocolVersion,
        userAgent,
        forwardedFor,
        responseCodeDetails,
        upstreamLocalAddress,
        downstreamLocalAddress,
        downstreamRemoteAddress,
        requestedServerName,
        peerPrincipal,
        responseCode,
        grpcStatus,
        responseFlags,
        bytesReceived,
        bytesSent,
        startEpochMillis,
        durationNanos,
        upstreamNanos);
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }
}
