package dev.jmesh.testapps.httpclients;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * grpc-java as an application uses it: ONE {@link ManagedChannel} per target ({@code
 * forTarget("reviews:9080").usePlaintext()}), reused by every command. A command's {@code METHOD
 * URL} becomes a call of {@code mesh.Echo/Echo} (what {@code mesh-servers-app grpc} serves; the
 * suite's gRPC pods answer any method) to the URL's {@code host:port}, headers become metadata, a
 * {@code --body} the request message (unary) and a {@code --stream-body} a client stream of
 * messages (which cannot be sent twice).
 *
 * <p>The outcome in HTTP terms, as the suite reads it: OK is 200 with the reply as body; a pod's
 * non-gRPC answer is its HTTP status (grpc-java names it: {@code HTTP status code 503}) with its
 * body; any other status is the HTTP status Envoy maps it to ({@code UNAVAILABLE} 503, {@code
 * PERMISSION_DENIED} 403…). {@code DEADLINE_EXCEEDED} is thrown: it is gRPC's timeout exception.
 */
class GrpcLibrary implements ClientLibrary {

  private static final String SERVICE = "mesh.Echo";
  private static final long DEADLINE_SECONDS = 30;
  private static final int CHUNK = 256;

  /** grpc-java's separator before a non-gRPC response's body in a status description. */
  private static final String DATA = "DATA-----------------------------\n";

  private static final String HTTP_STATUS = "HTTP status code ";

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

  private static final MethodDescriptor<String, String> UNARY =
      method(MethodDescriptor.MethodType.UNARY);
  private static final MethodDescriptor<String, String> CLIENT_STREAM =
      method(MethodDescriptor.MethodType.CLIENT_STREAMING);

  private final Function<String, ManagedChannel> channelFor;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /** {@code channelFor} builds the channel of a {@code host:port} target. */
  GrpcLibrary(Function<String, ManagedChannel> channelFor) {
    this.channelFor = channelFor;
  }

  private static MethodDescriptor<String, String> method(MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Echo"))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  /** The blocking stub's way for a unary call; a client stream has no blocking form. */
  @Override
  public Outcome send(Exchange exchange) throws Exception {
    if (exchange.streamBody()) {
      try {
        return sendAsync(exchange).get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
      }
    }
    Channel channel =
        ClientInterceptors.intercept(
            channel(exchange.uri()), MetadataUtils.newAttachHeadersInterceptor(metadata(exchange)));
    try {
      String reply =
          ClientCalls.blockingUnaryCall(
              channel,
              UNARY,
              CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
              body(exchange));
      return Outcome.of(200, "HTTP_2", reply.getBytes(StandardCharsets.UTF_8));
    } catch (StatusRuntimeException e) {
      Outcome mapped = outcome(e.getStatus());
      if (mapped == null) {
        throw e;
      }
      return mapped;
    }
  }

  private static Metadata metadata(Exchange exchange) {
    Metadata metadata = new Metadata();
    for (String[] h : exchange.headers()) {
      metadata.put(Metadata.Key.of(h[0], Metadata.ASCII_STRING_MARSHALLER), h[1]);
    }
    return metadata;
  }

  private static String body(Exchange exchange) {
    return exchange.hasBody() ? new String(exchange.body(), StandardCharsets.US_ASCII) : "";
  }

  @Override
  public CompletableFuture<Outcome> sendAsync(Exchange exchange) {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    ClientCall<String, String> call =
        channel(exchange.uri())
            .newCall(
                exchange.streamBody() ? CLIENT_STREAM : UNARY,
                CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
    Metadata metadata = metadata(exchange);
    StreamObserver<String> replies =
        new StreamObserver<>() {
          private String reply = "";

          @Override
          public void onNext(String value) {
            reply = value;
          }

          @Override
          public void onError(Throwable t) {
            Outcome mapped = t instanceof StatusRuntimeException s ? outcome(s.getStatus()) : null;
            if (mapped != null) {
              outcome.complete(mapped);
            } else {
              outcome.completeExceptionally(t);
            }
          }

          @Override
          public void onCompleted() {
            outcome.complete(Outcome.of(200, "HTTP_2", reply.getBytes(StandardCharsets.UTF_8)));
          }
        };
    String body = body(exchange);
    if (exchange.streamBody()) {
      ClientCall<String, String> withHeaders = withMetadata(call, metadata);
      StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(withHeaders, replies);
      for (int i = 0; i < body.length(); i += CHUNK) {
        requests.onNext(body.substring(i, Math.min(body.length(), i + CHUNK)));
      }
      requests.onCompleted();
    } else {
      ClientCalls.asyncUnaryCall(withMetadata(call, metadata), body, replies);
    }
    return outcome;
  }

  @Override
  public boolean hasAsync() {
    return true;
  }

  private ManagedChannel channel(URI uri) {
    int port = uri.getPort() > 0 ? uri.getPort() : 80;
    return channels.computeIfAbsent(uri.getHost() + ":" + port, channelFor);
  }

  /**
   * The status in HTTP terms, or {@code null} for a timeout, which the application sees as the
   * exception.
   */
  static Outcome outcome(Status status) {
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return null;
    }
    String d = status.getDescription() == null ? "" : status.getDescription();
    if (d.startsWith(HTTP_STATUS)) {
      int end = HTTP_STATUS.length();
      while (end < d.length() && Character.isDigit(d.charAt(end))) {
        end++;
      }
      int data = d.indexOf(DATA);
      String body = data >= 0 ? d.substring(data + DATA.length()) : "";
      return Outcome.of(
          Integer.parseInt(d.substring(HTTP_STATUS.length(), end)),
          "HTTP_2",
          body.getBytes(StandardCharsets.UTF_8));
    }
    return Outcome.of(httpOf(status.getCode()), "HTTP_2", d.getBytes(StandardCharsets.UTF_8));
  }

  /** Envoy's gRPC-to-HTTP status mapping. */
  private static int httpOf(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case UNAUTHENTICATED -> 401;
      default -> 500;
    };
  }

  /** The call with {@code metadata} added to the headers the application's stub sends. */
  private static ClientCall<String, String> withMetadata(
      ClientCall<String, String> call, Metadata metadata) {
    return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<String> listener, Metadata headers) {
        headers.merge(metadata);
        super.start(listener, headers);
      }
    };
  }
}
