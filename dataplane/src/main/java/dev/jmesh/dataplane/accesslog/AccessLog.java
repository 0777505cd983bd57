package dev.jmesh.dataplane.accesslog;

import dev.jmesh.dataplane.record.RequestRecord;
import java.util.List;

/**
 * The access logs of one HTTP connection manager (a listener's, or an inbound filter chain's), as
 * the control plane configured them, and the request path's one call into them: {@link #record}
 * hands a snapshot to the {@link AccessLogWriter} and returns; formatting and writing happen on the
 * writer's thread. Immutable; replaced whole when the listener changes.
 *
 * <pre>{@code
 * metrics.record(series, record);
 * AccessLog log = listener.accessLog();   // null when the listener logs nothing
 * if (log != null) {
 *   log.record(record);
 * }
 * }</pre>
 */
public final class AccessLog {

  private final List<AccessLogSink> sinks;
  private final AccessLogWriter writer;

  public AccessLog(List<AccessLogSink> sinks, AccessLogWriter writer) {
    this.sinks = List.copyOf(sinks);
    this.writer = writer;
  }

  public List<AccessLogSink> sinks() {
    return sinks;
  }

  /**
   * Logs a finished request: takes a snapshot (the record is reset for the next request) and queues
   * it. Never blocks: when the writer is behind, the line is dropped and counted.
   */
  public void record(RequestRecord record) {
    writer.offer(this, record);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccessLog other && sinks.equals(other.sinks) && writer == other.writer;
  }

  @Override
  public int hashCode() {
    return sinks.hashCode();
  }

  @Override
  public String toString() {
    return "AccessLog" + sinks;
  }
}
