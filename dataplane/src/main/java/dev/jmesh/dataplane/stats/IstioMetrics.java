package dev.jmesh.dataplane.stats;

import dev.jmesh.bootstrap.MeshSpanFacts;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.record.RecordJournal;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.trace.Tracing;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Istio's standard metrics, fed by {@link RequestRecord}s: {@code istio_requests_total}, the {@code
 * istio_request_duration_milliseconds}, {@code istio_request_bytes} and {@code
 * istio_response_bytes} histograms, and the {@code istio_tcp_*} counters, with Istio's names,
 * labels and buckets (see {@code docs/metrics.md}).
 *
 * <p>The request path neither locks nor allocates once a label set has been seen: the labels that
 * are fixed for a route and peer ({@link TrafficLabels}) are interned once into a {@link
 * TrafficSeries}, and the labels that vary per request (protocol, response code, gRPC status,
 * response flags) are packed with the edge's number into a {@code long} that finds the series in a
 * table that is read without locks.
 *
 * <pre>{@code
 * TrafficSeries edge = metrics.traffic(labels);   // once per route and peer, cached
 * metrics.record(edge, record);                   // per request
 * }</pre>
 *
 * <p>Each family (HTTP, TCP) holds at most {@code maxSeries} label sets; records past the cap count
 * into one overflow series whose every label reads {@value #OVERFLOW}, the first such record logs a
 * warning, and {@code jmesh_istio_overflow_records_total} counts them all.
 */
public final class IstioMetrics {

  public static final int DEFAULT_MAX_SERIES = 10_000;

  /** The value of every label of an overflow series. */
  public static final String OVERFLOW = "overflow";

  /** Traffic edge numbers take 18 bits of a request series key. */
  private static final int MAX_EDGES = (1 << 18) - 1;

  private final int maxSeries;
  private final ConcurrentHashMap<TrafficLabels, TrafficSeries> edges = new ConcurrentHashMap<>();
  private final AtomicInteger lastEdgeId = new AtomicInteger();
  private final TrafficSeries overflowEdge = new TrafficSeries(0, null, "");
  private final SeriesTable<RequestSeries> requests;
  private final SeriesTable<TcpSeries> connections;
  private final RequestSeries requestOverflow;
  private final TcpSeries tcpOverflow;
  private final LongAdder requestOverflowRecords = new LongAdder();
  private volatile RecordJournal journal = RecordJournal.OFF;

  /** The record a closing TCP connection is journaled with, reused per thread. */
  private static final ThreadLocal<RequestRecord> TCP_RECORDS =
      ThreadLocal.withInitial(RequestRecord::new);

  private final LongAdder tcpOverflowRecords = new LongAdder();
  private final AtomicBoolean requestOverflowLogged = new AtomicBoolean();
  private final AtomicBoolean tcpOverflowLogged = new AtomicBoolean();

  public IstioMetrics() {
    this(DEFAULT_MAX_SERIES);
  }

  /**
   * @param maxSeries label sets kept per family (HTTP, TCP) before records overflow
   */
  public IstioMetrics(int maxSeries) {
    this.maxSeries = maxSeries;
    this.requests = new SeriesTable<>(maxSeries);
    this.connections = new SeriesTable<>(maxSeries);
    this.requestOverflow =
        new RequestSeries(
            -1, overflowEdge, RequestProtocol.HTTP, 0, RequestRecord.NO_GRPC_STATUS, 0);
    this.tcpOverflow = new TcpSeries(-1, overflowEdge, 0);
  }

  public int maxSeries() {
    return maxSeries;
  }

  /**
   * The handle on an edge's series; interned, so equal labels give the same handle. Cheap when the
   * labels were seen before, but meant to be called once per route and peer and cached.
   */
  public TrafficSeries traffic(TrafficLabels labels) {
    TrafficSeries edge = edges.get(labels);
    if (edge != null) {
      return edge;
    }
    if (edges.size() >= Math.min(maxSeries, MAX_EDGES)) {
      // Another thread may have just added these very labels as the last edge.
      edge = edges.get(labels);
      return edge != null ? edge : overflowEdge;
    }
    return edges.computeIfAbsent(labels, l -> TrafficSeries.of(lastEdgeId.incrementAndGet(), l));
  }

  /**
   * Counts a finished request or connection. HTTP and gRPC records feed the four request metrics; a
   * TCP record reports its whole connection at once (opened, bytes, closed), for callers that do
   * not hold a {@link TcpSeries} while the connection lives.
   */
  public void record(RequestRecord record) {
    TrafficLabels labels = record.traffic();
    if (labels == null) {
      MeshLog.warnOnce(
          "istio-metrics-no-traffic-labels",
          "a request record without traffic labels was not counted in the Istio metrics");
      return;
    }
    record(traffic(labels), record);
  }

  /**
   * As {@link #record(RequestRecord)}, with the edge's handle already at hand. Every finished
   * request of every path ends here, so this is also where it is handed to the {@link #journal}.
   */
  public void record(TrafficSeries traffic, RequestRecord record) {
    RequestProtocol protocol = record.protocol();
    if (protocol == RequestProtocol.TCP) {
      TcpSeries tcp = tcpOpened(traffic, record.responseFlags());
      tcp.closed(record.bytesSent(), record.bytesReceived());
    } else {
      requestSeries(
              traffic, protocol, record.responseCode(), record.grpcStatus(), record.responseFlags())
          .record(record.durationMillis(), record.bytesReceived(), record.bytesSent());
    }
    // Past the series cap the edge is the overflow one, which has no labels: the record's own.
    TrafficLabels labels = traffic.labels();
    TrafficLabels edge = labels != null ? labels : record.traffic();
    journal.offer(edge, record);
    Tracing tracing = record.tracing();
    if (tracing != null) {
      tracing.report(edge, record);
    }
    if (record.spanKey() != null && edge != null && protocol != RequestProtocol.TCP) {
      // Only once a tracer attached (MeshSpanFacts): the data path sets no span key before.
      MeshSpanFacts.publish(record.spanKey(), SpanFacts.of(edge, record));
    }
  }

  /** Sends every finished record on to {@code value} as well ({@link RecordJournal#OFF}: none). */
  public void journal(RecordJournal value) {
    journal = value == null ? RecordJournal.OFF : value;
  }

  /**
   * Counts a proxied TCP connection as opened and returns its handle, which the caller keeps for
   * {@link TcpConnection#addBytes} and {@link TcpConnection#closed}; when it closes, the connection
   * is also handed to the {@link #journal} as one record.
   *
   * @param cluster the cluster it was routed to ({@code outbound|5432||db...}, {@code
   *     inbound|5432||}), or {@code null}
   * @param upstreamHost the {@code address:port} it was relayed to, or {@code null} when it never
   *     got one
   */
  public TcpConnection tcpConnection(
      TrafficSeries traffic, int responseFlags, String cluster, String upstreamHost) {
    int flags = responseFlags & ResponseFlag.ALL;
    return new TcpConnection(
        this, traffic, tcpOpened(traffic, flags), flags, cluster, upstreamHost, System.nanoTime());
  }

  /**
   * A closed connection's record, for the journal. Off the HTTP request path: once per TCP
   * connection, into a per-thread record the journal copies before returning.
   */
  void journalClosed(TcpConnection connection, long nanoTime) {
    RecordJournal j = journal;
    if (j == RecordJournal.OFF) {
      return;
    }
    TrafficLabels labels = connection.traffic().labels();
    RequestRecord record =
        TCP_RECORDS
            .get()
            .reset()
            .protocol(RequestProtocol.TCP)
            .start(connection.startEpochMillis(), connection.startNanos())
            .finish(nanoTime)
            .cluster(connection.cluster())
            .upstreamHost(connection.upstreamHost())
            .responseFlags(connection.responseFlags())
            .bytes(connection.bytesReceived(), connection.bytesSent())
            .traffic(labels);
    j.offer(labels, record);
  }

  /**
   * Counts a TCP connection as opened and returns its series, which the caller keeps for {@link
   * TcpSeries#addBytes} and {@link TcpSeries#closed}. Not journaled: {@link #tcpConnection} is.
   */
  public TcpSeries tcpOpened(TrafficSeries traffic, int responseFlags) {
    TcpSeries series = tcpSeries(traffic, responseFlags & ResponseFlag.ALL);
    series.opened();
    return series;
  }

  RequestSeries requestSeries(
      TrafficSeries traffic,
      RequestProtocol protocol,
      int responseCode,
      int grpcStatus,
      int responseFlags) {
    if (traffic.isOverflow()) {
      return requestOverflow();
    }
    // The key has 10 bits for the code and 5 for the gRPC status (0..16 are defined): a code no
    // HTTP server sends is reported as 0, a status past 30 as 2 (UNKNOWN).
    int code = responseCode >= 0 && responseCode < 1024 ? responseCode : 0;
    int grpc = grpcStatus < 0 ? RequestRecord.NO_GRPC_STATUS : grpcStatus <= 30 ? grpcStatus : 2;
    int flags = responseFlags & ResponseFlag.ALL;
    long key =
        ((long) traffic.id() << 45)
            | ((long) protocol.ordinal() << 43)
            | ((long) (grpc + 1) << 38)
            | ((long) code << 28)
            | flags;
    RequestSeries series = requests.get(key);
    if (series != null) {
      return series;
    }
    if (requests.isFull()) {
      // The table publishes a series before it counts it: look again before overflowing.
      series = requests.get(key);
      return series != null ? series : requestOverflow();
    }
    series = requests.add(new RequestSeries(key, traffic, protocol, code, grpc, flags));
    return series != null ? series : requestOverflow();
  }

  TcpSeries tcpSeries(TrafficSeries traffic, int flags) {
    if (traffic.isOverflow()) {
      return tcpOverflow();
    }
    long key = ((long) traffic.id() << 28) | flags;
    TcpSeries series = connections.get(key);
    if (series != null) {
      return series;
    }
    if (connections.isFull()) {
      series = connections.get(key);
      return series != null ? series : tcpOverflow();
    }
    series = connections.add(new TcpSeries(key, traffic, flags));
    return series != null ? series : tcpOverflow();
  }

  private RequestSeries requestOverflow() {
    requestOverflowRecords.increment();
    if (!requestOverflowLogged.get() && requestOverflowLogged.compareAndSet(false, true)) {
      MeshLog.warn(
          "Istio request metrics reached "
              + maxSeries
              + " label sets; further label"
              + " sets are counted in one series labelled \""
              + OVERFLOW
              + "\"");
    }
    return requestOverflow;
  }

  private TcpSeries tcpOverflow() {
    tcpOverflowRecords.increment();
    if (!tcpOverflowLogged.get() && tcpOverflowLogged.compareAndSet(false, true)) {
      MeshLog.warn(
          "Istio TCP metrics reached "
              + maxSeries
              + " label sets; further label"
              + " sets are counted in one series labelled \""
              + OVERFLOW
              + "\"");
    }
    return tcpOverflow;
  }

  /** Appends every Istio metric to a {@code /stats/prometheus} page. */
  public void writeTo(PrometheusText text) {
    IstioMetricsText.write(this, text);
  }

  SeriesTable<RequestSeries> requests() {
    return requests;
  }

  SeriesTable<TcpSeries> connections() {
    return connections;
  }

  /** The overflow series, or {@code null} while nothing has overflowed. */
  RequestSeries usedRequestOverflow() {
    return requestOverflowRecords.sum() > 0 ? requestOverflow : null;
  }

  TcpSeries usedTcpOverflow() {
    return tcpOverflowRecords.sum() > 0 ? tcpOverflow : null;
  }

  /** Records counted in the overflow series of the request metrics. */
  public long requestOverflowRecords() {
    return requestOverflowRecords.sum();
  }

  /** Connection reports counted in the overflow series of the TCP metrics. */
  public long tcpOverflowRecords() {
    return tcpOverflowRecords.sum();
  }
}
