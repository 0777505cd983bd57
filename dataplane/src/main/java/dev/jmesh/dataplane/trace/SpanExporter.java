package dev.jmesh.dataplane.trace;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import dev.jmesh.dataplane.stats.PrometheusText;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Takes sampled spans off the request path and sends them over OTLP (gRPC, or HTTP with protobuf):
 * request threads {@link #offer} a frozen span to a bounded lock-free queue and go on; one exporter
 * thread ({@code jmesh-trace-export}) batches them by target (up to {@value #MAX_BATCH}, or what
 * arrived within {@value #FLUSH_MILLIS} ms) and exports each batch. A full queue drops the span and
 * counts it; a failed export is counted and logged once per target and cause. Neither ever reaches
 * a request.
 *
 * <p>One per process ({@link #shared()}), started on the first sampled span.
 */
public final class SpanExporter {

  /** Spans queued before further ones are dropped. */
  public static final int DEFAULT_CAPACITY = 8 * 1024;

  static final int MAX_BATCH = 512;
  static final long FLUSH_MILLIS = 200;

  /** The workload the spans come from: set once its control-plane connection exists. */
  private static volatile String nodeId = "";

  private static volatile UpstreamClusters clusters;

  private final Queue<FinishedSpan> queue;
  private final int capacity;
  private final SpanTransport transport;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder exported = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final Thread thread;
  private volatile boolean dropWarned;
  private volatile boolean stopped;

  SpanExporter(int capacity, SpanTransport transport) {
    this.capacity = capacity;
    this.queue = PlatformDependent.newFixedMpscQueue(capacity);
    this.transport = transport;
    this.thread = MeshThreads.start("trace-export", this::run);
  }

  private static final class Shared {
    static final SpanExporter INSTANCE =
        new SpanExporter(
            DEFAULT_CAPACITY,
            byProtocol(
                new GrpcSpanTransport(SpanExporter::resolve),
                new HttpSpanTransport(SpanExporter::resolve)));

    static {
      started = INSTANCE;
    }
  }

  private static volatile SpanExporter started;

  /** The process's exporter, started on first use. */
  public static SpanExporter shared() {
    return Shared.INSTANCE;
  }

  /**
   * The workload's node id (every span's {@code node_id}) and the clusters an {@code envoy_grpc}
   * target is picked from; the agent and the proxy set them when they connect to the control plane.
   */
  public static void workload(String node, UpstreamClusters runtime) {
    nodeId = node == null ? "" : node;
    clusters = runtime;
  }

  /**
   * Queues {@code record}'s span. Lock-free and never blocking; a full queue drops the span before
   * anything is copied, so an exporter that cannot keep up costs the request path no allocation.
   */
  public boolean offer(Tracing tracing, TrafficLabels labels, RequestRecord record) {
    if (queue.size() >= capacity) {
      drop();
      return false;
    }
    FinishedSpan span =
        new FinishedSpan(
            tracing,
            labels,
            record.snapshot(),
            record.traceIdHigh(),
            record.traceIdLow(),
            record.spanId(),
            record.parentSpanId());
    if (!queue.offer(span)) {
      drop();
      return false;
    }
    return true;
  }

  private void drop() {
    dropped.increment();
    if (!dropWarned) {
      dropWarned = true;
      MeshLog.warnOnce(
          "trace-spans-dropped",
          "the span exporter's queue is full: spans are dropped (and counted in"
              + " jmesh_trace_spans_dropped_total) rather than make requests wait");
    }
  }

  public long dropped() {
    return dropped.sum();
  }

  public long exported() {
    return exported.sum();
  }

  public long failed() {
    return failed.sum();
  }

  /**
   * Appends the shared exporter's counters to a {@code /stats/prometheus} page (zeros while no span
   * was sampled).
   */
  public static void writeSharedTo(PrometheusText text) {
    SpanExporter e = started;
    text.header(
        "jmesh_trace_spans_exported_total", "counter", "Sampled spans the OTLP endpoint accepted.");
    text.sample("jmesh_trace_spans_exported_total", e == null ? 0 : e.exported());
    text.header(
        "jmesh_trace_spans_dropped_total",
        "counter",
        "Sampled spans dropped because the exporter's queue was full.");
    text.sample("jmesh_trace_spans_dropped_total", e == null ? 0 : e.dropped());
    text.header(
        "jmesh_trace_spans_failed_total",
        "counter",
        "Sampled spans whose export failed (endpoint unknown, unreachable or refusing).");
    text.sample("jmesh_trace_spans_failed_total", e == null ? 0 : e.failed());
  }

  private void run() {
    List<FinishedSpan> batch = new ArrayList<>(MAX_BATCH);
    while (!stopped) {
      FinishedSpan s;
      while (batch.size() < MAX_BATCH && (s = queue.poll()) != null) {
        batch.add(s);
      }
      if (!batch.isEmpty()) {
        export(batch);
        batch.clear();
      }
      if (queue.isEmpty()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS));
      }
    }
  }

  private void export(List<FinishedSpan> batch) {
    Map<SpanTarget, List<FinishedSpan>> byTarget = new LinkedHashMap<>();
    for (FinishedSpan s : batch) {
      byTarget.computeIfAbsent(s.tracing().target(), t -> new ArrayList<>()).add(s);
    }
    byTarget.forEach(
        (target, spans) -> {
          try {
            transport.export(target, OtlpSpanEncoder.encode(spans, nodeId));
            exported.add(spans.size());
          } catch (SpanTransport.ExportFailure e) {
            failed.add(spans.size());
            MeshLog.warnOnce(
                "trace-export " + target + " " + e.cause(),
                "spans to "
                    + target
                    + " were not exported: "
                    + e.getMessage()
                    + " (counted in jmesh_trace_spans_failed_total; requests are not affected)");
          } catch (RuntimeException e) {
            failed.add(spans.size());
            MeshLog.warnOnce(
                "trace-export " + target + " " + e.getClass().getName(),
                "spans to " + target + " were not exported: " + e);
          }
        });
  }

  /** OTLP/HTTP for a target with a path, OTLP/gRPC otherwise. */
  static SpanTransport byProtocol(SpanTransport grpc, SpanTransport http) {
    return (target, request) -> (target.httpPath() == null ? grpc : http).export(target, request);
  }

  /** {@code host:port} of an endpoint of {@code target}'s cluster, or its fixed target. */
  static String resolve(SpanTarget target) throws SpanTransport.ExportFailure {
    if (target.cluster() == null) {
      return target.target();
    }
    UpstreamClusters runtime = clusters;
    UpstreamCluster cluster = runtime == null ? null : runtime.cluster(target.cluster());
    if (cluster == null) {
      throw new SpanTransport.ExportFailure(
          "unknown-cluster",
          "cluster "
              + target.cluster()
              + " is not known to this workload (is the provider's service in the registry and"
              + " visible to it?)");
    }
    Host first = null;
    for (Host h : cluster.hosts()) {
      if (h.healthy() && !h.ejected()) {
        return h.address() + ":" + h.port();
      }
      first = first == null ? h : first;
    }
    if (first == null) {
      throw new SpanTransport.ExportFailure(
          "no-endpoint", "cluster " + target.cluster() + " has no endpoint");
    }
    return first.address() + ":" + first.port();
  }

  /** Stops the thread (tests). */
  void stop() {
    stopped = true;
    LockSupport.unpark(thread);
  }
}
