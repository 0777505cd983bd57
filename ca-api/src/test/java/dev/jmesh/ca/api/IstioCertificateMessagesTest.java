package dev.jmesh.ca.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Struct;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.Value;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hand-written encoding against protobuf's own, from a descriptor written like ca.proto. */
class IstioCertificateMessagesTest {
  private static Descriptor requestType;
  private static Descriptor responseType;

  @BeforeAll
  static void descriptors() throws Exception {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("security/proto/pki/ca.proto")
            .setPackage("istio.v1.auth")
            .setSyntax("proto3")
            .addDependency("google/protobuf/struct.proto")
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("IstioCertificateRequest")
                    .addField(field("csr", 1, Type.TYPE_STRING, Label.LABEL_OPTIONAL))
                    .addField(field("validity_duration", 3, Type.TYPE_INT64, Label.LABEL_OPTIONAL))
                    .addField(
                        field("metadata", 4, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL)
                            .setTypeName(".google.protobuf.Struct")))
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("IstioCertificateResponse")
                    .addField(field("cert_chain", 1, Type.TYPE_STRING, Label.LABEL_REPEATED)))
            .build();
    FileDescriptor fd =
        FileDescriptor.buildFrom(file, new FileDescriptor[] {Struct.getDescriptor().getFile()});
    requestType = fd.findMessageTypeByName("IstioCertificateRequest");
    responseType = fd.findMessageTypeByName("IstioCertificateResponse");
  }

  private static FieldDescriptorProto.Builder field(
      String name, int number, Type type, Label label) {
    return FieldDescriptorProto.newBuilder()
        .setName(name)
        .setNumber(number)
        .setType(type)
        .setLabel(label);
  }

  private static final Struct METADATA =
      Struct.newBuilder()
          .putFields("WorkloadName", Value.newBuilder().setStringValue("reviews-v1").build())
          .putFields("WorkloadIP", Value.newBuilder().setStringValue("10.0.0.7").build())
          .build();

  @Test
  void requestRoundTrips() throws Exception {
    IstioCertificateRequest r =
        IstioCertificateRequest.of(
                "-----BEGIN CERTIFICATE REQUEST-----"
                    + "\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
                3600)
            .withMetadata(METADATA);
    IstioCertificateRequest back = IstioCertificateRequest.parseFrom(r.toByteArray());
    assertThat(back).isEqualTo(r);
    assertThat(back.metadata().getFieldsOrThrow("WorkloadIP").getStringValue())
        .isEqualTo("10.0.0.7");
    assertThat(back.toString()).doesNotContain("MIIB");
  }

  @Test
  void emptyRequestIsZeroBytesLikeProto3() throws Exception {
    IstioCertificateRequest empty = IstioCertificateRequest.of("", 0);
    assertThat(empty.toByteArray()).isEmpty();
    assertThat(IstioCertificateRequest.parseFrom(new byte[0])).isEqualTo(empty);
    assertThat(empty.hasMetadata()).isFalse();
  }

  @Test
  void requestBytesEqualProtobufs() throws Exception {
    DynamicMessage dynamic =
        DynamicMessage.newBuilder(requestType)
            .setField(requestType.findFieldByName("csr"), "CSR")
            .setField(requestType.findFieldByName("validity_duration"), 86400L)
            .setField(requestType.findFieldByName("metadata"), METADATA)
            .build();
    IstioCertificateRequest ours = IstioCertificateRequest.of("CSR", 86400).withMetadata(METADATA);
    assertThat(ours.toByteArray()).isEqualTo(dynamic.toByteArray());
    DynamicMessage parsed = DynamicMessage.parseFrom(requestType, ours.toByteArray());
    assertThat(parsed.getField(requestType.findFieldByName("validity_duration"))).isEqualTo(86400L);
    assertThat(parsed.getUnknownFields().asMap()).isEmpty();
  }

  @Test
  void requestKnownBytes() throws Exception {
    // csr "ab" (field 1, LEN), validity_duration 300 (field 3, VARINT 0xac 0x02).
    byte[] wire = HexFormat.of().parseHex("0a02616218ac02");
    IstioCertificateRequest r = IstioCertificateRequest.parseFrom(wire);
    assertThat(r.csr()).isEqualTo("ab");
    assertThat(r.validityDurationSeconds()).isEqualTo(300);
    assertThat(r.toByteArray()).isEqualTo(wire);
  }

  @Test
  void unknownFieldsAreSkipped() throws Exception {
    DynamicMessage withUnknown =
        DynamicMessage.newBuilder(requestType)
            .setField(requestType.findFieldByName("csr"), "CSR")
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(2, UnknownFieldSet.Field.newBuilder().addFixed64(7).build())
                    .addField(
                        99,
                        UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8("x"))
                            .build())
                    .build())
            .build();
    assertThat(IstioCertificateRequest.parseFrom(withUnknown.toByteArray()).csr()).isEqualTo("CSR");
  }

  @Test
  void responseBytesEqualProtobufs() throws Exception {
    List<String> chain = List.of("LEAF", "INTERMEDIATE", "ROOT");
    DynamicMessage.Builder b = DynamicMessage.newBuilder(responseType);
    chain.forEach(c -> b.addRepeatedField(responseType.findFieldByName("cert_chain"), c));
    byte[] theirs = b.build().toByteArray();
    IstioCertificateResponse ours = IstioCertificateResponse.of(chain);
    assertThat(ours.toByteArray()).isEqualTo(theirs);
    assertThat(IstioCertificateResponse.parseFrom(theirs).certChain()).isEqualTo(chain);
  }

  @Test
  void marshallersRoundTrip() throws Exception {
    var method = IstioCertificateService.CREATE_CERTIFICATE;
    assertThat(method.getFullMethodName())
        .isEqualTo("istio.v1.auth.IstioCertificateService/CreateCertificate");
    IstioCertificateRequest r = IstioCertificateRequest.of("CSR", 60);
    try (InputStream in = method.streamRequest(r)) {
      ByteArrayOutputStream copy = new ByteArrayOutputStream();
      in.transferTo(copy);
      assertThat(method.parseRequest(new java.io.ByteArrayInputStream(copy.toByteArray())))
          .isEqualTo(r);
    }
    IstioCertificateResponse resp = IstioCertificateResponse.of(List.of("A", "B"));
    assertThat(method.parseResponse(method.streamResponse(resp))).isEqualTo(resp);
  }

  @Test
  void splitsConcatenatedPem() {
    String a = "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n";
    String b = "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n";
    assertThat(IstioCertificateClient.splitPem(a + b)).containsExactly(a, b);
  }
}
