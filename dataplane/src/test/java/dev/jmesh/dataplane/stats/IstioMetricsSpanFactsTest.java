package dev.jmesh.dataplane.stats;

import static dev.jmesh.dataplane.stats.IstioMetricsTest.INBOUND;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.bootstrap.MeshRequestFacts;
import dev.jmesh.bootstrap.MeshSpanFacts;
import dev.jmesh.dataplane.record.ResponseFlag;
import org.junit.jupiter.api.Test;

class IstioMetricsSpanFactsTest {

  @Test
  void aRecordWithASpanKeyLeavesItsFactsForTheTracer() {
    String key = "4bf92f3577b34da6a3ce929d0e0e4736-" + Long.toHexString(System.nanoTime());
    IstioMetrics metrics = new IstioMetrics();

    metrics.record(
        http(INBOUND, 503, 12, 0, 10)
            .spanKey(key)
            .route("r1")
            .cluster("inbound|9080||")
            .upstreamHost("127.0.0.1:9080")
            .requestId("id-7")
            .addFlag(ResponseFlag.UF)
            .addFlag(ResponseFlag.URX));

    MeshRequestFacts facts = MeshSpanFacts.take(key, "destination");
    assertThat(facts).isNotNull();
    assertThat(facts.sourceWorkload()).isEqualTo("productpage-v1");
    assertThat(facts.sourcePrincipal())
        .isEqualTo("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage");
    assertThat(facts.destinationWorkload()).isEqualTo("reviews-v2");
    assertThat(facts.destinationService()).isEqualTo("reviews.default.svc.cluster.local");
    assertThat(facts.route()).isEqualTo("r1");
    assertThat(facts.cluster()).isEqualTo("inbound|9080||");
    assertThat(facts.upstreamHost()).isEqualTo("127.0.0.1:9080");
    assertThat(facts.responseFlags()).isEqualTo("UF,URX");
    assertThat(facts.requestId()).isEqualTo("id-7");
    assertThat(MeshSpanFacts.take(key, "source")).as("the other side's").isNull();
  }
}
