package dev.jmesh.ca.api;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Istio's {@code istio.v1.auth.IstioCertificateResponse}: the issued certificate chain, PEM, leaf
 * first and the root last (istio-agent takes the last element as the root).
 *
 * <pre>
 * message IstioCertificateResponse {
 *   repeated string cert_chain = 1;
 * }
 * </pre>
 */
public final class IstioCertificateResponse {
  static final int CERT_CHAIN = 1;

  private final List<String> certChain;

  private IstioCertificateResponse(List<String> certChain) {
    this.certChain = List.copyOf(certChain);
  }

  public static IstioCertificateResponse of(List<String> certChainPem) {
    return new IstioCertificateResponse(certChainPem);
  }

  /** PEM certificates, leaf first. */
  public List<String> certChain() {
    return certChain;
  }

  public int serializedSize() {
    int size = 0;
    for (String pem : certChain) {
      size += CodedOutputStream.computeStringSize(CERT_CHAIN, pem);
    }
    return size;
  }

  public void writeTo(CodedOutputStream out) throws IOException {
    for (String pem : certChain) {
      out.writeString(CERT_CHAIN, pem);
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

  public static IstioCertificateResponse parseFrom(byte[] bytes) throws IOException {
    return parseFrom(CodedInputStream.newInstance(bytes));
  }

  public static IstioCertificateResponse parseFrom(CodedInputStream in) throws IOException {
    List<String> chain = new ArrayList<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == ((CERT_CHAIN << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        chain.add(in.readStringRequireUtf8());
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return new IstioCertificateResponse(chain);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IstioCertificateResponse r && r.certChain.equals(certChain);
  }

  @Override
  public int hashCode() {
    return certChain.hashCode();
  }

  @Override
  public String toString() {
    return "IstioCertificateResponse{cert_chain=" + certChain.size() + " certificates}";
  }
}
