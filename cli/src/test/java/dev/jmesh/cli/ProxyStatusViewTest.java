package dev.jmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
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
            "-",
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
        .containsExactly(
            "plain-id", "SYNCED", "NOT SENT", "NOT SENT", "NOT SENT", "4", "-", "plain-id");
  }

  @Test
  void certExpiryIsTheTimeLeftOnTheCertificateTheCaIssued() {
    Instant now = Instant.parse("2026-11-30T12:00:00Z");
    String syncz =
        "[{\"proxyID\":\"a\",\"certificate\":{\"serial\":\"1f\","
            + "\"notAfter\":\"2026-12-01T11:59:30Z\"}},"
            + "{\"proxyID\":\"b\",\"certificate\":{\"notAfter\":\"2026-11-30T11:00:00Z\"}}]";
    List<List<String>> rows = ProxyStatusView.of(JsonReader.parse(syncz)).table(now).rows();
    assertThat(rows.get(0).get(6)).isEqualTo("23h59m");
    assertThat(rows.get(1).get(6)).isEqualTo("EXPIRED");
    assertThat(CertificateExpiry.timeLeft("2026-12-03T14:30:00Z", now)).isEqualTo("74h30m");
    assertThat(CertificateExpiry.timeLeft("2026-11-30T12:00:20Z", now)).isEqualTo("<1m");
  }

  @Test
  void secretsFromTheWorkloadsOwnCertsEndpointHaveIstioctlsColumns() {
    Instant now = Instant.parse("2026-11-30T12:00:00Z");
    String certs =
        "{\"identity\":\"spiffe://cluster.local/ns/default/sa/ratings\",\"certificate\":"
            + "{\"serial\":\"6a1f\",\"notBefore\":\"2026-11-30T11:59:00Z\","
            + "\"notAfter\":\"2026-12-01T11:59:00Z\"},"
            + "\"roots\":[{\"sha256\":\"ab\",\"notAfter\":\"2036-11-30T00:00:00Z\"}]}";
    @SuppressWarnings("unchecked")
    Table table =
        ProxyConfigView.secrets(
            WorkloadCerts.rows((Map<String, Object>) JsonReader.parse(certs), now));
    assertThat(table.render().lines().findFirst().orElseThrow())
        .matches(
            "RESOURCE NAME\\s+TYPE\\s+STATUS\\s+VALID CERT\\s+SERIAL NUMBER\\s+NOT AFTER"
                + "\\s+NOT BEFORE");
    assertThat(table.rows())
        .containsExactly(
            List.of(
                "default",
                "Cert Chain",
                "ACTIVE",
                "true",
                "6a1f",
                "2026-12-01T11:59:00Z",
                "2026-11-30T11:59:00Z"),
            List.of("ROOTCA", "CA", "ACTIVE", "true", "-", "2036-11-30T00:00:00Z", "-"));
  }
}
