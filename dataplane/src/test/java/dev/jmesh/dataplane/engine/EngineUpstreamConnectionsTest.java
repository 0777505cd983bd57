package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.stats.PrometheusText;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class EngineUpstreamConnectionsTest {

  @Test
  void aConnectionCountsAsOpenUntilItsChannelCloses() {
    long before = EngineUpstreamConnections.open();
    EmbeddedChannel upstream = new EmbeddedChannel();
    EngineUpstreamConnections.opened(upstream);
    assertThat(EngineUpstreamConnections.open()).isEqualTo(before + 1);
    upstream.close();
    assertThat(EngineUpstreamConnections.open()).isEqualTo(before);
  }

  @Test
  void bothCountsAreOnStatsPrometheus() {
    StringBuilder out = new StringBuilder();
    EngineUpstreamConnections.writeTo(new PrometheusText(out));
    assertThat(out.toString())
        .contains(
            "# TYPE jmesh_engine_upstream_connections gauge",
            "jmesh_engine_upstream_connections ",
            "# TYPE jmesh_engine_upstream_connections_total counter");
  }
}
