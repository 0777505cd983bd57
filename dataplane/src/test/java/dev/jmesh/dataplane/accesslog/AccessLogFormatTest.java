package dev.jmesh.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.RequestRecordSnapshot;
import dev.jmesh.dataplane.record.ResponseFlag;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {

  /** 2023-11-14T22:13:20.123Z. */
  private static final long START = 1_700_000_000_123L;

  static RequestRecordSnapshot served() {
    return new RequestRecord()
        .request("GET", "reviews:9080", "/reviews/1?x=2")
        .protocolVersion(RequestRecord.HTTP_1_1)
        .clientHeaders("curl/8.5.0", "10.1.1.1")
        .requestId("0b5e6f1c-1f0d-4f0a-9d35-62ad1d1f2b7e")
        .route("reviews-v2")
        .cluster("outbound|9080|v2|reviews.default.svc.cluster.local")
        .upstreamHost("10.0.0.7:9080")
        .upstreamLocalAddress(new InetSocketAddress("10.0.0.5", 50123))
        .downstream(
            new InetSocketAddress("127.0.0.1", 15001), new InetSocketAddress("127.0.0.1", 41234))
        .requestedServerName("outbound_.9080_._.reviews.default.svc.cluster.local")
        .peerPrincipal("spiffe://cluster.local/ns/default/sa/productpage")
        .start(START, 1_000_000L)
        .upstreamStarted(2_000_000L)
        .upstreamFinished(5_000_000L)
        .responseCode(503)
        .grpcStatus(14)
        .addFlag(ResponseFlag.UF)
        .addFlag(ResponseFlag.URX)
        .responseCodeDetails("upstream_reset_before_response_started{connection_failure}")
        .bytes(12, 91)
        .finish(8_500_000L)
        .snapshot();
  }

  private static String line(String format, RequestRecordSnapshot r) {
    StringBuilder out = new StringBuilder();
    AccessLogFormat.text(format).appendTo(out, r);
    return out.toString();
  }

  @Test
  void istiosDefaultTextFormatPrintsARequestAsIstioDoes() {
    assertThat(line(AccessLogFormat.ISTIO_TEXT, served()))
        .isEqualTo(
            "[2023-11-14T22:13:20.123Z] \"GET /reviews/1?x=2 HTTP/1.1\" 503 UF,URX"
                + " upstream_reset_before_response_started{connection_failure} - \"-\" 12 91 7 3"
                + " \"10.1.1.1\" \"curl/8.5.0\" \"0b5e6f1c-1f0d-4f0a-9d35-62ad1d1f2b7e\""
                + " \"reviews:9080\" \"10.0.0.7:9080\""
                + " outbound|9080|v2|reviews.default.svc.cluster.local 10.0.0.5:50123"
                + " 127.0.0.1:15001 127.0.0.1:41234"
                + " outbound_.9080_._.reviews.default.svc.cluster.local reviews-v2\n");
  }

  @Test
  void whatARecordDoesNotKnowPrintsAsADash() {
    RequestRecordSnapshot empty = new RequestRecord().start(START, 0).snapshot();
    assertThat(line(AccessLogFormat.ISTIO_TEXT, empty))
        .isEqualTo(
            "[2023-11-14T22:13:20.123Z] \"- - -\" 0 - - - \"-\" 0 0 0 - \"-\" \"-\" \"-\" \"-\""
                + " \"-\" - - - - - -\n");
  }

  @Test
  void everyOperatorReadsItsField() {
    RequestRecordSnapshot r = served();
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("%START_TIME%", "2023-11-14T22:13:20.123Z");
    expected.put("%PROTOCOL%", "HTTP/1.1");
    expected.put("%RESPONSE_CODE%", "503");
    expected.put("%RESPONSE_FLAGS%", "UF,URX");
    expected.put(
        "%RESPONSE_CODE_DETAILS%", "upstream_reset_before_response_started{connection_failure}");
    expected.put("%CONNECTION_TERMINATION_DETAILS%", "-");
    expected.put("%UPSTREAM_TRANSPORT_FAILURE_REASON%", "-");
    expected.put("%BYTES_RECEIVED%", "12");
    expected.put("%BYTES_SENT%", "91");
    expected.put("%DURATION%", "7");
    expected.put("%UPSTREAM_HOST%", "10.0.0.7:9080");
    expected.put("%UPSTREAM_CLUSTER%", "outbound|9080|v2|reviews.default.svc.cluster.local");
    expected.put("%UPSTREAM_CLUSTER_RAW%", "outbound|9080|v2|reviews.default.svc.cluster.local");
    expected.put("%UPSTREAM_LOCAL_ADDRESS%", "10.0.0.5:50123");
    expected.put("%DOWNSTREAM_LOCAL_ADDRESS%", "127.0.0.1:15001");
    expected.put("%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", "127.0.0.1");
    expected.put("%DOWNSTREAM_LOCAL_PORT%", "15001");
    expected.put("%DOWNSTREAM_REMOTE_ADDRESS%", "127.0.0.1:41234");
    expected.put("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "127.0.0.1");
    expected.put("%DOWNSTREAM_REMOTE_PORT%", "41234");
    expected.put("%DOWNSTREAM_PEER_URI_SAN%", "spiffe://cluster.local/ns/default/sa/productpage");
    expected.put("%REQUESTED_SERVER_NAME%", "outbound_.9080_._.reviews.default.svc.cluster.local");
    expected.put("%ROUTE_NAME%", "reviews-v2");
    expected.put("%GRPC_STATUS%", "Unavailable");
    expected.put("%GRPC_STATUS_NUMBER%", "14");
    expected.put("%REQ(:METHOD)%", "GET");
    expected.put("%REQ(:PATH)%", "/reviews/1?x=2");
    expected.put("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", "/reviews/1?x=2");
    expected.put("%REQ(:AUTHORITY)%", "reviews:9080");
    expected.put("%REQ(host)%", "reviews:9080");
    expected.put("%REQ(USER-AGENT)%", "curl/8.5.0");
    expected.put("%REQ(USER-AGENT):4%", "curl");
    expected.put("%REQ(X-FORWARDED-FOR)%", "10.1.1.1");
    expected.put("%REQ(X-REQUEST-ID)%", "0b5e6f1c-1f0d-4f0a-9d35-62ad1d1f2b7e");
    expected.put("%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%", "3");
    expected.forEach(
        (operator, value) -> assertThat(line(operator, r)).as(operator).isEqualTo(value));
  }

  @Test
  void anIpv6AddressIsBracketed() {
    RequestRecordSnapshot r =
        new RequestRecord().downstream(new InetSocketAddress("::1", 15001), null).snapshot();
    assertThat(line("%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%", r))
        .isEqualTo("[0:0:0:0:0:0:0:1]:15001 -");
  }

  @Test
  void anOperatorTheRecordsDoNotCarryIsRefusedByName() {
    assertThatThrownBy(() -> AccessLogFormat.text("[%START_TIME%] %UPSTREAM_PEER_SUBJECT%"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("%UPSTREAM_PEER_SUBJECT%")
        .hasMessageContaining("is not supported (docs/telemetry.md");
    assertThatThrownBy(() -> AccessLogFormat.text("%REQ(X-CUSTOM)%"))
        .hasMessageContaining("%REQ(X-CUSTOM)%")
        .hasMessageContaining("X-CUSTOM is not kept");
    assertThatThrownBy(() -> AccessLogFormat.text("%START_TIME(%s)%"))
        .hasMessageContaining("takes no argument");
  }

  @Test
  void brokenSyntaxIsRefusedWithWhere() {
    assertThatThrownBy(() -> AccessLogFormat.text("100% done"))
        .hasMessageContaining("'%' at 3 starts no operator");
    assertThatThrownBy(() -> AccessLogFormat.text("%DURATION"))
        .hasMessageContaining("%DURATION at 0 does not end with '%'");
    assertThatThrownBy(() -> AccessLogFormat.text("%REQ(:PATH%"))
        .hasMessageContaining("is not closed");
  }

  @Test
  void jsonKeepsNumbersNumbersAndUnknownValuesNull() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("code", "%RESPONSE_CODE%");
    fields.put("path", "%REQ(:PATH)%");
    fields.put("sni", "%CONNECTION_TERMINATION_DETAILS%");
    fields.put("mixed", "took %DURATION% ms \"quoted\"");
    fields.put("nested", Map.of("cluster", "%UPSTREAM_CLUSTER%"));
    fields.put("fixed", 7.5);
    StringBuilder out = new StringBuilder();
    AccessLogFormat.json(fields).appendTo(out, served());
    assertThat(out.toString())
        .isEqualTo(
            "{\"code\":503,\"path\":\"/reviews/1?x=2\",\"sni\":null,"
                + "\"mixed\":\"took 7 ms \\\"quoted\\\"\","
                + "\"nested\":{\"cluster\":\"outbound|9080|v2|reviews.default.svc.cluster.local\"},"
                + "\"fixed\":7.5}\n");
  }

  @Test
  void istiosDefaultJsonHasIstiosKeys() {
    StringBuilder out = new StringBuilder();
    AccessLogFormat.json(AccessLogFormat.ISTIO_JSON).appendTo(out, served());
    assertThat(out.toString())
        .startsWith("{\"start_time\":\"2023-11-14T22:13:20.123Z\",\"route_name\":\"reviews-v2\"")
        .contains("\"response_code\":503")
        .contains("\"upstream_service_time\":\"3\"")
        .contains("\"upstream_cluster\":\"outbound|9080|v2|reviews.default.svc.cluster.local\"")
        .contains("\"upstream_transport_failure_reason\":null")
        .endsWith("}\n");
    assertThat(AccessLogFormat.ISTIO_JSON).hasSize(24);
  }

  @Test
  void aJsonKeyWithABadTemplateIsNamed() {
    assertThatThrownBy(() -> AccessLogFormat.json(Map.of("who", Map.of("me", "%NOPE%"))))
        .hasMessageContaining("key who.me")
        .hasMessageContaining("%NOPE%");
  }
}
