package dev.jmesh.instrumentation.grpc.v1_68;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;

/**
 * A pod serving {@code test.Echo/Echo} (UTF-8 strings, no protoc) on its own loopback address:
 * answers {@code pod=<name> authority=<:authority> x-mesh=<header> peer=<client cert subject>},
 * after a delay the test sets (on a timer, never a blocked thread), and counts what it saw.
 */
final class EchoPod implements AutoCloseable {

  static final MethodDescriptor.Marshaller<String> UTF8 =
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

  static final MethodDescriptor<String, String> ECHO = method(MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> UPLOAD =
      method(MethodDescriptor.MethodType.CLIENT_STREAMING);

  private static final Metadata.Key<String> X_MESH =
      Metadata.Key.of("x-mesh", Metadata.ASCII_STRING_MARSHALLER);

  private final String name;
  private final Server server;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong delayMillis = new AtomicLong();
  private final AtomicInteger requests = new AtomicInteger();
  private final Set<SocketAddress> connections = ConcurrentHashMap.newKeySet();

  private EchoPod(String name, String ip, SSLContext tls) throws IOException {
    this.name = name;
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress(ip, 0)).addService(service());
    if (tls != null) {
      b.sslContext(
          new JdkSslContext(
              tls,
              false,
              null,
              IdentityCipherSuiteFilter.INSTANCE,
              new ApplicationProtocolConfig(
                  ApplicationProtocolConfig.Protocol.ALPN,
                  ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                  ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                  "h2"),
              ClientAuth.REQUIRE,
              null,
              false));
    }
    this.server = b.build().start();
  }

  static EchoPod start(String name, String ip) throws IOException {
    return new EchoPod(name, ip, null);
  }

  static EchoPod startTls(String name, String ip, SSLContext tls) throws IOException {
    return new EchoPod(name, ip, tls);
  }

  private static MethodDescriptor<String, String> method(MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(
            MethodDescriptor.generateFullMethodName(
                "test.Echo", type == MethodDescriptor.MethodType.UNARY ? "Echo" : "Upload"))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  private ServerServiceDefinition service() {
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(ECHO, this::handle)
        .addMethod(UPLOAD, this::handle)
        .build();
  }

  private ServerCall.Listener<String> handle(ServerCall<String, String> call, Metadata headers) {
    requests.incrementAndGet();
    connections.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    String peer = "-";
    if (session != null) {
      try {
        peer = session.getPeerPrincipal().getName();
      } catch (IOException e) {
        peer = "unverified";
      }
    }
    String reply =
        "pod="
            + name
            + " authority="
            + call.getAuthority()
            + " x-mesh="
            + headers.get(X_MESH)
            + " peer="
            + peer;
    call.request(Integer.MAX_VALUE);
    return new ServerCall.Listener<>() {
      @Override
      public void onHalfClose() {
        Runnable answer =
            () -> {
              try {
                call.sendHeaders(new Metadata());
                call.sendMessage(reply);
                call.close(Status.OK, new Metadata());
              } catch (IllegalStateException cancelled) {
                // The client gave up on this call (a per-try timeout): nothing to answer.
              }
            };
        long delay = delayMillis.get();
        if (delay > 0) {
          timer.schedule(answer, delay, TimeUnit.MILLISECONDS);
        } else {
          answer.run();
        }
      }
    };
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  void delay(long millis) {
    delayMillis.set(millis);
  }

  int requests() {
    return requests.get();
  }

  int connections() {
    return connections.size();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    timer.shutdownNow();
  }
}
