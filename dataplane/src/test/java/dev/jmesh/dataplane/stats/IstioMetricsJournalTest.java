package dev.jmesh.dataplane.stats;

import static dev.jmesh.dataplane.stats.IstioMetricsTest.INBOUND;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.http;
import static dev.jmesh.dataplane.stats.IstioMetricsTest.outbound;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.ResponseFlag;
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

  /** What the journal saw of a TCP record: copied, since the record is reused per thread. */
  private record TcpOffered(
      TrafficLabels labels,
      RequestProtocol protocol,
      String cluster,
      String upstreamHost,
      int flags,
      long received,
      long sent,
      long startMillis,
      long durationNanos) {}

  @Test
  void aClosedTcpConnectionIsJournaledOnceAsOneWholeRecord() {
    IstioMetrics metrics = new IstioMetrics();
    List<TcpOffered> offered = new ArrayList<>();
    metrics.journal(
        (labels, r) ->
            offered.add(
                new TcpOffered(
                    labels,
                    r.protocol(),
                    r.cluster(),
                    r.upstreamHost(),
                    r.responseFlags(),
                    r.bytesReceived(),
                    r.bytesSent(),
                    r.startEpochMillis(),
                    r.durationNanos())));
    long before = System.currentTimeMillis();
    TcpConnection c =
        metrics.tcpConnection(
            metrics.traffic(outbound("v1")), 0, "outbound|5432||db", "10.0.0.7:5432");
    c.addBytes(10, 0);
    c.addBytes(5, 300);

    c.closed(1, 2);
    c.closed(0, 0); // the relay's other side: no second record, no second close

    assertThat(offered).hasSize(1);
    TcpOffered t = offered.get(0);
    assertThat(t.labels()).isEqualTo(outbound("v1"));
    assertThat(t.protocol()).isEqualTo(RequestProtocol.TCP);
    assertThat(t.cluster()).isEqualTo("outbound|5432||db");
    assertThat(t.upstreamHost()).isEqualTo("10.0.0.7:5432");
    assertThat(t.flags()).isZero();
    assertThat(t.sent()).isEqualTo(16);
    assertThat(t.received()).isEqualTo(302);
    assertThat(t.startMillis()).isBetween(before - 5, System.currentTimeMillis() + 5);
    assertThat(t.durationNanos()).isNotNegative();
    long[] totals = metrics.tcpSeries(metrics.traffic(outbound("v1")), 0).totals();
    assertThat(TcpSeries.closedOf(totals)).isEqualTo(1);
    assertThat(TcpSeries.sentOf(totals)).isEqualTo(16);
  }

  @Test
  void aTcpConnectionThatFailedCarriesItsResponseFlag() {
    IstioMetrics metrics = new IstioMetrics();
    List<Integer> flags = new ArrayList<>();
    metrics.journal((labels, r) -> flags.add(r.responseFlags()));

    metrics
        .tcpConnection(metrics.traffic(INBOUND), ResponseFlag.UF.bit(), "inbound|5432||", null)
        .closed(0, 0);

    assertThat(flags).containsExactly(ResponseFlag.UF.bit());
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
