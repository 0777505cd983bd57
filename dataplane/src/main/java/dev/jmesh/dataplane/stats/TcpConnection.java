package dev.jmesh.dataplane.stats;

import dev.jmesh.dataplane.record.RecordClock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One proxied TCP connection, from {@link IstioMetrics#tcpConnection} to {@link #closed}: counts
 * into its label set's {@link TcpSeries} as bytes move, as Istio does, and keeps its own totals so
 * that, when it ends, the whole connection goes to the workload's journal as one record (start,
 * duration, bytes each way, cluster, upstream host, response flags).
 *
 * <pre>{@code
 * TcpConnection c = metrics.tcpConnection(edge, 0, "outbound|5432||db", "10.0.0.7:5432");
 * c.addBytes(sent, received);   // as bytes move, from any thread
 * c.closed(0, 0);               // once, when both sides are closed
 * }</pre>
 */
public final class TcpConnection {

  private final IstioMetrics metrics;
  private final TrafficSeries traffic;
  private final TcpSeries series;
  private final int responseFlags;
  private final String cluster;
  private final String upstreamHost;
  private final long startNanos;
  private final long startEpochMillis;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  TcpConnection(
      IstioMetrics metrics,
      TrafficSeries traffic,
      TcpSeries series,
      int responseFlags,
      String cluster,
      String upstreamHost,
      long startNanos) {
    this.metrics = metrics;
    this.traffic = traffic;
    this.series = series;
    this.responseFlags = responseFlags;
    this.cluster = cluster;
    this.upstreamHost = upstreamHost;
    this.startNanos = startNanos;
    this.startEpochMillis = RecordClock.epochMillis(startNanos);
  }

  /** Bytes moved since the last report: {@code sent} to downstream, {@code received} from it. */
  public void addBytes(long sentBytes, long receivedBytes) {
    series.addBytes(sentBytes, receivedBytes);
    if (sentBytes != 0) {
      sent.addAndGet(sentBytes);
    }
    if (receivedBytes != 0) {
      received.addAndGet(receivedBytes);
    }
  }

  /**
   * The connection ended, with the bytes not yet reported. Counted and journaled once, however many
   * times the two sides of a relay report their close.
   */
  public void closed(long sentBytes, long receivedBytes) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    addBytes(sentBytes, receivedBytes);
    series.closed(0, 0);
    metrics.journalClosed(this, System.nanoTime());
  }

  TrafficSeries traffic() {
    return traffic;
  }

  int responseFlags() {
    return responseFlags;
  }

  String cluster() {
    return cluster;
  }

  String upstreamHost() {
    return upstreamHost;
  }

  long startNanos() {
    return startNanos;
  }

  long startEpochMillis() {
    return startEpochMillis;
  }

  /** Bytes sent to the downstream over the connection's life. */
  public long bytesSent() {
    return sent.get();
  }

  /** Bytes received from the downstream over the connection's life. */
  public long bytesReceived() {
    return received.get();
  }
}
