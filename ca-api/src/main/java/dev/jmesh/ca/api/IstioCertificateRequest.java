package dev.jmesh.ca.api;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Struct;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Istio's {@code istio.v1.auth.IstioCertificateRequest}: a PEM CSR, the requested validity in
 * seconds and opaque node metadata.
 *
 * <pre>
 * message IstioCertificateRequest {
 *   string csr = 1;
 *   int64 validity_duration = 3;
 *   google.protobuf.Struct metadata = 4;
 * }
 * </pre>
 *
 * <p>Encoded by hand because the only protoc served here emits code for protobuf 4.x while the
 * runtime is 3.25; the wire format is the same as generated code's (proto3: default values are not
 * written, unknown fields are skipped).
 */
public final class IstioCertificateRequest {
  static final int CSR = 1;
  static final int VALIDITY_DURATION = 3;
  static final int METADATA = 4;

  private final String csr;
  private final long validityDurationSeconds;
  private final Struct metadata;

  private IstioCertificateRequest(String csr, long validityDurationSeconds, Struct metadata) {
    this.csr = Objects.requireNonNull(csr, "csr");
    this.validityDurationSeconds = validityDurationSeconds;
    this.metadata = metadata;
  }

  /** A request for {@code csrPem}; {@code validitySeconds} 0 leaves the lifetime to the CA. */
  public static IstioCertificateRequest of(String csrPem, long validitySeconds) {
    return new IstioCertificateRequest(csrPem, validitySeconds, null);
  }

  /** A copy carrying {@code metadata} (Istio sends WorkloadName, WorkloadIP, ClusterID). */
  public IstioCertificateRequest withMetadata(Struct metadata) {
    return new IstioCertificateRequest(
        csr, validityDurationSeconds, Objects.requireNonNull(metadata, "metadata"));
  }

  public String csr() {
    return csr;
  }

  /** Requested validity in seconds; 0 when not given. */
  public long validityDurationSeconds() {
    return validityDurationSeconds;
  }

  public boolean hasMetadata() {
    return metadata != null;
  }

  /** The metadata, or the empty Struct when none was sent. */
  public Struct metadata() {
    return metadata != null ? metadata : Struct.getDefaultInstance();
  }

  public int serializedSize() {
    int size = 0;
    if (!csr.isEmpty()) {
      size += CodedOutputStream.computeStringSize(CSR, csr);
    }
    if (validityDurationSeconds != 0) {
      size += CodedOutputStream.computeInt64Size(VALIDITY_DURATION, validityDurationSeconds);
    }
    if (metadata != null) {
      size += CodedOutputStream.computeMessageSize(METADATA, metadata);
    }
    return size;
  }

  public void writeTo(CodedOutputStream out) throws IOException {
    if (!csr.isEmpty()) {
      out.writeString(CSR, csr);
    }
    if (validityDurationSeconds != 0) {
      out.writeInt64(VALIDITY_DURATION, validityDurationSeconds);
    }
    if (metadata != null) {
      out.writeMessage(METADATA, metadata);
    }
  }

  public byte[] toByteArray() {
    byte[] bytes = new byte[serializedSize()];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("serializing to a byte array cannot fail", e);
    }
    return bytes;
  }

  public static IstioCertificateRequest parseFrom(byte[] bytes) throws IOException {
    return parseFrom(CodedInputStream.newInstance(bytes));
  }

  /** Reads a whole message; fields this class does not know are skipped, as protobuf does. */
  public static IstioCertificateRequest parseFrom(CodedInputStream in) throws IOException {
    String csr = "";
    long validity = 0;
    Struct metadata = null;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      switch (tag) {
        case (CSR << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED:
          csr = in.readStringRequireUtf8();
          break;
        case (VALIDITY_DURATION << 3) | WireFormat.WIRETYPE_VARINT:
          validity = in.readInt64();
          break;
        case (METADATA << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED:
          {
            // A repeated occurrence of a message field merges into the earlier one.
            Struct.Builder b = metadata != null ? metadata.toBuilder() : Struct.newBuilder();
            in.readMessage(b, com.google.protobuf.ExtensionRegistryLite.getEmptyRegistry());
            metadata = b.build();
            break;
          }
        default:
          if (!in.skipField(tag)) {
            return new IstioCertificateRequest(csr, validity, metadata);
          }
      }
    }
    return new IstioCertificateRequest(csr, validity, metadata);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IstioCertificateRequest r
        && r.csr.equals(csr)
        && r.validityDurationSeconds == validityDurationSeconds
        && Objects.equals(r.metadata, metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(csr, validityDurationSeconds, metadata);
  }

  /** Leaves the CSR out: it is long and says nothing a log reader needs. */
  @Override
  public String toString() {
    return "IstioCertificateRequest{csr="
        + csr.length()
        + " chars, validity_duration="
        + validityDurationSeconds
        + "s"
        + (metadata != null ? ", metadata=" + metadata.getFieldsMap().keySet() : "")
        + "}";
  }
}
