package dev.jmesh.dataplane.direct;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshTraceContext;
import dev.jmesh.dataplane.MapHeaders;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TraceContinuationTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";
  private static final String NEW_SPAN = "1111222233334444";

  @AfterEach
  void leaveTheThreadClean() {
    MeshHooks.exitInbound();
  }

  private static Map<String, String> continued(
      String traceparent, String b3, String b3Trace, String b3Span, String requestId) {
    MeshHooks.enterInbound(traceparent, "vendor=1", b3, b3Trace, b3Span, "1", requestId);
    MeshTraceContext in = MeshHooks.inboundContext();
    MapHeaders out = new MapHeaders();
    TraceContinuation.apply(in, NEW_SPAN, out);
    return out.values;
  }

  @Test
  void w3cKeepsTheTraceAndFlagsAndNamesTheOutboundSpan() {
    Map<String, String> out = continued("00-" + TRACE + "-" + SPAN + "-01", null, null, null, null);
    assertThat(out)
        .containsEntry("traceparent", "00-" + TRACE + "-" + NEW_SPAN + "-01")
        .containsEntry("tracestate", "vendor=1");
  }

  @Test
  void b3SingleAndMultiHeaderNameTheInboundSpanAsParent() {
    Map<String, String> out = continued(null, TRACE + "-" + SPAN + "-1", TRACE, SPAN, "7f1c-req");
    assertThat(out)
        .containsEntry("b3", TRACE + "-" + NEW_SPAN + "-1-" + SPAN)
        .containsEntry("x-b3-traceid", TRACE)
        .containsEntry("x-b3-spanid", NEW_SPAN)
        .containsEntry("x-b3-parentspanid", SPAN)
        .containsEntry("x-b3-sampled", "1")
        .containsEntry("x-request-id", "7f1c-req");
  }

  @Test
  void malformedHeadersAreNotContinuedAndTheApplicationsOwnWin() {
    Map<String, String> out = continued("00-nothex-" + SPAN + "-01", "garbage", null, null, "r");
    assertThat(out).doesNotContainKeys("traceparent", "b3").containsEntry("x-request-id", "r");
    MeshHooks.exitInbound();
    MeshHooks.enterInbound("00-" + TRACE + "-" + SPAN + "-01", null, null, null, null, null, null);
    MapHeaders own = new MapHeaders();
    own.set("traceparent", "00-" + TRACE + "-aaaaaaaaaaaaaaaa-01");
    TraceContinuation.apply(MeshHooks.inboundContext(), NEW_SPAN, own);
    assertThat(own.values).containsEntry("traceparent", "00-" + TRACE + "-aaaaaaaaaaaaaaaa-01");
  }

  @Test
  void aNewRequestReplacesWhateverTheThreadHeld() {
    MeshHooks.enterInbound("00-" + TRACE + "-" + SPAN + "-01", null, null, null, null, null, null);
    MeshHooks.enterInbound(null, null, null, null, null, null, "other");
    assertThat(MeshHooks.inboundContext().traceparent()).isNull();
    assertThat(MeshHooks.inboundContext().requestId()).isEqualTo("other");
    // A request without trace headers leaves no context, whatever came before it.
    MeshHooks.enterInbound(null, null, null, null, null, null, null);
    assertThat(MeshHooks.inboundContext()).isNull();
    MeshHooks.enterInbound(null, null, null, null, null, null, "r");
    MeshHooks.exitInbound();
    assertThat(MeshHooks.inboundContext()).isNull();
  }

  @Test
  void spanIdsAreSixteenHexDigitsAndNeverZero() {
    assertThat(TraceContinuation.spanId(0)).isEqualTo("0000000000000001");
    assertThat(TraceContinuation.spanId(-1)).isEqualTo("ffffffffffffffff");
    assertThat(TraceContinuation.spanId(0xabc)).isEqualTo("0000000000000abc");
  }
}
