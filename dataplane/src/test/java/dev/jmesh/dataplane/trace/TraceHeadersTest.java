package dev.jmesh.dataplane.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.record.RequestRecord;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** W3C and B3 contexts read from a request and written back with the mesh's span. */
class TraceHeadersTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";

  private static RequestRecord extract(Map<String, String> headers) {
    RequestRecord r = new RequestRecord();
    TraceHeaders.extract(headers::get, r);
    return r;
  }

  @Test
  void aTraceparentGivesTraceParentAndDecision() {
    RequestRecord r = extract(Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01"));
    assertThat(TraceIds.traceHex(r.traceIdHigh(), r.traceIdLow(), false)).isEqualTo(TRACE);
    assertThat(TraceIds.spanHex(r.parentSpanId())).isEqualTo(PARENT);
    assertThat(r.traceFlags())
        .isEqualTo(TraceHeaders.W3C | TraceHeaders.DECIDED | TraceHeaders.SAMPLED);
    r = extract(Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-00"));
    assertThat(r.traceFlags()).isEqualTo(TraceHeaders.W3C | TraceHeaders.DECIDED);
  }

  @Test
  void invalidTraceparentsAreIgnored() {
    for (String bad :
        new String[] {
          "00-00000000000000000000000000000000-" + PARENT + "-01",
          "00-" + TRACE + "-0000000000000000-01",
          "ff-" + TRACE + "-" + PARENT + "-01",
          "00-" + TRACE.replace('b', 'x') + "-" + PARENT + "-01",
          "00_" + TRACE + "-" + PARENT + "-01"
        }) {
      RequestRecord r = new RequestRecord();
      assertThat(TraceHeaders.extract(Map.of("traceparent", bad)::get, r)).as(bad).isFalse();
      assertThat(r.traceFlags()).as(bad).isZero();
    }
  }

  @Test
  void b3SingleAndMultiHeaders() {
    RequestRecord single =
        extract(Map.of("b3", "80f198ee56343ba8-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"));
    assertThat(single.traceIdHigh()).isZero();
    assertThat(TraceIds.spanHex(single.traceIdLow())).isEqualTo("80f198ee56343ba8");
    assertThat(TraceIds.spanHex(single.parentSpanId())).isEqualTo("e457b5a2e4d86bd1");
    assertThat(single.traceFlags())
        .isEqualTo(TraceHeaders.B3_SINGLE | TraceHeaders.DECIDED | TraceHeaders.SAMPLED);

    RequestRecord multi =
        extract(Map.of("x-b3-traceid", TRACE, "x-b3-spanid", PARENT, "x-b3-sampled", "0"));
    assertThat(TraceIds.traceHex(multi.traceIdHigh(), multi.traceIdLow(), false)).isEqualTo(TRACE);
    assertThat(multi.traceFlags()).isEqualTo(TraceHeaders.B3_MULTI | TraceHeaders.DECIDED);

    RequestRecord decisionOnly = extract(Map.of("b3", "0"));
    assertThat(decisionOnly.traceFlags()).isEqualTo(TraceHeaders.DECIDED);
    RequestRecord debug =
        extract(Map.of("x-b3-traceid", TRACE, "x-b3-spanid", PARENT, "x-b3-flags", "1"));
    assertThat(debug.traceFlags() & TraceHeaders.SAMPLED).isNotZero();
  }

  @Test
  void theSpanGoesOutInEachFormatTheRequestCameIn() {
    Map<String, String> in =
        Map.of(
            "traceparent",
            "00-" + TRACE + "-" + PARENT + "-01",
            "b3",
            TRACE + "-" + PARENT + "-1",
            "x-b3-traceid",
            TRACE,
            "x-b3-spanid",
            PARENT);
    RequestRecord r = extract(in);
    Tracing tracing = new Tracing(0, null, "", Map.of());
    assertThat(tracing.begin(true, r, 0x1234L)).isTrue();
    Map<String, String> out = new HashMap<>();
    TraceHeaders.inject(r, out::put);
    String span = "0000000000001234";
    assertThat(out)
        .containsEntry("traceparent", "00-" + TRACE + "-" + span + "-01")
        .containsEntry("b3", TRACE + "-" + span + "-1-" + PARENT)
        .containsEntry("x-b3-traceid", TRACE)
        .containsEntry("x-b3-spanid", span)
        .containsEntry("x-b3-parentspanid", PARENT)
        .containsEntry("x-b3-sampled", "1");
  }

  @Test
  void aNewTraceGoesOutAsATraceparent() {
    RequestRecord r = new RequestRecord();
    Tracing tracing = new Tracing(100, null, "", Map.of());
    assertThat(tracing.startServer(name -> null, r, 42)).isTrue();
    Map<String, String> out = new HashMap<>();
    TraceHeaders.inject(r, out::put);
    assertThat(out).containsOnlyKeys("traceparent");
    assertThat(out.get("traceparent"))
        .isEqualTo(
            "00-"
                + TraceIds.traceHex(r.traceIdHigh(), r.traceIdLow(), false)
                + "-000000000000002a-01");
    assertThat(r.parentSpanId()).isZero();
    assertThat(r.traceFlags() & TraceHeaders.NEW_TRACE).isNotZero();
  }
}
