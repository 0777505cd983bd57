package dev.jmesh.dataplane.stats;

import static dev.jmesh.dataplane.stats.IstioMetricsTest.INBOUND;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.http;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.outbound;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.TrafficLabels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IstioMetricsJournalTest {

  private record Offered(TrafficLabels labels, RequestRecord record) {}

  @Test
  void everyCountedRecordIsHandedToTheJournalWithItsEdgeLabels() {
    IstioMetrics metrics = new IstioMetrics();
    List<Offered> offered = new ArrayList<>();
    metrics.journal((labels, record) -> offered.add(new Offered(labels, record)));
    RequestRecord first = http(INBOUND, 200, 12, 100, 2000);
    RequestRecord second = http(outbound("v1"), 503, 3, 0, 19);

    metrics.record(first);
    metrics.record(metrics.traffic(outbound("v1")), second);

    assertThat(offered)
        .containsExactly(new Offered(INBOUND, first), new Offered(outbound("v1"), second));
  }

  @Test
  void pastTheSeriesCapTheJournalStillGetsTheRecordsOwnLabels() {
    IstioMetrics metrics = new IstioMetrics(1);
    List<Offered> offered = new ArrayList<>();
    metrics.journal((labels, record) -> offered.add(new Offered(labels, record)));
    metrics.record(http(INBOUND, 200, 1, 0, 0));
    RequestRecord overflowing = http(outbound("v9"), 200, 1, 0, 0);

    metrics.record(overflowing);

    assertThat(offered.get(1).labels()).isEqualTo(outbound("v9"));
  }

  @Test
  void switchedOffTheJournalGetsNothing() {
    IstioMetrics metrics = new IstioMetrics();
    List<Offered> offered = new ArrayList<>();
    metrics.journal((labels, record) -> offered.add(new Offered(labels, record)));
    metrics.journal(null);

    metrics.record(http(INBOUND, 200, 12, 100, 2000));

    assertThat(offered).isEmpty();
  }
}
