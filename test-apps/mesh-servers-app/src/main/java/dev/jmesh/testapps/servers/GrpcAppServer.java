package dev.jmesh.testapps.servers;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@code grpc}: grpc-java on unshaded Netty (NIO) serving {@code mesh.Echo}: unary {@code Echo},
 * server-streaming {@code Count} and bidi {@code Chat}.
 */
final class GrpcAppServer implements AppServer {

  static final Metadata.Key<String> XFCC =
      Metadata.Key.of("x-forwarded-client-cert", Metadata.ASCII_STRING_MARSHALLER);

  /** The XFCC value of the call being served, so the handler can report what the server saw. */
  private static final Context.Key<String> CALL_XFCC = Context.key("xfcc");

  private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
  private Server server;

  @Override
  public int start(String bindHost, int port) throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(bindHost, port))
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .channelType(NioServerSocketChannel.class)
            .addService(ServerInterceptors.intercept(echoService(), xfccInterceptor()))
            .build()
            .start();
    return server.getPort();
  }

  @Override
  public void stopGracefully() throws InterruptedException {
    // shutdown() refuses new calls but lets running ones finish.
    server.shutdown();
    if (!server.awaitTermination(InFlight.GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
      server.shutdownNow();
    }
    workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
  }

  private static ServerInterceptor xfccInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String xfcc = headers.get(XFCC);
        Context context = Context.current().withValue(CALL_XFCC, xfcc == null ? "-" : xfcc);
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
  }

  static ServerServiceDefinition echoService() {
    return ServerServiceDefinition.builder(EchoMethods.SERVICE)
        .addMethod(
            EchoMethods.ECHO,
            ServerCalls.asyncUnaryCall(
                (String text, StreamObserver<String> replies) -> {
                  String xfcc = CALL_XFCC.get();
                  replies.onNext("echo:" + text + " xfcc=" + (xfcc == null ? "-" : xfcc));
                  replies.onCompleted();
                }))
        .addMethod(
            EchoMethods.COUNT,
            ServerCalls.asyncServerStreamingCall(
                (String n, StreamObserver<String> replies) -> {
                  int count = Integer.parseInt(n.trim());
                  for (int i = 1; i <= count; i++) {
                    replies.onNext(Integer.toString(i));
                  }
                  replies.onCompleted();
                }))
        .addMethod(
            EchoMethods.CHAT,
            ServerCalls.asyncBidiStreamingCall(
                (StreamObserver<String> replies) ->
                    new StreamObserver<String>() {
                      @Override
                      public void onNext(String message) {
                        replies.onNext("chat:" + message);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        replies.onCompleted();
                      }
                    }))
        .build();
  }
}
