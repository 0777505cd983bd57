package dev.jmesh.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesOut;

/**
 * The journal's entry format: hand-written binary, no reflection, independent of Chronicle's own
 * encodings (Chronicle only frames one document per entry). Every entry starts with its format
 * version, so a newer reader reads older journals; within a version, fields are only ever appended
 * at the end, so a reader skips what it does not know. Varint = unsigned LEB128, string = varint of
 * UTF-8 length + 1 (0 for null) then the bytes, long = 8 bytes little-endian. Version 2, written
 * since session 20:
 *
 * <pre>
 * byte    version (2)
 * int     CRC-32C of the payload as written (Chronicle's byte order): a torn or flipped entry is an
 *         error
 * -- payload --
 * byte    reporter code | protocol code &lt;&lt; 2
 * varint  labels back: 0 = the label block follows; n &gt; 0 = this entry's labels are the label
 *         block of the entry n indexes before it, in the same cycle file (n &lt;= 256)
 * labels  (only when labels back is 0) strings: source workload, namespace, principal; destination
 *         workload, namespace, principal; destination service, route, cluster, upstream host,
 *         authority, connection security policy
 * long    start, epoch ms
 * varint  duration ns, upstream ns + 1 (0 = no upstream)
 * string  method, path, request id, trace id
 * varint  response code, gRPC status + 1 (0 = none), response flags, bytes received, bytes sent
 * headers request, response: varint count, varint omitted, then count x (string, string)
 * body    request, response: varint original length, varint kept length, the kept bytes
 * </pre>
 *
 * <p>Why labels by reference: they are some 200 of a plain request's 320 bytes and the same for
 * every request between two workloads, and appending to Chronicle costs by the byte (page faults
 * and first writes into the mapped file, on the core the request path shares). The writer thread
 * decides ({@link LabelReferences}), so the request thread's encoding is the same either way; a
 * cycle file stays readable on its own, and a damaged entry costs at most the 256 after it that
 * refer to it.
 *
 * <p>Version 1 (every journal before session 20) had neither labels back nor a label block: after
 * the kind byte came start, duration and upstream, then every string inline, in this order: the ten
 * labels from source workload to upstream host, method, authority, path, request id, trace id,
 * connection security policy. The reader reads both.
 */
final class EntryCodec {

  /** The version this build writes. A reader accepts every version up to this one. */
  static final int FORMAT_VERSION = 2;

  /** Where a hand-off slot's label block starts: after the kind byte. */
  static final int LABELS_OFFSET = 1;

  static final String REDACTED = "[REDACTED]";

  private EntryCodec() {}

