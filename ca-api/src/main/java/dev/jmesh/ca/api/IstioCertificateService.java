package dev.jmesh.ca.api;

import com.google.protobuf.CodedInputStream;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The gRPC face of Istio's CA: {@code istio.v1.auth.IstioCertificateService/CreateCertificate}.
 *
 * <pre>{@code
 * Server server = NettyServerBuilder.forPort(15012)
 *     .addService(IstioCertificateService.bindService((request, response) -> { ... }))
 *     ...
 * }</pre>
 *
 * <p>Clients use {@link IstioCertificateClient}.
 */
public final class IstioCertificateService {
  public static final String SERVICE_NAME = "istio.v1.auth.IstioCertificateService";

  /**
   * Response header carrying every root the workload should trust (PEM, concatenated). During a
   * root rotation it holds the old and the new root; Istio's own clients ignore it and take the
   * last certificate of the chain.
   */
  public static final Metadata.Key<byte[]> TRUST_BUNDLE_HEADER =
      Metadata.Key.of("jmesh-trust-bundle-bin", Metadata.BINARY_BYTE_MARSHALLER);

  /** Where the caller's credential travels: {@code authorization: Bearer <token>}. */
  public static final Metadata.Key<String> AUTHORIZATION_HEADER =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  public static final MethodDescriptor<IstioCertificateRequest, IstioCertificateResponse>
      CREATE_CERTIFICATE =
          MethodDescriptor.<IstioCertificateRequest, IstioCertificateResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(
                  MethodDescriptor.generateFullMethodName(SERVICE_NAME, "CreateCertificate"))
              .setRequestMarshaller(new RequestMarshaller())
              .setResponseMarshaller(new ResponseMarshaller())
              .build();

  private static final ServiceDescriptor SERVICE =
      ServiceDescriptor.newBuilder(SERVICE_NAME).addMethod(CREATE_CERTIFICATE).build();

  private IstioCertificateService() {}

  /** What a CA implements. */
  @FunctionalInterface
  public interface Handler {
    void createCertificate(
        IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> response);
  }

  public static ServerServiceDefinition bindService(Handler handler) {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(CREATE_CERTIFICATE, ServerCalls.asyncUnaryCall(handler::createCertificate))
        .build();
  }

  private static final class RequestMarshaller
      implements MethodDescriptor.Marshaller<IstioCertificateRequest> {
    @Override
    public InputStream stream(IstioCertificateRequest value) {
      return new ByteArrayInputStream(value.toByteArray());
    }

    @Override
    public IstioCertificateRequest parse(InputStream stream) {
      try {
        return IstioCertificateRequest.parseFrom(CodedInputStream.newInstance(stream));
      } catch (IOException e) {
        throw Status.INTERNAL
            .withDescription("invalid IstioCertificateRequest: " + e.getMessage())
            .withCause(e)
            .asRuntimeException();
      }
    }
  }

  private static final class ResponseMarshaller
      implements MethodDescriptor.Marshaller<IstioCertificateResponse> {
    @Override
    public InputStream stream(IstioCertificateResponse value) {
      return new ByteArrayInputStream(value.toByteArray());
    }

    @Override
    public IstioCertificateResponse parse(InputStream stream) {
      try {
        return IstioCertificateResponse.parseFrom(CodedInputStream.newInstance(stream));
      } catch (IOException e) {
        throw Status.INTERNAL
            .withDescription("invalid IstioCertificateResponse: " + e.getMessage())
            .withCause(e)
            .asRuntimeException();
      }
    }
  }
}
