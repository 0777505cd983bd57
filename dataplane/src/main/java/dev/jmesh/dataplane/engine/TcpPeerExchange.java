package dev.jmesh.dataplane.engine;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.dataplane.record.WorkloadLabels;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * Istio's TCP metadata exchange ({@code envoy.filters.network.metadata_exchange}): over mutual TLS
 * whose ALPN settled on {@code istio-peer-exchange}, each side first sends a prefix — the magic
 * {@code 0x3D230467} and the payload's length, both 32-bit big-endian, then a {@code
 * google.protobuf.Any} packing a {@code Struct} with {@code x-envoy-peer-metadata} (the node
 * metadata struct {@link PeerMetadata} carries in HTTP, here as a struct value) and {@code
 * x-envoy-peer-metadata-id}. Each side strips the other's prefix, so applications never see it, and
 * labels the connection's TCP metrics with the peer. See docs/protocol.md.
 *
 * <pre>{@code
 * byte[] prefix = TcpPeerExchange.prefix(self, id);  // written first on the connection
 * TcpPeerExchange.Reader reader = new TcpPeerExchange.Reader(verifiedPrincipal);
 * TcpPeerExchange.Outcome o = reader.read(cumulated); // again with more bytes while NEED_MORE
 * }</pre>
 */
public final class TcpPeerExchange {

  /** The ALPN protocol that says both sides exchange metadata. */
  public static final String ALPN = "istio-peer-exchange";

  /** Offered after {@link #ALPN}, as Istio's sidecars offer it. */
  public static final String ALPN_ISTIO = "istio";

  static final int MAGIC = 0x3D230467;
  static final int HEADER_LENGTH = 8;

  /** A larger payload is skipped, not decoded: its connection's peer stays unknown. */
  static final int MAX_PAYLOAD = 8192;

  static final String STRUCT_TYPE_URL = "type.googleapis.com/google.protobuf.Struct";
  private static final String METADATA = "x-envoy-peer-metadata";
  private static final String METADATA_ID = "x-envoy-peer-metadata-id";

  private TcpPeerExchange() {}

  /** The prefix describing {@code self} with node id {@code id}; computed once per workload. */
  public static byte[] prefix(WorkloadLabels self, String id) {
    Struct.Builder data = Struct.newBuilder();
    data.putFields(METADATA, Value.newBuilder().setStructValue(PeerMetadata.struct(self)).build());
    if (id != null) {
      data.putFields(METADATA_ID, Value.newBuilder().setStringValue(id).build());
    }
    byte[] payload =
        Any.newBuilder()
            .setTypeUrl(STRUCT_TYPE_URL)
            .setValue(data.build().toByteString())
            .build()
            .toByteArray();
    return ByteBuffer.allocate(HEADER_LENGTH + payload.length)
        .putInt(MAGIC)
        .putInt(payload.length)
        .put(payload)
        .array();
  }

  /** Where reading a peer's prefix stands. */
  public enum Status {
    /** The prefix is not complete yet: read again with more bytes. */
    NEED_MORE,
    /** The prefix was read and consumed; {@link Outcome#peer()} is the peer (maybe unknown). */
    DONE,
    /** The bytes are not a prefix (wrong magic): the peer does not speak the exchange. */
    NOT_EXCHANGE
  }

  /**
   * @param peer the peer when {@link Status#DONE}: its labels, or only its principal when the
   *     payload was too large or not Istio's format
   * @param problem what was wrong, for the log: the magic, or why the payload was not used
   */
  public record Outcome(Status status, WorkloadLabels peer, String problem) {
    static final Outcome NEED_MORE = new Outcome(Status.NEED_MORE, null, null);
  }

  /**
   * Reads one peer's prefix from the bytes it sent, across reads: each call consumes what it
   * decided about from {@code in} and leaves the rest (the application's first bytes) unread. One
   * per connection, on its event loop.
   */
  public static final class Reader {
    private final String principal;

    /** Bytes of an oversized payload still to discard; {@code -1} before the header is read. */
    private long skipping = -1;

    /** {@code principal}: the peer's SPIFFE ID as mutual TLS proved it, never the payload's. */
    public Reader(String principal) {
      this.principal = principal;
    }

    public Outcome read(ByteBuf in) {
      if (skipping >= 0) {
        return skip(in);
      }
      if (in.readableBytes() < HEADER_LENGTH) {
        return Outcome.NEED_MORE;
      }
      int magic = in.getInt(in.readerIndex());
      if (magic != MAGIC) {
        return new Outcome(
            Status.NOT_EXCHANGE,
            null,
            String.format(
                "the first bytes are not the exchange's magic 0x3D230467 (0x%08X)", magic));
      }
      long length = in.getUnsignedInt(in.readerIndex() + 4);
      if (length > MAX_PAYLOAD) {
        in.skipBytes(HEADER_LENGTH);
        skipping = length;
        return skip(in);
      }
      if (in.readableBytes() < HEADER_LENGTH + length) {
        return Outcome.NEED_MORE;
      }
      byte[] payload = new byte[(int) length];
      in.skipBytes(HEADER_LENGTH).readBytes(payload);
      return decode(payload);
    }

    private Outcome skip(ByteBuf in) {
      int n = (int) Math.min(skipping, in.readableBytes());
      in.skipBytes(n);
      skipping -= n;
      if (skipping > 0) {
        return Outcome.NEED_MORE;
      }
      return new Outcome(
          Status.DONE,
          PeerMetadata.unknown(principal),
          "its metadata is larger than " + MAX_PAYLOAD + " bytes and was skipped");
    }

    private Outcome decode(byte[] payload) {
      Struct data;
      try {
        Any any = Any.parseFrom(payload);
        if (!STRUCT_TYPE_URL.equals(any.getTypeUrl())) {
          return unusable("its metadata is a " + any.getTypeUrl() + ", not a Struct");
        }
        data = Struct.parseFrom(any.getValue());
      } catch (InvalidProtocolBufferException e) {
        return unusable("its metadata is not a protobuf Any: " + e.getMessage());
      }
      Value metadata = data.getFieldsOrDefault(METADATA, null);
      if (metadata == null || !metadata.hasStructValue()) {
        return unusable("its metadata has no " + METADATA + " struct");
      }
      return new Outcome(
          Status.DONE, PeerMetadata.fromStruct(metadata.getStructValue(), principal), null);
    }

    private Outcome unusable(String problem) {
      return new Outcome(Status.DONE, PeerMetadata.unknown(principal), problem);
    }
  }
}
