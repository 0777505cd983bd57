package dev.jmesh.journal;

/**
 * One request or TCP connection as the request path hands it to the journal: filled in by the
 * caller, encoded by {@link Journal#offer} into a preallocated slot's bytes, then reset for the
 * next request. Mutable and reusable on purpose (one per thread or connection), so journaling a
 * request allocates nothing: strings and bodies are kept by reference until the offer encodes them.
 *
 * <pre>{@code
 * JournalRecord entry = ENTRIES.get().reset();   // one per thread
 * entry.reporter(JournalReporter.DESTINATION).protocol(JournalProtocol.HTTP)
 *     .start(startMillis).durationNanos(took).upstreamNanos(upstream)
 *     .source("productpage-v1", "default", "spiffe://cluster.local/ns/default/sa/productpage")
 *     .destination("reviews-v2", "default", "spiffe://cluster.local/ns/default/sa/reviews")
 *     .destinationService("reviews.default.svc.cluster.local")
 *     .request("GET", "reviews:9080", "/reviews/1").responseCode(200).bytes(0, 512);
 * journal.offer(entry);
 * }</pre>
 *
 * <p>Not thread-safe: one request, one thread at a time. Body arrays passed to {@link #requestBody}
 * and {@link #responseBody} must not change until {@link Journal#offer} returns.
 */
public final class JournalRecord {

  /** {@link #grpcStatus()} when the call is not gRPC or carried no status. */
  public static final int NO_GRPC_STATUS = -1;

  /** {@link #upstreamNanos()} when no upstream was reached. */
  public static final long NO_UPSTREAM_TIME = -1;

  /** Headers kept per direction unless the record is built with another limit. */
  public static final int DEFAULT_MAX_HEADERS = 32;

  private final int maxHeaders;

  private JournalReporter reporter;
  private JournalProtocol protocol;
  private long startEpochMillis;
  private long durationNanos;
  private long upstreamNanos;
  private String sourceWorkload;
  private String sourceNamespace;
  private String sourcePrincipal;
  private String destinationWorkload;
  private String destinationNamespace;
  private String destinationPrincipal;
  private String destinationService;
  private String route;
  private String cluster;
  private String upstreamHost;
  private String method;
  private String authority;
  private String path;
  private String requestId;
  private String traceId;
  private String securityPolicy;
  private int responseCode;
  private int grpcStatus;
  private int responseFlags;
  private long bytesReceived;
  private long bytesSent;

  private final HeaderList requestHeaders;
  private final HeaderList responseHeaders;
  private final BodyRange requestBody = new BodyRange();
  private final BodyRange responseBody = new BodyRange();

  public JournalRecord() {
    this(DEFAULT_MAX_HEADERS);
  }

  /** A record that keeps at most {@code maxHeaders} headers per direction; the rest are counted. */
  public JournalRecord(int maxHeaders) {
    if (maxHeaders < 0) {
      throw new IllegalArgumentException("maxHeaders must be >= 0, was " + maxHeaders);
    }
    this.maxHeaders = maxHeaders;
    this.requestHeaders = new HeaderList(maxHeaders);
    this.responseHeaders = new HeaderList(maxHeaders);
    reset();
  }

  /** Clears every field, ready for the next request on this thread or connection. */
  public JournalRecord reset() {
    reporter = JournalReporter.SOURCE;
    protocol = JournalProtocol.HTTP;
    startEpochMillis = 0;
    durationNanos = 0;
    upstreamNanos = NO_UPSTREAM_TIME;
    clearStrings();
    responseCode = 0;
    grpcStatus = NO_GRPC_STATUS;
    responseFlags = 0;
    bytesReceived = 0;
    bytesSent = 0;
    requestHeaders.clear();
    responseHeaders.clear();
    requestBody.clear();
    responseBody.clear();
    return this;
  }

  public JournalRecord reporter(JournalReporter value) {
    reporter = value;
    return this;
  }

  public JournalRecord protocol(JournalProtocol value) {
    protocol = value;
    return this;
  }

  /** Wall-clock start of the request or connection ({@code %START_TIME%}). */
  public JournalRecord start(long epochMillis) {
    startEpochMillis = epochMillis;
    return this;
  }

  /** From the start to the last byte sent downstream (or the connection's close). */
  public JournalRecord durationNanos(long value) {
    durationNanos = Math.max(0, value);
    return this;
  }

  /** Time spent in the upstream, {@link #NO_UPSTREAM_TIME} when none was reached. */
  public JournalRecord upstreamNanos(long value) {
    upstreamNanos = value < 0 ? NO_UPSTREAM_TIME : value;
    return this;
  }

  public JournalRecord source(String workload, String namespace, String principal) {
    sourceWorkload = workload;
    sourceNamespace = namespace;
    sourcePrincipal = principal;
    return this;
  }

