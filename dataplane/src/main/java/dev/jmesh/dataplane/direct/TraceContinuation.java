package dev.jmesh.dataplane.direct;

import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshTraceContext;

/**
 * Continues the trace of the inbound request a thread serves on an outbound request that thread
 * makes, so the application need not forward the headers as Istio asks it to: the same trace, a new
 * span (the outbound call's) whose parent is the inbound span, in each format the inbound request
 * used — W3C {@code traceparent} (with {@code tracestate}), B3 single and multi-header — and the
 * same {@code x-request-id}. Headers the application set itself are left alone: it forwarded them
 * deliberately.
 */
final class TraceContinuation {

  private TraceContinuation() {}

  /** Writes the continued headers for the outbound span {@code spanId} (16 hex digits). */
  static void apply(MeshTraceContext in, String spanId, MeshHeaders out) {
    String parent = in.traceparent();
    if (parent != null && !out.contains("traceparent") && isTraceparent(parent)) {
      // version-traceid-parentid-flags; only the parent id changes.
      out.set("traceparent", parent.substring(0, 36) + spanId + parent.substring(52));
      if (in.tracestate() != null && !out.contains("tracestate")) {
        out.set("tracestate", in.tracestate());
      }
    }
    String b3 = in.b3();
    if (b3 != null && !out.contains("b3")) {
      String continued = continueB3(b3, spanId);
      if (continued != null) {
        out.set("b3", continued);
      }
    }
    String traceId = in.b3TraceId();
    if (traceId != null && !out.contains("x-b3-traceid") && isHex(traceId, 16, 32)) {
      out.set("x-b3-traceid", traceId);
      out.set("x-b3-spanid", spanId);
      if (in.b3SpanId() != null && isHex(in.b3SpanId(), 16, 16)) {
        out.set("x-b3-parentspanid", in.b3SpanId());
      }
      if (in.b3Sampled() != null) {
        out.set("x-b3-sampled", in.b3Sampled());
      }
    }
    if (in.requestId() != null && !out.contains("x-request-id")) {
      out.set("x-request-id", in.requestId());
    }
  }

  /** {@code 00-<32 hex>-<16 hex>-<2 hex>}, as W3C Trace Context version 00 writes it. */
  static boolean isTraceparent(String v) {
    return v.length() >= 55
        && v.charAt(2) == '-'
        && v.charAt(35) == '-'
        && v.charAt(52) == '-'
        && isHex(v.substring(0, 2), 2, 2)
        && isHex(v.substring(3, 35), 32, 32)
        && isHex(v.substring(36, 52), 16, 16)
        && isHex(v.substring(53, 55), 2, 2);
  }

  /**
   * {@code traceid-spanid[-sampled[-parentspanid]]} becomes {@code
   * traceid-newspan[-sampled]-spanid}; a sampling-only value ({@code 0}, {@code 1}, {@code d}) goes
   * on as it is.
   */
  static String continueB3(String b3, String spanId) {
    String[] parts = b3.split("-", -1);
    if (parts.length == 1) {
      return b3.length() == 1 ? b3 : null;
    }
    if (parts.length > 4 || !isHex(parts[0], 16, 32) || !isHex(parts[1], 16, 16)) {
      return null;
    }
    String sampled = parts.length >= 3 ? "-" + parts[2] : "";
    return parts[0] + "-" + spanId + sampled + "-" + parts[1];
  }

  static boolean isHex(String s, int min, int max) {
    if (s.length() < min || s.length() > max) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** A span id: 16 lower-case hex digits, never all zero (W3C calls that invalid). */
  static String spanId(long random) {
    long r = random == 0 ? 1 : random;
    String hex = Long.toHexString(r);
    return "0000000000000000".substring(hex.length()) + hex;
  }
}
