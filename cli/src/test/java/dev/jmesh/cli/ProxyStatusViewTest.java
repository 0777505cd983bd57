package dev.jmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProxyStatusViewTest {

  private static final String SYNCED = "{\"sent\":\"4\",\"acked\":\"4\",\"status\":\"SYNCED\"}";

  @Test
  void aNackIsAColumnAndALineUnderTheTable() {
    String syncz =
        "[{\"proxyID\":\"sidecar~127.0.0.1~ratings-1.default~default.svc.cluster.local\","
            + "\"CDS\":"
            + SYNCED
            + ",\"LDS\":{\"sent\":\"5\",\"acked\":\"4\",\"status\":\"NACKED\",\"nacked\":\"5\","
            + "\"error\":\"LDS resource 'x': bad\"},\"EDS\":"
            + SYNCED
            + ",\"RDS\":{\"sent\":\"5\",\"acked\":\"4\",\"status\":\"STALE\"}}]";
    ProxyStatusView view = ProxyStatusView.of(JsonReader.parse(syncz));
    assertThat(view.anyNacked()).isTrue();
    assertThat(view.table().rows().get(0))
        .containsExactly(
            "ratings-1.default",
            "SYNCED",
            "NACKED",
            "SYNCED",
            "STALE",
            "4",
            "sidecar~127.0.0.1~ratings-1.default~default.svc.cluster.local");
    assertThat(view.nacks())
        .containsExactly(
            "ratings-1.default LDS NACKED version 5 (still on 4): LDS resource 'x': bad");
  }

  @Test
  void aTypeNeverSentSaysSo() {
    ProxyStatusView view =
        ProxyStatusView.of(JsonReader.parse("[{\"proxyID\":\"plain-id\",\"CDS\":" + SYNCED + "}]"));
    assertThat(view.anyNacked()).isFalse();
    assertThat(view.table().rows().get(0))
        .containsExactly("plain-id", "SYNCED", "NOT SENT", "NOT SENT", "NOT SENT", "4", "plain-id");
  }
}
