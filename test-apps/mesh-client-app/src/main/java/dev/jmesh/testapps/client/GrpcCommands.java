package dev.jmesh.testapps.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code grpc-unary}, {@code grpc-stream} and {@code grpc-bidi} against {@code mesh.Echo}, through
 * grpc-java on unshaded Netty with an explicit NIO event loop and channel type: the combination the
 * agent must recognise as "Netty underneath gRPC".
 */
final class GrpcCommands {

  private static final long DEADLINE_SECONDS = 30;
  private static final EventLoopGroup LOOPS =
      new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

  private GrpcCommands() {}

  /**
   * {@code grpc-unary <host:port> <text> [key:value ...]}: the optional pairs are sent as request
   * metadata (ASCII), e.g. to check what the mesh does with a caller's x-forwarded-client-cert.
   */
  static String unary(String[] args) throws Exception {
    ClientCommand.expect(args, 2, "grpc-unary <host:port> <text> [key:value ...]");
    Metadata metadata = new Metadata();
    for (int i = 2; i < args.length; i++) {
      int colon = args[i].indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("metadata must be key:value, got " + args[i]);
      }
      metadata.put(
          Metadata.Key.of(args[i].substring(0, colon), Metadata.ASCII_STRING_MARSHALLER),
          args[i].substring(colon + 1));
    }
    return withChannel(
        args[0],
        channel -> {
          Channel withMetadata =
              ClientInterceptors.intercept(
                  channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
          return "replies="
              + ClientCalls.blockingUnaryCall(withMetadata, EchoMethods.ECHO, options(), args[1]);
        });
  }

  /** {@code grpc-stream <host:port> <n>}: asks {@code Count} for n messages. */
  static String serverStream(String[] args) throws Exception {
    ClientCommand.expect(args, 2, "grpc-stream <host:port> <n>");
    return withChannel(
        args[0],
        channel -> {
          List<String> replies = new ArrayList<>();
          Iterator<String> stream =
              ClientCalls.blockingServerStreamingCall(
                  channel, EchoMethods.COUNT, options(), args[1]);
          stream.forEachRemaining(replies::add);
          return "replies=" + String.join("|", replies);
        });
  }

  /** {@code grpc-bidi <host:port> <n>}: sends "1".."n" to {@code Chat}, collects every reply. */
  static String bidi(String[] args) throws Exception {
    ClientCommand.expect(args, 2, "grpc-bidi <host:port> <n>");
    int n = Integer.parseInt(args[1]);
    return withChannel(
        args[0],
        channel -> {
          List<String> replies = new ArrayList<>();
          CompletableFuture<Void> done = new CompletableFuture<>();
          StreamObserver<String> requests =
              ClientCalls.asyncBidiStreamingCall(
                  channel.newCall(EchoMethods.CHAT, options()),
                  new StreamObserver<>() {
                    @Override
                    public void onNext(String reply) {
                      synchronized (replies) {
                        replies.add(reply);
                      }
                    }

                    @Override
                    public void onError(Throwable error) {
                      done.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                      done.complete(null);
                    }
                  });
          for (int i = 1; i <= n; i++) {
            requests.onNext(Integer.toString(i));
          }
          requests.onCompleted();
          done.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
          synchronized (replies) {
            return "replies=" + String.join("|", replies);
          }
        });
  }

  private static CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** A channel per command, so each command shows a fresh connection to the mesh. */
  private static String withChannel(String target, ChannelCall call) throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forTarget("dns:///" + target)
            .usePlaintext()
            .eventLoopGroup(LOOPS)
            .channelType(NioSocketChannel.class)
            .build();
    try {
      return call.run(channel);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @FunctionalInterface
  private interface ChannelCall {
    String run(ManagedChannel channel) throws Exception;
  }
}
