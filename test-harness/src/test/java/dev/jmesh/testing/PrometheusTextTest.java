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

  @Test
  void theStrictReaderRefusesWhatPrometheusWouldRefuse() {
    String histogram =
        "# TYPE d histogram\n"
            + "d_bucket{le=\"1\"} 2\nd_bucket{le=\"+Inf\"} 3\nd_sum 4\nd_count 3\n";
    assertThat(PrometheusText.parseStrict(histogram).value("d_count")).isEqualTo(3);
    assertThatThrownBy(() -> PrometheusText.parseStrict("c 1\n"))
        .hasMessageContaining("sample before its TYPE");
    assertThatThrownBy(() -> PrometheusText.parseStrict("# TYPE c counter\nc 1\nc 2\n"))
        .hasMessageContaining("series written twice");
    assertThatThrownBy(() -> PrometheusText.parseStrict(histogram.replace("} 3\nd_sum", "} 1\nd_sum")))
        .hasMessageContaining("not cumulative");
    assertThatThrownBy(() -> PrometheusText.parseStrict(histogram.replace("d_count 3", "d_count 5")))
        .hasMessageContaining("differs from +Inf");
    assertThatThrownBy(() -> PrometheusText.parseStrict("# TYPE c counter\nc{a=\"\\x\"} 1\n"))
        .hasMessageContaining("bad escape");
    assertThatThrownBy(() -> PrometheusText.parseStrict("# TYPE c counter\nc 1"))
        .hasMessageContaining("newline");
  }
}