  /**
   * Encodes what {@code limits} keep of {@code r}: the payload, without version and checksum. The
   * request thread runs this into its hand-off slot, so it allocates nothing (a slot's buffer
   * aside, when an entry is the largest the slot has held).
   */
  static void writePayload(JournalRecord r, EntryBuffer out, EntryLimits limits) {
    out.writeByte(r.reporter().ordinal() | r.protocol().ordinal() << 2);
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
    out.writeString(r.authority());
    out.writeString(r.securityPolicy());
    out.markLabelsEnd();
    out.writeLong(r.startEpochMillis());
    out.writeVarint(r.durationNanos());
    out.writeVarint(r.upstreamNanos() + 1);
    out.writeString(r.method());
    out.writeString(r.path());
    out.writeString(r.requestId());
    out.writeString(r.traceId());
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
   * Writes one entry, version and checksum ahead of the payload, to {@code out}: the writer
   * thread's side. With {@code labelsBack} 0 the slot's bytes go out as they are (with the 0 that
   * says so); otherwise its label block is left out for the distance to the entry that carries it.
   * {@code scratch} holds the distance's varint, at least 10 bytes.
   */
  static void writeEntry(
      EntryBuffer payload, long labelsBack, BytesOut<?> out, CRC32C crc, byte[] scratch) {
    byte[] bytes = payload.array();
    int back = varint(labelsBack, scratch);
    int rest = labelsBack == 0 ? LABELS_OFFSET : payload.labelsEnd();
    int restLength = payload.length() - rest;
    crc.reset();
    crc.update(bytes, 0, LABELS_OFFSET);
    crc.update(scratch, 0, back);
    crc.update(bytes, rest, restLength);
    out.writeByte((byte) FORMAT_VERSION);
    out.writeInt((int) crc.getValue());
    out.write(bytes, 0, LABELS_OFFSET);
    out.write(scratch, 0, back);
    out.write(bytes, rest, restLength);
  }

  private static int varint(long v, byte[] into) {
    int n = 0;
    while ((v & ~0x7FL) != 0) {
      into[n++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    into[n++] = (byte) v;
    return n;
  }

  /**
   * Reads one entry. Throws {@link CorruptEntryException} for a version this reader does not know,
   * a checksum that does not match, bytes that end before the entry does, or labels it refers to
   * that {@code labels} does not hold. {@code labels} holds the label blocks of the entries read
   * before it, in order, and learns this entry's.
   */
  static JournalEntry read(long index, BytesIn<?> in, LabelMemory labels) {
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
    return readPayload(version, index, new EntryBytes(payload), labels);
  }

  static JournalEntry readPayload(int version, long index, EntryBytes in, LabelMemory labels) {
    int kind = in.readByte();
    JournalReporter reporter = JournalReporter.ofCode(kind & 3);
    JournalProtocol protocol;
    try {
      protocol = JournalProtocol.ofCode(kind >>> 2);
    } catch (IllegalArgumentException e) {
      throw new CorruptEntryException(e.getMessage(), e);
    }
    if (version == 1) {
      return readVersionOne(index, reporter, protocol, in);
    }
    long back = in.readVarint();
    EntryLabels entryLabels;
    if (back == 0) {
      entryLabels = EntryLabels.read(in);
      labels.remember(index, entryLabels);
    } else {
      entryLabels = labels.recall(index, back);
    }
    long start = in.readLong();
    long duration = in.readVarint();
    long upstream = in.readVarint() - 1;
    String method = in.readString();
    String path = in.readString();
    String requestId = in.readString();
    String traceId = in.readString();
    return readOutcome(
        new EntryHead(
            version,
            index,
            reporter,
            protocol,
            start,
            duration,
            upstream,
            entryLabels,
            method,
            path,
            requestId,
            traceId),
        in);
  }

  private static JournalEntry readVersionOne(
      long index, JournalReporter reporter, JournalProtocol protocol, EntryBytes in) {
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
    EntryLabels labels =
        new EntryLabels(
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
            authority,
            securityPolicy);
    return readOutcome(
        new EntryHead(
            1,
            index,
            reporter,
            protocol,
            start,
            duration,
            upstream,
            labels,
            method,
            path,
            requestId,
            traceId),
        in);
  }

  /** What every version has before its codes, read by each version's own order. */
  private record EntryHead(
      int version,
      long index,
      JournalReporter reporter,
      JournalProtocol protocol,
      long start,
      long duration,
      long upstream,
      EntryLabels labels,
      String method,
      String path,
      String requestId,
      String traceId) {}

  /** The codes, headers and bodies, the same in every version, and the entry they complete. */
  private static JournalEntry readOutcome(EntryHead head, EntryBytes in) {
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
    EntryLabels labels = head.labels();
    return new JournalEntry(
        head.version(),
        head.index(),
        head.reporter(),
        head.protocol(),
        head.start(),
        head.duration(),
        head.upstream(),
        labels.sourceWorkload(),
        labels.sourceNamespace(),
        labels.sourcePrincipal(),
        labels.destinationWorkload(),
        labels.destinationNamespace(),
        labels.destinationPrincipal(),
        labels.destinationService(),
        labels.route(),
        labels.cluster(),
        labels.upstreamHost(),
        head.method(),
        labels.authority(),
        head.path(),
        head.requestId(),
        head.traceId(),
        labels.securityPolicy(),
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
