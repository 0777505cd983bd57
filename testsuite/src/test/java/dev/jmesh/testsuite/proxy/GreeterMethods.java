package dev.jmesh.testsuite.proxy;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Two methods of {@code mesh.Echo}, the service {@code mesh-servers-app grpc} serves, as a client
 * outside the mesh calls them: messages are UTF-8 strings, so no protoc and no generated code. The
 * test apps hold their own copies ({@code EchoMethods}): they run in forked JVMs, and the suite
 * does not link against them.
 */
final class GreeterMethods {

  private static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** Unary: answers {@code echo:<text> xfcc=<the XFCC header the server saw>}. */
  static final MethodDescriptor<String, String> ECHO = method("Echo", MethodType.UNARY);

  /** Server streaming: answers 1 to N, one message each. */
  static final MethodDescriptor<String, String> COUNT =
      method("Count", MethodType.SERVER_STREAMING);

  private GreeterMethods() {}

  private static MethodDescriptor<String, String> method(String name, MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("mesh.Echo", name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }
}
