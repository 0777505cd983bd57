package dev.jmesh.testapps.servers;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The non-HTTP kinds: the blocking echo server (with and without greeting) and gRPC. */
class SocketAndGrpcKindsTest {

  @Test
  void echoServerSpeaksFirstWithGreetingThenEchoes() throws Exception {
    EchoSocketServer server = new EchoSocketServer("HELLO mesh");
    int port = server.start("127.0.0.1", 0);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      InputStream in = socket.getInputStream();
      assertThat(new String(in.readNBytes(11), StandardCharsets.UTF_8)).isEqualTo("HELLO mesh\n");
      OutputStream out = socket.getOutputStream();
      out.write("ping".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(in.readNBytes(4), StandardCharsets.UTF_8)).isEqualTo("ping");
    } finally {
      server.stopGracefully();
    }
  }

  @Test
  void echoServerWithoutGreetingWaitsForTheClient() throws Exception {
    EchoSocketServer server = new EchoSocketServer(null);
    int port = server.start("127.0.0.1", 0);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(new byte[] {1, 2, 3});
      assertThat(socket.getInputStream().readNBytes(3)).containsExactly(1, 2, 3);
    } finally {
      server.stopGracefully();
    }
  }

  @Test
  void grpcServesUnaryStreamingAndBidiAndReportsXfcc() throws Exception {
    GrpcAppServer server = new GrpcAppServer();
    int port = server.start("127.0.0.1", 0);
    MultiThreadIoEventLoopGroup loops =
        new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .eventLoopGroup(loops)
            .channelType(NioSocketChannel.class)
            .build();
    try {
      CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
      assertThat(ClientCalls.blockingUnaryCall(channel, EchoMethods.ECHO, options, "hi"))
          .isEqualTo("echo:hi xfcc=-");
      Metadata xfcc = new Metadata();
      xfcc.put(GrpcAppServer.XFCC, "By=spiffe://a");
      assertThat(
              ClientCalls.blockingUnaryCall(
                  ClientInterceptors.intercept(
                      channel, MetadataUtils.newAttachHeadersInterceptor(xfcc)),
                  EchoMethods.ECHO,
                  options,
                  "hi"))
          .isEqualTo("echo:hi xfcc=By=spiffe://a");

      List<String> counted = new ArrayList<>();
      ClientCalls.blockingServerStreamingCall(channel, EchoMethods.COUNT, options, "3")
          .forEachRemaining(counted::add);
      assertThat(counted).containsExactly("1", "2", "3");

      List<String> chat = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> done = new CompletableFuture<>();
      StreamObserver<String> requests =
          ClientCalls.asyncBidiStreamingCall(
              channel.newCall(EchoMethods.CHAT, options),
              new StreamObserver<>() {
                @Override
                public void onNext(String value) {
                  chat.add(value);
                }

                @Override
                public void onError(Throwable t) {
                  done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                  done.complete(null);
                }
              });
      requests.onNext("a");
      requests.onNext("b");
      requests.onCompleted();
      done.get(10, TimeUnit.SECONDS);
      assertThat(chat).containsExactly("chat:a", "chat:b");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      server.stopGracefully();
    }
  }
}
