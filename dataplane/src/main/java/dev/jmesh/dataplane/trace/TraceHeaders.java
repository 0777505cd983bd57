package dev.jmesh.dataplane.trace;

import dev.jmesh.dataplane.record.RequestRecord;

/**
 * The trace context in a request's headers, in the formats Istio's proxies read and write: W3C
 * {@code traceparent}, B3 single-header {@code b3} and B3 multi-header {@code x-b3-*}. {@link
 * #extract} reads the caller's context (trace id, parent span, sampling decision, which formats it
 * came in) into a record; {@link #inject} writes the record's span into the same formats, or a W3C
 * {@code traceparent} when the trace starts here. {@code tracestate} goes on untouched.
 */
public final class TraceHeaders {

  /** The span is sampled: it is reported, and the headers say so. */
  public static final int SAMPLED = 1;

  /** The request carried a W3C {@code traceparent}. */
  public static final int W3C = 1 << 1;

  /** The request carried a B3 single header with ids. */
  public static final int B3_SINGLE = 1 << 2;

  /** The request carried B3 multi headers ({@code x-b3-traceid}...). */
  public static final int B3_MULTI = 1 << 3;

  /** The request carried a sampling decision, which the mesh follows. */
  public static final int DECIDED = 1 << 4;

  /** The trace started at this span: the request carried no trace id. */
  public static final int NEW_TRACE = 1 << 5;

  static final int FORMATS = W3C | B3_SINGLE | B3_MULTI;

  /** Reads a request header by its lower-case name; {@code null} when absent. */
  @FunctionalInterface
  public interface Reader {
    CharSequence get(String lowerCaseName);
  }

  /** Sets a request header, replacing any value it had. */
  @FunctionalInterface
  public interface Writer {
    void set(String lowerCaseName, String value);
  }

  private TraceHeaders() {}

  /**
   * Reads the trace context of {@code headers} into {@code record}'s span (trace id, parent span
   * id, flags; no tracing and no span id yet). Returns whether a trace id was found.
   */
  static boolean extract(Reader headers, RequestRecord record) {
    CharSequence tp = headers.get("traceparent");
    if (tp != null && tp.length() >= 55 && parseTraceparent(tp, record)) {
      alsoIn(headers, record, B3_SINGLE | B3_MULTI);
      return true;
    }
    CharSequence b3 = headers.get("b3");
    int decided = 0;
    if (b3 != null) {
      if (b3.length() == 1) {
        // A decision without ids: "0" (do not sample), "1", or "d" (debug).
        char c = b3.charAt(0);
        decided = DECIDED | (c == '1' || c == 'd' ? SAMPLED : 0);
      } else if (parseB3(b3, record)) {
        alsoIn(headers, record, B3_MULTI);
        return true;
      }
    }
    CharSequence traceId = headers.get("x-b3-traceid");
    CharSequence spanId = headers.get("x-b3-spanid");
    if (traceId != null && spanId != null) {
      int n = traceId.length();
      long high = n == 32 ? TraceIds.hex(traceId, 0, 16) : 0;
      long low =
          n == 32 ? TraceIds.hex(traceId, 16, 16) : n == 16 ? TraceIds.hex(traceId, 0, 16) : 0;
      long parent = spanId.length() == 16 ? TraceIds.hex(spanId, 0, 16) : 0;
      if ((high | low) != 0 && parent != 0 && (n != 32 || TraceIds.isHex(traceId, 0, 32))) {
        int flags =
            B3_MULTI | decided | b3Decision(headers.get("x-b3-sampled"), headers.get("x-b3-flags"));
        record.span(null, high, low, 0, parent, flags);
        return true;
      }
    }
    if (decided == 0) {
      // B3 lets a caller send its decision alone: "x-b3-sampled: 0" means do not sample.
      decided = b3Decision(headers.get("x-b3-sampled"), headers.get("x-b3-flags"));
    }
    record.span(null, 0, 0, 0, 0, decided);
    return false;
  }

  /**
   * The context came in more than one format (a W3C {@code traceparent} and B3 headers, say): the
   * span goes out in each of them, so no format carries a stale parent on.
   */
  private static void alsoIn(Reader headers, RequestRecord record, int formats) {
    int flags = record.traceFlags();
    if ((formats & B3_SINGLE) != 0) {
      CharSequence b3 = headers.get("b3");
      flags |= b3 != null && b3.length() > 1 ? B3_SINGLE : 0;
    }
    if ((formats & B3_MULTI) != 0 && headers.get("x-b3-traceid") != null) {
      flags |= B3_MULTI;
    }
    record.span(null, record.traceIdHigh(), record.traceIdLow(), 0, record.parentSpanId(), flags);
  }

