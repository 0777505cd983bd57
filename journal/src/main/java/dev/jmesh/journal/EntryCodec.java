package dev.jmesh.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesOut;

/**
 * The journal's entry format: hand-written binary, no reflection, independent of Chronicle's own
 * encodings (Chronicle only frames one document per entry). Every entry starts with its format
 * version, so a newer reader reads older journals; fields are only ever appended at the end, so a
 * reader skips what it does not know. Layout of version 1 (varint = unsigned LEB128, string =
 * varint of UTF-8 length + 1, 0 for null, then the bytes; long = 8 bytes little-endian):
 *
 * <pre>
 * byte    version (1)
 * int     CRC-32C of the payload (Chronicle's byte order): a torn or flipped entry is an error
 * -- payload --
 * byte    reporter code | protocol code &lt;&lt; 2
 * long    start, epoch ms
 * varint  duration ns, upstream ns + 1 (0 = no upstream)
 * string  source workload, namespace, principal; destination workload, namespace, principal;
 *         destination service, route, cluster, upstream host, method, authority, path,
 *         request id, trace id, connection security policy
 * varint  response code, gRPC status + 1 (0 = none), response flags, bytes received, bytes sent
 * headers request, response: varint count, varint omitted, then count x (string, string)
 * body    request, response: varint original length, varint kept length, the kept bytes
 * </pre>
 */
final class EntryCodec {

  /** The version this build writes. A reader accepts every version up to this one. */
  static final int FORMAT_VERSION = 1;

  static final String REDACTED = "[REDACTED]";

  private EntryCodec() {}

  /**
   * Encodes what {@code limits} keep of {@code r}: the payload, without version and checksum. The
   * request thread runs this into its hand-off slot, so it allocates nothing (a slot's buffer
   * aside, when an entry is the largest the slot has held).
   */
  static void writePayload(JournalRecord r, EntryBuffer out, EntryLimits limits) {
    out.writeByte(r.reporter().ordinal() | r.protocol().ordinal() << 2);
    out.writeLong(r.startEpochMillis());
    out.writeVarint(r.durationNanos());
    out.writeVarint(r.upstreamNanos() + 1);
    out.writeString(r.sourceWorkload());
    out.writeString(r.sourceNamespace());
    out.writeString(r.sourcePrincipal());
    out.writeString(r.destinationWorkload());
    out.writeString(r.destinationNamespace());
    out.writeString(r.destinationPrincipal());
    out.writeString(r.destinationService());
    out.writeString(r.route());
    out.writeString(r.cluster());
    out.writeString(r.upstreamHost());
    out.writeString(r.method());
    out.writeString(r.authority());
    out.writeString(r.path());
    out.writeString(r.requestId());
    out.writeString(r.traceId());
    out.writeString(r.securityPolicy());
    out.writeVarint(r.responseCode() & 0xFFFFFFFFL);
    out.writeVarint(r.grpcStatus() + 1L);
    out.writeVarint(r.responseFlags() & 0xFFFFFFFFL);
    out.writeVarint(Math.max(0, r.bytesReceived()));
    out.writeVarint(Math.max(0, r.bytesSent()));
    writeHeaders(r.requestHeaders(), out, limits);
    writeHeaders(r.responseHeaders(), out, limits);
    writeBody(r.requestBody(), out, limits.maxBodyBytes());
    writeBody(r.responseBody(), out, limits.maxBodyBytes());
  }

  /** Headers past the settings' count are counted as omitted, with those the record omitted. */
  private static void writeHeaders(HeaderList headers, EntryBuffer out, EntryLimits limits) {
    int kept = Math.min(headers.size(), limits.maxHeaders());
    out.writeVarint(kept);
    out.writeVarint(headers.omitted() + (headers.size() - kept));
    for (int i = 0; i < kept; i++) {
      String name = headers.name(i);
      out.writeString(name);
      if (limits.redaction().redacts(name)) {
        out.writeString(REDACTED);
      } else {
        out.writeString(headers.value(i), limits.maxHeaderValueChars());
      }
    }
  }

