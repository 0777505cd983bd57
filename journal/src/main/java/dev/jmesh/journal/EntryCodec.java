package dev.jmesh.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesOut;

/**
 * The journal's entry format: hand-written binary, no reflection. Every entry starts with its
 * format version, so a newer reader reads older journals; fields are only ever appended at the end,
 * so a reader skips what it does not know. Layout of version 1 (stop-bit = Chronicle's varint,
 * string = stop-bit UTF-8 length, -1 for null, then the bytes):
 *
 * <pre>
 * byte    version (1)
 * int     CRC-32C of everything after it: a torn or flipped entry is an error, not a record
 * byte    reporter code | protocol code &lt;&lt; 2
 * long    start, epoch ms
 * stopbit duration ns, upstream ns + 1 (0 = no upstream)
 * string  source workload, namespace, principal; destination workload, namespace, principal;
 *         destination service, route, cluster, upstream host, method, authority, path,
 *         request id, trace id, connection security policy
 * stopbit response code, gRPC status + 1, response flags, bytes received, bytes sent
 * headers request, response: stopbit count, stopbit omitted, then count x (string, string)
 * body    request, response: stopbit original length, stopbit kept length, bytes
 * </pre>
 */
final class EntryCodec {

  /** The version this build writes. A reader accepts every version up to this one. */
  static final int FORMAT_VERSION = 1;

  static final String REDACTED = "[REDACTED]";

  private EntryCodec() {}

  /**
   * Writes one entry to {@code out}. The payload is built in {@code scratch} (the writer thread's
   * own, reused) so its checksum can precede it.
   */
  static void write(
      JournalRecord r,
      BytesOut<?> out,
      Bytes<byte[]> scratch,
      CRC32C crc,
      HeaderRedaction redaction,
      int maxValue) {
    scratch.clear();
    writePayload(r, scratch, redaction, maxValue);
    int length = (int) scratch.writePosition();
    byte[] payload = scratch.underlyingObject();
    crc.reset();
    crc.update(payload, 0, length);
    out.writeByte((byte) FORMAT_VERSION);
    out.writeInt((int) crc.getValue());
    out.write(payload, 0, length);
  }

  private static void writePayload(
      JournalRecord r, BytesOut<?> out, HeaderRedaction redaction, int maxValue) {
    out.writeByte((byte) (r.reporter().ordinal() | r.protocol().ordinal() << 2));
    out.writeLong(r.startEpochMillis());
    out.writeStopBit(r.durationNanos());
    out.writeStopBit(r.upstreamNanos() + 1);
    out.writeUtf8(r.sourceWorkload());
    out.writeUtf8(r.sourceNamespace());
    out.writeUtf8(r.sourcePrincipal());
    out.writeUtf8(r.destinationWorkload());
    out.writeUtf8(r.destinationNamespace());
    out.writeUtf8(r.destinationPrincipal());
    out.writeUtf8(r.destinationService());
    out.writeUtf8(r.route());
    out.writeUtf8(r.cluster());
    out.writeUtf8(r.upstreamHost());
    out.writeUtf8(r.method());
    out.writeUtf8(r.authority());
    out.writeUtf8(r.path());
    out.writeUtf8(r.requestId());
    out.writeUtf8(r.traceId());
    out.writeUtf8(r.securityPolicy());
    out.writeStopBit(r.responseCode());
    out.writeStopBit(r.grpcStatus() + 1L);
    out.writeStopBit(r.responseFlags() & 0xFFFFFFFFL);
    out.writeStopBit(r.bytesReceived());
    out.writeStopBit(r.bytesSent());
    writeHeaders(r.requestHeaders(), out, redaction, maxValue);
    writeHeaders(r.responseHeaders(), out, redaction, maxValue);
    writeBody(r.requestBody(), out);
    writeBody(r.responseBody(), out);
  }

