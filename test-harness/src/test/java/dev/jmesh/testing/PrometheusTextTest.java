package dev.jmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  private static final String TEXT =
      "# HELP jmesh_agent_connections_total Connections seen by the hooks.\n"
          + "# TYPE jmesh_agent_connections_total counter\n"
          + "jmesh_agent_connections_total{direction=\"outbound\",destination=\"127.0.0.1:8080\"} 3\n"
          + "jmesh_agent_connections_total{direction=\"inbound\",port=\"8080\"} 2.0\n"
          + "jmesh_agent_hook_failures_total 0\n"
          + "odd{v=\"a \\\"quoted\\\", value\"} +Inf 1700000000\n";

  @Test
  void selectsASampleByNameAndASubsetOfItsLabels() {
    PrometheusText metrics = PrometheusText.parse(TEXT);
    assertThat(metrics.value("jmesh_agent_connections_total", "destination", "127.0.0.1:8080"))
        .isEqualTo(3.0);
    assertThat(metrics.value("jmesh_agent_connections_total", "direction", "inbound"))
        .isEqualTo(2.0);
    assertThat(metrics.value("jmesh_agent_hook_failures_total")).isZero();
    assertThat(metrics.value("odd", "v", "a \"quoted\", value")).isInfinite();
  }

  @Test
  void failsListingTheSamplesWhenNoneMatches() {
    PrometheusText metrics = PrometheusText.parse(TEXT);
    assertThat(metrics.find("jmesh_agent_connections_total", "port", "1")).isEmpty();
    assertThatThrownBy(() -> metrics.value("jmesh_agent_connections_total", "port", "1"))
        .hasMessageContaining("port=\"1\"")
        .hasMessageContaining("127.0.0.1:8080");
    assertThatThrownBy(() -> metrics.value("jmesh_agent_connections_total"))
        .hasMessageContaining("several samples");
  }
}