  /** B3's {@code x-b3-flags: 1} (debug: sample) or {@code x-b3-sampled}; 0 when neither. */
  private static int b3Decision(CharSequence sampled, CharSequence debug) {
    if (debug != null && debug.length() == 1 && debug.charAt(0) == '1') {
      return DECIDED | SAMPLED;
    }
    if (sampled != null && sampled.length() > 0) {
      char c = sampled.charAt(0);
      return DECIDED | (c == '1' || c == 't' ? SAMPLED : 0);
    }
    return 0;
  }

  /** {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}; version ff is invalid. */
  private static boolean parseTraceparent(CharSequence tp, RequestRecord record) {
    if (tp.charAt(2) != '-' || tp.charAt(35) != '-' || tp.charAt(52) != '-') {
      return false;
    }
    if (!TraceIds.isHex(tp, 0, 2) || (tp.charAt(0) == 'f' && tp.charAt(1) == 'f')) {
      return false;
    }
    if (!TraceIds.isHex(tp, 3, 32) || !TraceIds.isHex(tp, 53, 2)) {
      return false;
    }
    long high = TraceIds.hex(tp, 3, 16);
    long low = TraceIds.hex(tp, 19, 16);
    long parent = TraceIds.hex(tp, 36, 16);
    if ((high | low) == 0 || parent == 0) {
      return false;
    }
    int flags = W3C | DECIDED | ((TraceIds.hex(tp, 53, 2) & 1) != 0 ? SAMPLED : 0);
    record.span(null, high, low, 0, parent, flags);
    return true;
  }

  /** {@code traceid-spanid[-sampled[-parentspanid]]}, the trace id 16 or 32 hex digits. */
  private static boolean parseB3(CharSequence b3, RequestRecord record) {
    int dash = indexOf(b3, '-', 0);
    if (dash != 16 && dash != 32) {
      return false;
    }
    long high = dash == 32 ? TraceIds.hex(b3, 0, 16) : 0;
    long low = TraceIds.hex(b3, dash - 16, 16);
    if (dash == 32 && !TraceIds.isHex(b3, 0, 16)) {
      return false;
    }
    long span = TraceIds.hex(b3, dash + 1, 16);
    if ((high | low) == 0 || span == 0) {
      return false;
    }
    int flags = B3_SINGLE;
    int rest = dash + 17;
    if (rest < b3.length()) {
      if (b3.charAt(rest) != '-' || rest + 1 >= b3.length()) {
        return false;
      }
      char c = b3.charAt(rest + 1);
      flags |= DECIDED | (c == '1' || c == 'd' ? SAMPLED : 0);
    }
    record.span(null, high, low, 0, span, flags);
    return true;
  }

  private static int indexOf(CharSequence s, char c, int from) {
    for (int i = from; i < s.length(); i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether the headers must change for {@code record}'s span: always when it is sampled or the
   * trace starts here, or when the caller left the decision to the mesh; a caller's "do not sample"
   * goes on as it came, so such a request costs nothing.
   */
  static boolean mustInject(int flags) {
    return (flags & SAMPLED) != 0 || (flags & NEW_TRACE) != 0 || (flags & DECIDED) == 0;
  }

  /**
   * Writes {@code record}'s span into {@code out}, in each format the request came in (a W3C {@code
   * traceparent} for a new trace), the span id as the new parent.
   */
  public static void inject(RequestRecord record, Writer out) {
    int flags = record.traceFlags();
    boolean sampled = (flags & SAMPLED) != 0;
    long high = record.traceIdHigh();
    long low = record.traceIdLow();
    String span = TraceIds.spanHex(record.spanId());
    if ((flags & FORMATS) == 0 || (flags & W3C) != 0) {
      StringBuilder b = new StringBuilder(55).append("00-");
      TraceIds.appendHex(TraceIds.appendHex(b, high), low).append('-').append(span);
      out.set("traceparent", b.append(sampled ? "-01" : "-00").toString());
    }
    if ((flags & B3_SINGLE) != 0) {
      StringBuilder b = new StringBuilder(68).append(TraceIds.traceHex(high, low, true));
      b.append('-').append(span).append(sampled ? "-1" : "-0");
      if (record.parentSpanId() != 0) {
        TraceIds.appendHex(b.append('-'), record.parentSpanId());
      }
      out.set("b3", b.toString());
    }
    if ((flags & B3_MULTI) != 0) {
      out.set("x-b3-traceid", TraceIds.traceHex(high, low, true));
      out.set("x-b3-spanid", span);
      if (record.parentSpanId() != 0) {
        out.set("x-b3-parentspanid", TraceIds.spanHex(record.parentSpanId()));
      }
      out.set("x-b3-sampled", sampled ? "1" : "0");
    }
  }
}