  public JournalRecord destination(String workload, String namespace, String principal) {
    destinationWorkload = workload;
    destinationNamespace = namespace;
    destinationPrincipal = principal;
    return this;
  }

  /** The service host, e.g. {@code reviews.default.svc.cluster.local}. */
  public JournalRecord destinationService(String value) {
    destinationService = value;
    return this;
  }

  public JournalRecord route(String value) {
    route = value;
    return this;
  }

  public JournalRecord cluster(String value) {
    cluster = value;
    return this;
  }

  /** The endpoint picked, {@code host:port}. */
  public JournalRecord upstreamHost(String value) {
    upstreamHost = value;
    return this;
  }

  /** Method, authority ({@code Host}) and path with query, as the request carried them. */
  public JournalRecord request(String method, String authority, String path) {
    this.method = method;
    this.authority = authority;
    this.path = path;
    return this;
  }

  /** The {@code x-request-id}. */
  public JournalRecord requestId(String value) {
    requestId = value;
    return this;
  }

  /** The trace the request belongs to (W3C or B3 trace id, hex). */
  public JournalRecord traceId(String value) {
    traceId = value;
    return this;
  }

  /**
   * Istio's {@code connection_security_policy}: {@code mutual_tls}, {@code none}, {@code unknown}.
   */
  public JournalRecord securityPolicy(String value) {
    securityPolicy = value;
    return this;
  }

  /** The HTTP status sent downstream; 0 when none was. */
  public JournalRecord responseCode(int value) {
    responseCode = value;
    return this;
  }

  public JournalRecord grpcStatus(int value) {
    grpcStatus = value;
    return this;
  }

  /** Envoy's response flags as a bit set, bit {@code i} being {@link ResponseFlagNames} entry i. */
  public JournalRecord responseFlags(int bits) {
    responseFlags = bits;
    return this;
  }

  /** Body bytes received from downstream and sent to it; for TCP, the connection's bytes. */
  public JournalRecord bytes(long received, long sent) {
    bytesReceived = received;
    bytesSent = sent;
    return this;
  }

  /**
   * Adds a request header. Names and values are kept by reference; past the record's limit the
   * header is only counted. Sensitive values are redacted as {@link Journal#offer} encodes the
   * entry, not here.
   */
  public JournalRecord addRequestHeader(String name, String value) {
    requestHeaders.add(name, value);
    return this;
  }

  public JournalRecord addResponseHeader(String name, String value) {
    responseHeaders.add(name, value);
    return this;
  }

  /** The request body, or its first bytes; kept by reference until {@link Journal#offer}. */
  public JournalRecord requestBody(byte[] bytes, int offset, int length) {
    requestBody.refer(bytes, offset, length);
    return this;
  }

  public JournalRecord responseBody(byte[] bytes, int offset, int length) {
    responseBody.refer(bytes, offset, length);
    return this;
  }

  private void clearStrings() {
    sourceWorkload = null;
    sourceNamespace = null;
    sourcePrincipal = null;
    destinationWorkload = null;
    destinationNamespace = null;
    destinationPrincipal = null;
    destinationService = null;
    route = null;
    cluster = null;
    upstreamHost = null;
    method = null;
    authority = null;
    path = null;
    requestId = null;
    traceId = null;
    securityPolicy = null;
  }

  public int maxHeaders() {
    return maxHeaders;
  }

  public JournalReporter reporter() {
    return reporter;
  }

  public JournalProtocol protocol() {
    return protocol;
  }

  public long startEpochMillis() {
    return startEpochMillis;
  }

  public long durationNanos() {
    return durationNanos;
  }

  public long upstreamNanos() {
    return upstreamNanos;
  }

  public String sourceWorkload() {
    return sourceWorkload;
  }

  public String sourceNamespace() {
    return sourceNamespace;
  }

  public String sourcePrincipal() {
    return sourcePrincipal;
  }

  public String destinationWorkload() {
    return destinationWorkload;
  }

  public String destinationNamespace() {
    return destinationNamespace;
  }

  public String destinationPrincipal() {
    return destinationPrincipal;
  }

  public String destinationService() {
    return destinationService;
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

  public String method() {
    return method;
  }

  public String authority() {
    return authority;
  }

  public String path() {
    return path;
  }

  public String requestId() {
    return requestId;
  }

  public String traceId() {
    return traceId;
  }

  public String securityPolicy() {
    return securityPolicy;
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

  public long bytesReceived() {
    return bytesReceived;
  }

  public long bytesSent() {
    return bytesSent;
  }

  HeaderList requestHeaders() {
    return requestHeaders;
  }

  HeaderList responseHeaders() {
    return responseHeaders;
  }

  BodyRange requestBody() {
    return requestBody;
  }

  BodyRange responseBody() {
    return responseBody;
  }
}
