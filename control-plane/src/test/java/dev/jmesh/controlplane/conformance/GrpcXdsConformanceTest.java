package dev.jmesh.controlplane.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.internal.config.TestMesh;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conformance with a client nobody here wrote: grpc-java's proxyless xDS resolver
 * ({@code xds:///echo.example:50051}) is bootstrapped against our ADS server and calls two
 * gRPC backends described by a ServiceEntry. The VirtualService's weighted split, header match
 * and abort fault must show in the calls it makes.
 *
 * <p>grpc-xds reads its bootstrap once per JVM, so this is the only test that uses it.
 */
class GrpcXdsConformanceTest {
  static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("jmesh.test.Echo/Who")
      .setRequestMarshaller(new Utf8())
      .setResponseMarshaller(new Utf8())
      .build();

  @TempDir Path dir;

  @Test
  void grpcXdsClientFollowsSplitHeaderMatchAndFault() throws Exception {
    Server v1 = backend("v1");
    Server v2 = backend("v2");
    TestMesh.write(dir, "echo.yaml", TestMesh.resource("conformance/echo.yaml")
        .replace("V1_PORT", String.valueOf(v1.getPort()))
        .replace("V2_PORT", String.valueOf(v2.getPort())));
    ControlPlane cp = ControlPlane.builder().configDir(dir).xdsPort(0).httpPort(-1).build();
    ManagedChannel channel = null;
    try {
      cp.start();
      assertThat(TestMesh.errors(cp.snapshot())).isEmpty();
      System.setProperty("io.grpc.xds.bootstrapConfig", "{"
          + "\"xds_servers\": [{\"server_uri\": \"127.0.0.1:" + cp.xdsPort() + "\","
          + " \"channel_creds\": [{\"type\": \"insecure\"}], \"server_features\": [\"xds_v3\"]}],"
          + " \"node\": {\"id\": \"conformance-client\", \"metadata\": {\"NAMESPACE\": \"default\"}}"
          + "}");
      channel = Grpc.newChannelBuilder("xds:///echo.example:50051",
          InsecureChannelCredentials.create()).build();

      Map<String, Integer> plain = count(channel, Map.of(), 200);
      assertThat(plain.keySet()).containsOnly("v1", "v2");
      // 75/25 split; 200 calls put v2 well inside [20, 80] unless the split is ignored.
      assertThat(plain.get("v2")).isBetween(20, 80);

      assertThat(count(channel, Map.of("end-user", "jason"), 30)).containsOnlyKeys("v2")
          .containsEntry("v2", 30);

      StatusRuntimeException aborted = null;
      try {
        call(channel, Map.of("x-fault", "abort"));
      } catch (StatusRuntimeException e) {
        aborted = e;
      }
      assertThat(aborted).isNotNull();
      assertThat(aborted.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(cp.ads().metrics().nacks()).isZero();
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
      cp.close();
      v1.shutdownNow();
      v2.shutdownNow();
    }
  }

  private static Map<String, Integer> count(ManagedChannel channel, Map<String, String> headers,
      int calls) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      seen.merge(call(channel, headers), 1, Integer::sum);
    }
    return seen;
  }

  private static String call(ManagedChannel channel, Map<String, String> headers) {
    Metadata md = new Metadata();
    headers.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    List<io.grpc.ClientInterceptor> interceptors = new ArrayList<>();
    interceptors.add(MetadataUtils.newAttachHeadersInterceptor(md));
    io.grpc.Channel ch = io.grpc.ClientInterceptors.intercept(channel, interceptors);
    return ClientCalls.blockingUnaryCall(ch, WHO,
        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS).withWaitForReady(), "who");
  }

  private static Server backend(String name) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerServiceDefinition.builder("jmesh.test.Echo")
            .addMethod(WHO, ServerCalls.asyncUnaryCall((req, out) -> {
              out.onNext(name);
              out.onCompleted();
            }))
            .build())
        .build()
        .start();
  }

  /** Plain UTF-8 strings, so the test needs no generated code. */
  static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
