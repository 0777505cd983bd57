package dev.jmesh.dataplane.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class RequestRecordTest {

  static final TrafficLabels TRAFFIC =
      TrafficLabels.builder(Reporter.SOURCE)
          .source(WorkloadLabels.builder().workload("productpage-v1").namespace("default").build())
          .destination(WorkloadLabels.builder().workload("reviews-v2").namespace("default").build())
          .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
          .build();

  static final InetSocketAddress CLIENT = new InetSocketAddress("10.0.0.5", 41234);
  static final InetSocketAddress LISTENER = new InetSocketAddress("10.0.0.7", 9080);
  static final InetSocketAddress ENGINE_SIDE = new InetSocketAddress("127.0.0.1", 50123);

  private static void fill(RequestRecord record, int code) {
    record
        .traffic(TRAFFIC)
        .protocol(RequestProtocol.GRPC)
        .route("reviews-v2")
        .cluster("outbound|9080|v2|reviews.default.svc.cluster.local")
        .upstreamHost("10.0.0.7:9080")
        .requestId("0b5e6f1c-1f0d-4f0a-9d35-62ad1d1f2b7e")
        .request("POST", "reviews:9080", "/reviews/1?x=2")
        .protocolVersion(RequestRecord.HTTP_2)
        .clientHeaders("curl/8.5.0", "10.1.1.1")
        .responseCodeDetails("via_upstream")
        .downstream(LISTENER, CLIENT)
        .upstreamLocalAddress(ENGINE_SIDE)
        .requestedServerName("outbound_.9080_._.reviews.default.svc.cluster.local")
        .peerPrincipal("spiffe://cluster.local/ns/default/sa/productpage")
        .start(1_700_000_000_123L, 1_000_000L)
        .upstreamStarted(1_500_000L)
        .upstreamFinished(4_500_000L)
        .responseCode(code)
        .grpcStatus(14)
        .addFlag(ResponseFlag.URX)
        .addFlag(ResponseFlag.UT)
        .bytes(120, 4096)
        .finish(6_999_999L);
  }

  @Test
  void holdsWhatWasFilledIn() {
    RequestRecord record = new RequestRecord();
    fill(record, 504);

    assertThat(record.traffic()).isSameAs(TRAFFIC);
    assertThat(record.protocol()).isEqualTo(RequestProtocol.GRPC);
    assertThat(record.route()).isEqualTo("reviews-v2");
    assertThat(record.cluster()).isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
    assertThat(record.upstreamHost()).isEqualTo("10.0.0.7:9080");
    assertThat(record.requestId()).isEqualTo("0b5e6f1c-1f0d-4f0a-9d35-62ad1d1f2b7e");
    assertThat(record.responseCode()).isEqualTo(504);
    assertThat(record.grpcStatus()).isEqualTo(14);
    assertThat(record.responseFlags())
        .isEqualTo(ResponseFlags.of(ResponseFlag.UT, ResponseFlag.URX));
    assertThat(record.hasFlag(ResponseFlag.UT)).isTrue();
    assertThat(record.hasFlag(ResponseFlag.UF)).isFalse();
    assertThat(record.bytesReceived()).isEqualTo(120);
    assertThat(record.bytesSent()).isEqualTo(4096);
    assertThat(record.startEpochMillis()).isEqualTo(1_700_000_000_123L);
    assertThat(record.upstreamNanos()).isEqualTo(3_000_000L);
    assertThat(record.durationNanos()).isEqualTo(5_999_999L);
  }

  @Test
  void holdsTheRequestAttributesAsTheRequestsOwnValues() {
    RequestRecord record = new RequestRecord();
    String agent = new String("curl/8.5.0");
    fill(record, 200);
    record.clientHeaders(agent, null);

    RequestRecordSnapshot s = record.snapshot();
    assertThat(s.method()).isEqualTo("POST");
    assertThat(s.authority()).isEqualTo("reviews:9080");
    assertThat(s.path()).isEqualTo("/reviews/1?x=2");
    assertThat(s.protocolVersion()).isEqualTo("HTTP/2");
    assertThat(s.userAgent()).isSameAs(agent);
    assertThat(s.forwardedFor()).isNull();
    assertThat(s.responseCodeDetails()).isEqualTo("via_upstream");
    assertThat(s.downstreamLocalAddress()).isSameAs(LISTENER);
    assertThat(s.downstreamRemoteAddress()).isSameAs(CLIENT);
    assertThat(s.upstreamLocalAddress()).isSameAs(ENGINE_SIDE);
    assertThat(s.requestedServerName()).startsWith("outbound_.9080_");
    assertThat(s.peerPrincipal()).isEqualTo("spiffe://cluster.local/ns/default/sa/productpage");
  }

  @Test
  void durationInMillisecondsIsRoundedDownAsEnvoyRecordsIt() {
    RequestRecord record = new RequestRecord();
    assertThat(record.durationNanos(5_999_999L).durationMillis()).isEqualTo(5);
    assertThat(record.durationNanos(999_999L).durationMillis()).isZero();
    assertThat(record.durationNanos(1_000_000L).durationMillis()).isEqualTo(1);
  }

  @Test
  void aClockThatGoesBackwardsGivesZeroNotANegativeDuration() {
    RequestRecord record = new RequestRecord().start(0, 5_000L);
    assertThat(record.finish(4_000L).durationNanos()).isZero();
    assertThat(record.upstreamStarted(5_000L).upstreamFinished(1_000L).upstreamNanos()).isZero();
  }

  @Test
  void bytesAccumulate() {
    RequestRecord record =
        new RequestRecord()
            .addBytesReceived(10)
            .addBytesReceived(5)
            .addBytesSent(7)
            .addBytesSent(1);
    assertThat(record.bytesReceived()).isEqualTo(15);
    assertThat(record.bytesSent()).isEqualTo(8);
  }

  @Test
  void resetClearsEveryField() {
    RequestRecord record = new RequestRecord();
    fill(record, 503);

    record.reset();

    RequestRecordSnapshot fresh = new RequestRecord().snapshot();
    assertThat(record.snapshot()).isEqualTo(fresh);
    assertThat(record.traffic()).isNull();
    assertThat(record.protocol()).isEqualTo(RequestProtocol.HTTP);
    assertThat(record.grpcStatus()).isEqualTo(RequestRecord.NO_GRPC_STATUS);
    assertThat(record.upstreamNanos()).isEqualTo(RequestRecord.NO_UPSTREAM_TIME);
    assertThat(record.responseFlags()).isZero();
    assertThat(record.route()).isNull();
    assertThat(record.requestId()).isNull();
    assertThat(record.bytesReceived()).isZero();
    assertThat(record.durationNanos()).isZero();
  }

  @Test
  void aSnapshotKeepsItsValuesWhenTheRecordIsReused() {
    RequestRecord record = new RequestRecord();
    fill(record, 504);
    RequestRecordSnapshot kept = record.snapshot();

    record.reset();
    fill(record, 200);

    assertThat(kept.responseCode()).isEqualTo(504);
    assertThat(kept.route()).isEqualTo("reviews-v2");
    assertThat(kept.responseFlagsText()).isEqualTo("UT,URX");
    assertThat(kept.hasFlag(ResponseFlag.URX)).isTrue();
    assertThat(kept.durationNanos()).isEqualTo(5_999_999L);
    assertThat(record.snapshot().responseCode()).isEqualTo(200);
  }

  @Test
  void responseFlagsKeepOnlyEnvoysBits() {
    assertThat(new RequestRecord().responseFlags(-1).responseFlags()).isEqualTo(ResponseFlag.ALL);
  }

  @Test
  void fillingAndResettingAReusedRecordAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    RequestRecord record = new RequestRecord();
    for (int i = 0; i < 200_000; i++) {
      fill(record.reset(), 200 + (i & 7));
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    long sum = 0;
    for (int i = 0; i < 100_000; i++) {
      fill(record.reset(), 200 + (i & 7));
      sum += record.durationMillis();
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(sum).isEqualTo(500_000);
    // One 16-byte object per request would be 1,600,000 bytes; what remains is the JIT's and the
    // measurement's own, a few kilobytes at most.
    assertThat(allocated).isLessThan(64 * 1024);
  }
}
