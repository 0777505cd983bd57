package dev.jmesh.dataplane.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a TLS ClientHello the mesh routes by, read without terminating TLS: the server name
 * (SNI), which picks a TLS pass-through filter chain, and the ALPN protocols. Parsing is defensive
 * — every length is checked against what is there — and incomplete input asks for more bytes rather
 * than failing, up to one full TLS record.
 *
 * <pre>{@code
 * ClientHello.Result r = ClientHello.parse(buffer, 0, readSoFar);
 * if (r.status() == ClientHello.Status.NEED_MORE) { readMore(); }
 * TcpRoute route = listener.route(r.serverName());
 * }</pre>
 */
public final class ClientHello {

  /** The largest TLS record: a ClientHello that does not fit one is not inspected. */
  public static final int MAX_RECORD = 5 + (1 << 14);

  private static final int HANDSHAKE = 0x16;
  private static final int CLIENT_HELLO = 0x01;
  private static final int SERVER_NAME = 0x0000;
  private static final int ALPN = 0x0010;
  private static final int HOST_NAME = 0x00;

  /** How parsing went. */
  public enum Status {
    /** Parsed; the fields are set. */
    OK,
    /** The bytes so far are a valid beginning: read more (up to {@link #MAX_RECORD}). */
    NEED_MORE,
    /** Not a ClientHello, or a malformed one. */
    NOT_CLIENT_HELLO
  }

  /**
   * What was found.
   *
   * @param status how parsing went
   * @param serverName the SNI host name, {@code null} when absent
   * @param alpn the ALPN protocols offered, in the client's order
   */
  public record Result(Status status, String serverName, List<String> alpn) {
    public Result {
      alpn = List.copyOf(alpn);
    }
  }

  private static final Result NEED_MORE = new Result(Status.NEED_MORE, null, List.of());
  private static final Result INVALID = new Result(Status.NOT_CLIENT_HELLO, null, List.of());

  private ClientHello() {}

  /** Parses the first record of a connection, {@code length} bytes from {@code offset}. */
  public static Result parse(byte[] data, int offset, int length) {
    if (length < 5) {
      return length > 0 && (data[offset] & 0xff) != HANDSHAKE ? INVALID : NEED_MORE;
    }
    if ((data[offset] & 0xff) != HANDSHAKE || data[offset + 1] != 0x03) {
      return INVALID;
    }
    int recordLength = readU16(data, offset + 3);
    if (recordLength > MAX_RECORD - 5 || recordLength < 4) {
      return INVALID;
    }
    if (length < 5 + recordLength) {
      return NEED_MORE;
    }
    Reader r = new Reader(data, offset + 5, offset + 5 + recordLength);
    if (r.u8() != CLIENT_HELLO) {
      return INVALID;
    }
    int helloLength = r.u24();
    if (helloLength > r.remaining()) {
      // A ClientHello spanning several records is legal but rare; it is not inspected.
      return INVALID;
    }
    r.limit(r.position() + helloLength);
    r.skip(2 + 32); // client_version, random
    r.skip(r.u8()); // session_id
    r.skip(r.u16()); // cipher_suites
    r.skip(r.u8()); // compression_methods
    if (r.failed()) {
      return INVALID;
    }
    if (r.remaining() == 0) {
      return new Result(Status.OK, null, List.of()); // no extensions at all
    }
    int extensionsLength = r.u16();
    int extensionsEnd = r.position() + extensionsLength;
    if (r.failed() || extensionsEnd > r.limit()) {
      return INVALID;
    }
    String serverName = null;
    List<String> alpn = new ArrayList<>();
    while (r.position() < extensionsEnd) {
      int type = r.u16();
      int size = r.u16();
      if (r.failed() || r.position() + size > extensionsEnd) {
        return INVALID;
      }
      int next = r.position() + size;
      if (type == SERVER_NAME) {
        int listLength = r.u16();
        int listEnd = r.position() + listLength;
        while (!r.failed() && r.position() < listEnd && listEnd <= next) {
          int nameType = r.u8();
          int nameLength = r.u16();
          if (nameType == HOST_NAME && !r.failed() && r.position() + nameLength <= listEnd) {
            serverName = r.ascii(nameLength);
          } else {
            r.skip(nameLength);
          }
        }
      } else if (type == ALPN) {
        int listLength = r.u16();
        int listEnd = r.position() + listLength;
        while (!r.failed() && r.position() < listEnd && listEnd <= next) {
          int protocolLength = r.u8();
          if (r.position() + protocolLength > listEnd) {
            return INVALID;
          }
          alpn.add(r.ascii(protocolLength));
        }
      }
      if (r.failed()) {
        return INVALID;
      }
      r.seek(next);
    }
    return new Result(Status.OK, serverName, alpn);
  }

  private static int readU16(byte[] b, int i) {
    return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
  }

  /** Reads big-endian fields within a limit; a read past it marks the reader failed. */
  private static final class Reader {
    private final byte[] data;
    private int position;
    private int limit;
    private boolean failed;

    Reader(byte[] data, int position, int limit) {
      this.data = data;
      this.position = position;
      this.limit = limit;
    }

    private boolean has(int n) {
      if (failed || n < 0 || position + n > limit) {
        failed = true;
        return false;
      }
      return true;
    }

    int u8() {
      return has(1) ? data[position++] & 0xff : 0;
    }

    int u16() {
      if (!has(2)) {
        return 0;
      }
      int v = readU16(data, position);
      position += 2;
      return v;
    }

    int u24() {
      if (!has(3)) {
        return 0;
      }
      int v = (data[position] & 0xff) << 16 | readU16(data, position + 1);
      position += 3;
      return v;
    }

    void skip(int n) {
      if (has(n)) {
        position += n;
      }
    }

    String ascii(int n) {
      if (!has(n)) {
        return null;
      }
      String s = new String(data, position, n, StandardCharsets.US_ASCII);
      position += n;
      return s;
    }

    void seek(int p) {
      position = p;
    }

    int position() {
      return position;
    }

    int limit() {
      return limit;
    }

    void limit(int l) {
      if (l > limit) {
        failed = true;
      } else {
        limit = l;
      }
    }

    int remaining() {
      return limit - position;
    }

    boolean failed() {
      return failed;
    }
  }
}
