package dev.jmesh.dataplane.engine;

import java.nio.charset.StandardCharsets;

/**
 * What a connection speaks, told from its first bytes as Envoy's TLS and HTTP inspectors tell it: a
 * TLS handshake record, the HTTP/2 connection preface (h2c with prior knowledge), an HTTP/1 request
 * line, or something else (raw TCP). Reads only what it is given and never blocks: with too few
 * bytes to tell, it says so and the caller reads more — the engine sniffs after the accept, on the
 * first read, never in {@code accept()}, so server-speaks-first protocols are not stalled.
 */
public final class FirstBytes {

  /** The protocol the first bytes announce. */
  public enum Protocol {
    /** Too few bytes to tell yet. */
    NEED_MORE,
    /** A TLS record carrying a handshake (the ClientHello). */
    TLS,
    /** The HTTP/2 connection preface: h2c with prior knowledge. */
    HTTP2,
    /** An HTTP/1.x request line. */
    HTTP1,
    /** Anything else: raw TCP. */
    OTHER
  }

  static final byte[] HTTP2_PREFACE = ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

  private static final byte[][] METHODS = {
    ascii("GET "),
    ascii("POST "),
    ascii("PUT "),
    ascii("DELETE "),
    ascii("HEAD "),
    ascii("OPTIONS "),
    ascii("PATCH "),
    ascii("TRACE "),
    ascii("CONNECT ")
  };

  private FirstBytes() {}

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Classifies {@code length} bytes of {@code data} from {@code offset}. */
  public static Protocol classify(byte[] data, int offset, int length) {
    if (length < 1) {
      return Protocol.NEED_MORE;
    }
    // TLS: handshake content type 22, then major version 3 (SSL 3.0 to TLS 1.3 all say 3).
    if (data[offset] == 0x16) {
      if (length < 2) {
        return Protocol.NEED_MORE;
      }
      return data[offset + 1] == 0x03 ? Protocol.TLS : Protocol.OTHER;
    }
    Match h2 = startsWith(data, offset, length, HTTP2_PREFACE);
    if (h2 != Match.NO) {
      return h2 == Match.YES ? Protocol.HTTP2 : Protocol.NEED_MORE;
    }
    boolean undecided = false;
    for (byte[] method : METHODS) {
      Match m = startsWith(data, offset, length, method);
      if (m == Match.YES) {
        return Protocol.HTTP1;
      }
      undecided |= m == Match.MAYBE;
    }
    return undecided ? Protocol.NEED_MORE : Protocol.OTHER;
  }

  private enum Match {
    YES,
    /** The data is a beginning of the expected bytes. */
    MAYBE,
    NO
  }

  private static Match startsWith(byte[] data, int offset, int length, byte[] expected) {
    int n = Math.min(length, expected.length);
    for (int i = 0; i < n; i++) {
      if (data[offset + i] != expected[i]) {
        return Match.NO;
      }
    }
    return n == expected.length ? Match.YES : Match.MAYBE;
  }
}
