package dev.jmesh.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConnectionStatsTest {

  private static String render(ConnectionStats stats) {
    StringBuilder out = new StringBuilder();
    stats.writeTo(new PrometheusText(out));
    return out.toString();
  }

  @Test
  void emptyStatsStillDeclareEveryMetric() {
    assertThat(render(new ConnectionStats()))
        .isEqualTo(
            "# HELP jmesh_agent_connections_total TCP connections seen by the socket hooks, by"
                + " direction and destination or port.\n"
                + "# TYPE jmesh_agent_connections_total counter\n"
                + "# HELP jmesh_agent_binds_total Server sockets bound, by port.\n"
                + "# TYPE jmesh_agent_binds_total counter\n"
                + "# HELP jmesh_agent_requests_total HTTP requests seen by client and server"
                + " instrumentations, by library and the path they took (direct, engine,"
                + " passthrough).\n"
                + "# TYPE jmesh_agent_requests_total counter\n"
                + "# HELP jmesh_agent_inbound_connections_total Connections served by server"
                + " instrumentations on the direct inbound path, by library and transport (tls,"
                + " plaintext, refused).\n"
                + "# TYPE jmesh_agent_inbound_connections_total counter\n");
  }

  @Test
  void writesEverySeriesUnderItsHeader() {
    ConnectionStats stats = new ConnectionStats();
    stats.outbound("10.0.0.2:9080");
    stats.outbound("10.0.0.2:9080");
    stats.outbound("[fd00:0:0:0:0:0:0:1]:80");
    stats.inbound(8080);
    stats.bind(8080);
    stats.bind(8080);
    stats.requestPaths().count("okhttp", RequestPaths.Path.DIRECT);
    stats.requestPaths().count("okhttp", RequestPaths.Path.DIRECT);
    stats.requestPaths().count("okhttp", RequestPaths.Path.PASSTHROUGH);
    stats.inboundConnections().count("jdk-socket", InboundConnections.Transport.TLS);

    assertThat(render(stats))
        .isEqualTo(
            "# HELP jmesh_agent_connections_total TCP connections seen by the socket hooks, by"
                + " direction and destination or port.\n"
                + "# TYPE jmesh_agent_connections_total counter\n"
                + "jmesh_agent_connections_total{direction=\"outbound\",destination=\"10.0.0.2:9080\"}"
                + " 2\n"
                + "jmesh_agent_connections_total{direction=\"outbound\",destination=\"[fd00:0:0:0:0:0:0:1]:80\"}"
                + " 1\n"
                + "jmesh_agent_connections_total{direction=\"inbound\",port=\"8080\"} 1\n"
                + "# HELP jmesh_agent_binds_total Server sockets bound, by port.\n"
                + "# TYPE jmesh_agent_binds_total counter\n"
                + "jmesh_agent_binds_total{port=\"8080\"} 2\n"
                + "# HELP jmesh_agent_requests_total HTTP requests seen by client and server"
                + " instrumentations, by library and the path they took (direct, engine,"
                + " passthrough).\n"
                + "# TYPE jmesh_agent_requests_total counter\n"
                + "jmesh_agent_requests_total{library=\"okhttp\",path=\"direct\"} 2\n"
                + "jmesh_agent_requests_total{library=\"okhttp\",path=\"passthrough\"} 1\n"
                + "# HELP jmesh_agent_inbound_connections_total Connections served by server"
                + " instrumentations on the direct inbound path, by library and transport (tls,"
                + " plaintext, refused).\n"
                + "# TYPE jmesh_agent_inbound_connections_total counter\n"
                + "jmesh_agent_inbound_connections_total{library=\"jdk-socket\",transport=\"tls\"} 1\n");
  }

  @Test
  void countsAreReadableByKey() {
    ConnectionStats stats = new ConnectionStats();
    stats.outbound("a:1");
    stats.inbound(15);
    stats.inbound(15);
    stats.bind(16);
    assertThat(stats.outboundCount("a:1")).isEqualTo(1);
    assertThat(stats.inboundCount(15)).isEqualTo(2);
    assertThat(stats.bindCount(16)).isEqualTo(1);
    assertThat(stats.outboundCount("b:1")).isZero();
    assertThat(stats.inboundCount(16)).isZero();
  }

  @Test
  void requestPathsAreReadableByLibraryAndPath() {
    ConnectionStats stats = new ConnectionStats();
    stats.requestPaths().count("jdk-httpclient", RequestPaths.Path.ENGINE);
    assertThat(stats.requestPaths().get("jdk-httpclient", RequestPaths.Path.ENGINE)).isEqualTo(1);
    assertThat(stats.requestPaths().get("jdk-httpclient", RequestPaths.Path.DIRECT)).isZero();
    assertThat(stats.requestPaths().get("okhttp", RequestPaths.Path.ENGINE)).isZero();
  }

  @Test
  void holdsTheIstioMetricsWithTheirCap() {
    assertThat(new ConnectionStats().requestMetrics().maxSeries())
        .isEqualTo(IstioMetrics.DEFAULT_MAX_SERIES);
    ConnectionStats stats = new ConnectionStats(50);
    assertThat(stats.requestMetrics()).isSameAs(stats.requestMetrics());
    assertThat(stats.requestMetrics().maxSeries()).isEqualTo(50);
  }
}