  private static void writeBody(BodyRange body, EntryBuffer out, int maxBytes) {
    int kept = Math.min(body.length(), maxBytes);
    out.writeVarint(body.originalLength());
    out.writeVarint(kept);
    if (kept > 0) {
      out.write(body.array(), body.offset(), kept);
    }
  }

  /**
   * Writes one entry, version and checksum ahead of {@code payload}, to {@code out}: the writer
   * thread's side, one copy of the slot's bytes into Chronicle.
   */
  static void writeEntry(EntryBuffer payload, BytesOut<?> out, CRC32C crc) {
    crc.reset();
    crc.update(payload.array(), 0, payload.length());
    out.writeByte((byte) FORMAT_VERSION);
    out.writeInt((int) crc.getValue());
    out.write(payload.array(), 0, payload.length());
  }

  /**
   * Reads one entry. Throws {@link CorruptEntryException} for a version this reader does not know,
   * a checksum that does not match, or bytes that end before the entry does.
   */
  static JournalEntry read(long index, BytesIn<?> in) {
    long available = in.readRemaining();
    if (available < 5) {
      throw new CorruptEntryException("an entry of " + available + " bytes is too short");
    }
    if (available > ChronicleSink.BLOCK_SIZE) {
      // Chronicle never frames an entry larger than a block: a damaged length header does, and
      // reading it would run past the end of the mapped file.
      throw new CorruptEntryException(
          "an entry of " + available + " bytes is larger than the journal ever writes");
    }
    int version = in.readByte() & 0xFF;
    if (version == 0) {
      throw new CorruptEntryException("format version 0 does not exist (damaged entry)");
    }
    if (version > FORMAT_VERSION) {
      throw CorruptEntryException.newerFormat(
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
    return readPayload(version, index, new EntryBytes(payload));
  }

  static JournalEntry readPayload(int version, long index, EntryBytes in) {
    int kind = in.readByte();
    JournalReporter reporter = JournalReporter.ofCode(kind & 3);
    JournalProtocol protocol;
    try {
      protocol = JournalProtocol.ofCode(kind >>> 2);
    } catch (IllegalArgumentException e) {
      throw new CorruptEntryException(e.getMessage(), e);
    }
    long start = in.readLong();
    long duration = in.readVarint();
    long upstream = in.readVarint() - 1;
    String sourceWorkload = in.readString();
    String sourceNamespace = in.readString();
    String sourcePrincipal = in.readString();
    String destinationWorkload = in.readString();
    String destinationNamespace = in.readString();
    String destinationPrincipal = in.readString();
    String destinationService = in.readString();
    String route = in.readString();
    String cluster = in.readString();
    String upstreamHost = in.readString();
    String method = in.readString();
    String authority = in.readString();
    String path = in.readString();
    String requestId = in.readString();
    String traceId = in.readString();
    String securityPolicy = in.readString();
    int code = (int) in.readVarint();
    int grpc = (int) (in.readVarint() - 1);
    int flags = (int) in.readVarint();
    long received = in.readVarint();
    long sent = in.readVarint();
    ReadHeaders requestHeaders = readHeaders(in);
    ReadHeaders responseHeaders = readHeaders(in);
    long requestLength = in.readVarint();
    byte[] requestBody = in.readBytes(in.readVarint());
    long responseLength = in.readVarint();
    byte[] responseBody = in.readBytes(in.readVarint());
    // Fields a later version appends are skipped: this reader stops here.
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
  }

  private record ReadHeaders(List<JournalHeader> headers, int omitted) {}

  private static ReadHeaders readHeaders(EntryBytes in) {
    long count = in.readVarint();
    long omitted = in.readVarint();
    in.checkedLength(count);
    if (omitted > Integer.MAX_VALUE) {
      throw new CorruptEntryException("an omitted-header count of " + omitted + " is not real");
    }
    List<JournalHeader> headers = new ArrayList<>((int) count);
    for (int i = 0; i < count; i++) {
      String name = in.readString();
      String value = in.readString();
      if (name == null || value == null) {
        throw new CorruptEntryException("header " + i + " has no name or value");
      }
      headers.add(new JournalHeader(name, value));
    }
    return new ReadHeaders(List.copyOf(headers), (int) omitted);
  }
}
