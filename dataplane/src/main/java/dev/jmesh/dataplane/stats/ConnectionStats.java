package dev.jmesh.dataplane.stats;

import java.util.Map;

/**
 * What the socket and HTTP-client hooks have seen, per destination: the first proof that traffic
 * reaches the data path, and the admin counters behind {@code /stats/prometheus}. It also holds the
 * workload's {@link IstioMetrics}, which the page writes separately ({@code
 * requestMetrics().writeTo(text)}) so each stays one idea.
 */
public final class ConnectionStats {

  private static final int MAX_KEYS = 1000;

  private final KeyedCounter outbound = new KeyedCounter(MAX_KEYS);
  private final KeyedCounter inbound = new KeyedCounter(MAX_KEYS);
  private final KeyedCounter binds = new KeyedCounter(MAX_KEYS);
  private final RequestPaths requestPaths = new RequestPaths();
  private final InboundConnections inboundConnections = new InboundConnections();
  private final IstioMetrics requestMetrics;

  public ConnectionStats() {
    this(IstioMetrics.DEFAULT_MAX_SERIES);
  }

  /**
   * @param maxIstioSeries the cap on label sets per Istio metric family
   */
  public ConnectionStats(int maxIstioSeries) {
    this.requestMetrics = new IstioMetrics(maxIstioSeries);
  }

  /** Client requests by library and the path they took (direct, engine, passthrough). */
  public RequestPaths requestPaths() {
    return requestPaths;
  }

  public InboundConnections inboundConnections() {
    return inboundConnections;
  }

  /** The Istio standard metrics that request records feed. */
  public IstioMetrics requestMetrics() {
    return requestMetrics;
  }

  public void outbound(String destination) {
    outbound.increment(destination);
  }

  public void inbound(int port) {
    inbound.increment(Integer.toString(port));
  }

  public void bind(int port) {
    binds.increment(Integer.toString(port));
  }

  public long outboundCount(String destination) {
    return outbound.get(destination);
  }

  public long inboundCount(int port) {
    return inbound.get(Integer.toString(port));
  }

  public long bindCount(int port) {
    return binds.get(Integer.toString(port));
  }

  public void writeTo(PrometheusText text) {
    text.header(
        "jmesh_agent_connections_total",
        "counter",
        "TCP connections seen by the socket hooks, by direction and destination or port.");
    for (Map.Entry<String, Long> e : outbound.snapshot().entrySet()) {
      text.sample(
          "jmesh_agent_connections_total",
          e.getValue(),
          "direction",
          "outbound",
          "destination",
          e.getKey());
    }
    for (Map.Entry<String, Long> e : inbound.snapshot().entrySet()) {
      text.sample(
          "jmesh_agent_connections_total",
          e.getValue(),
          "direction",
          "inbound",
          "port",
          e.getKey());
    }
    text.header("jmesh_agent_binds_total", "counter", "Server sockets bound, by port.");
    for (Map.Entry<String, Long> e : binds.snapshot().entrySet()) {
      text.sample("jmesh_agent_binds_total", e.getValue(), "port", e.getKey());
    }
    requestPaths.writeTo(text);
    inboundConnections.writeTo(text);
  }
}