  private static void writeHeaders(
      HeaderList headers, BytesOut<?> out, HeaderRedaction redaction, int maxValue) {
    out.writeStopBit(headers.size());
    out.writeStopBit(headers.omitted());
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      String value = headers.value(i);
      out.writeUtf8(name);
      if (redaction.redacts(name)) {
        out.writeUtf8(REDACTED);
      } else if (value.length() > maxValue) {
        out.writeUtf8(value.substring(0, maxValue));
      } else {
        out.writeUtf8(value);
      }
    }
  }

  private static void writeBody(BodyCopy body, BytesOut<?> out) {
    out.writeStopBit(body.originalLength());
    out.writeStopBit(body.length());
    if (body.length() > 0) {
      out.write(body.array(), body.offset(), body.length());
    }
  }

  /**
   * Reads one entry. Throws {@link CorruptEntryException} for a version this reader does not know
   * or bytes that end before the entry does.
   */
  static JournalEntry read(long index, BytesIn<?> in) {
    long available = in.readRemaining();
    if (available < 10) {
      throw new CorruptEntryException("an entry of " + available + " bytes is too short");
    }
    int version = in.readByte() & 0xFF;
    if (version == 0 || version > FORMAT_VERSION) {
      throw new CorruptEntryException(
          "format version "
              + version
              + " is unknown to this reader (it reads 1 to "
              + FORMAT_VERSION
              + "); a newer jmesh wrote it, read it with that version's mesh replay");
    }
    int expected = in.readInt();
    byte[] payload = new byte[(int) in.readRemaining()];
    in.read(payload);
    CRC32C crc = new CRC32C();
    crc.update(payload, 0, payload.length);
    if ((int) crc.getValue() != expected) {
      throw new CorruptEntryException(
          "the entry's checksum does not match its "
              + payload.length
              + " bytes (torn write or damaged file)");
    }
    return readPayload(version, index, Bytes.wrapForRead(payload));
  }

  private static JournalEntry readPayload(int version, long index, BytesIn<?> in) {
    try {
      int kind = in.readByte() & 0xFF;
      JournalReporter reporter = JournalReporter.ofCode(kind & 3);
      JournalProtocol protocol = JournalProtocol.ofCode(kind >>> 2);
      long start = in.readLong();
      long duration = in.readStopBit();
      long upstream = in.readStopBit() - 1;
      String sourceWorkload = in.readUtf8();
      String sourceNamespace = in.readUtf8();
      String sourcePrincipal = in.readUtf8();
      String destinationWorkload = in.readUtf8();
      String destinationNamespace = in.readUtf8();
      String destinationPrincipal = in.readUtf8();
      String destinationService = in.readUtf8();
      String route = in.readUtf8();
      String cluster = in.readUtf8();
      String upstreamHost = in.readUtf8();
      String method = in.readUtf8();
      String authority = in.readUtf8();
      String path = in.readUtf8();
      String requestId = in.readUtf8();
      String traceId = in.readUtf8();
      String securityPolicy = in.readUtf8();
      int code = (int) in.readStopBit();
      int grpc = (int) (in.readStopBit() - 1);
      int flags = (int) in.readStopBit();
      long received = in.readStopBit();
      long sent = in.readStopBit();
      ReadHeaders requestHeaders = readHeaders(in);
      ReadHeaders responseHeaders = readHeaders(in);
      long requestLength = in.readStopBit();
      byte[] requestBody = readBody(in);
      long responseLength = in.readStopBit();
      byte[] responseBody = readBody(in);
      return new JournalEntry(
          version,
          index,
          reporter,
          protocol,
          start,
          duration,
          upstream,
          sourceWorkload,
          sourceNamespace,
          sourcePrincipal,
          destinationWorkload,
          destinationNamespace,
          destinationPrincipal,
          destinationService,
          route,
          cluster,
          upstreamHost,
          method,
          authority,
          path,
          requestId,
          traceId,
          securityPolicy,
          code,
          grpc,
          flags,
          received,
          sent,
          requestHeaders.headers(),
          requestHeaders.omitted(),
          responseHeaders.headers(),
          responseHeaders.omitted(),
          requestBody,
          requestLength,
          responseBody,
          responseLength);
    } catch (RuntimeException e) {
      if (e instanceof CorruptEntryException) {
        throw e;
      }
      throw new CorruptEntryException("the entry's bytes do not decode: " + e, e);
    }
  }

  private record ReadHeaders(List<JournalHeader> headers, int omitted) {}

  private static ReadHeaders readHeaders(BytesIn<?> in) {
    long count = in.readStopBit();
    long omitted = in.readStopBit();
    if (count < 0 || count > in.readRemaining() || omitted < 0 || omitted > Integer.MAX_VALUE) {
      throw new CorruptEntryException("a header count of " + count + " does not fit the entry");
    }
    List<JournalHeader> headers = new ArrayList<>((int) count);
    for (int i = 0; i < count; i++) {
      String name = in.readUtf8();
      String value = in.readUtf8();
      if (name == null || value == null) {
        throw new CorruptEntryException("header " + i + " has no name or value");
      }
      headers.add(new JournalHeader(name, value));
    }
    return new ReadHeaders(List.copyOf(headers), (int) omitted);
  }

  private static byte[] readBody(BytesIn<?> in) {
    long kept = in.readStopBit();
    if (kept < 0 || kept > in.readRemaining()) {
      throw new CorruptEntryException("a body of " + kept + " bytes does not fit the entry");
    }
    byte[] body = new byte[(int) kept];
    in.read(body);
    return body;
  }
}
