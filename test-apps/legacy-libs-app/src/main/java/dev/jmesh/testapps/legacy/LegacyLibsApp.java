package dev.jmesh.testapps.legacy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.Version;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * An application that carries its own, older copies of the libraries jmesh shades (Netty 4.1,
 * protobuf 3, grpc-java, ByteBuddy 1.14), so a test can prove the agent never disturbs them.
 *
 * <p>Prints {@code READY grpcPort=N} once the server is bound, then runs a health check over
 * grpc-netty and prints {@code RESULT ok netty=... protobuf=... grpc=... bytebuddy=...}. It stays
 * up until its standard input ends or reads {@code quit}, so a test can inspect the agent.
 */
public final class LegacyLibsApp {

  private LegacyLibsApp() {}

  public static void main(String[] args) throws Exception {
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group = epoll ? new EpollEventLoopGroup(2) : new NioEventLoopGroup(2);
    HealthStatusManager health = new HealthStatusManager();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .bossEventLoopGroup(group)
            .workerEventLoopGroup(group)
            .channelType(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .addService(health.getHealthService())
            .build()
            .start();
    int port = server.getPort();
    System.out.println("READY grpcPort=" + port + " transport=" + (epoll ? "epoll" : "nio"));

    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .eventLoopGroup(group)
            .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .usePlaintext()
            .build();
    String result;
    try {
      HealthCheckResponse response =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
      String generated = generatedToString();
      result =
          "RESULT ok health="
              + response.getStatus()
              + " transport="
              + (epoll ? "epoll" : "nio")
              + " netty="
              + Version.identify().get("netty-common").artifactVersion()
              + " protobuf="
              + protobufVersion()
              + " grpc="
              + grpcVersion()
              + " bytebuddy="
              + mavenVersion("net.bytebuddy", "byte-buddy")
              + " generated="
              + generated
              + " nettyFrom="
              + sourceOf(io.netty.channel.Channel.class)
              + " protobufFrom="
              + sourceOf(com.google.protobuf.Message.class);
    } catch (RuntimeException e) {
      result = "RESULT fail " + e;
      e.printStackTrace();
    }
    System.out.println(result);
    System.out.flush();

    awaitQuit();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    System.exit(result.startsWith("RESULT ok") ? 0 : 1);
  }

  private static String generatedToString() throws ReflectiveOperationException {
    Class<?> type =
        new ByteBuddy()
            .subclass(Object.class)
            .name("dev.jmesh.testapps.legacy.Generated")
            .method(ElementMatchers.named("toString"))
            .intercept(FixedValue.value("bytebuddy-generated"))
            .make()
            .load(LegacyLibsApp.class.getClassLoader())
            .getLoaded();
    return type.getDeclaredConstructor().newInstance().toString();
  }

  private static String grpcVersion() {
    try {
      // Read at run time: the constant would be inlined into this class at compile time.
      return (String)
          Class.forName("io.grpc.internal.GrpcUtil").getField("IMPLEMENTATION_VERSION").get(null);
    } catch (ReflectiveOperationException e) {
      return "unknown";
    }
  }

  /**
   * protobuf-java 3.x has no version class and its jar no pom.properties; 4.x has {@code
   * RuntimeVersion}, so a 4.x leaking onto the class path shows up as its real version.
   */
  private static String protobufVersion() {
    try {
      Class<?> runtime = Class.forName("com.google.protobuf.RuntimeVersion");
      return runtime.getField("MAJOR").get(null)
          + "."
          + runtime.getField("MINOR").get(null)
          + "."
          + runtime.getField("PATCH").get(null);
    } catch (ReflectiveOperationException e) {
      try (InputStream in =
          LegacyLibsApp.class.getResourceAsStream("declared-versions.properties")) {
        Properties declared = new Properties();
        declared.load(in);
        return declared.getProperty("protobuf");
      } catch (IOException | NullPointerException notPackaged) {
        return "3.unknown";
      }
    }
  }

  private static String mavenVersion(String group, String artifact) {
    String path = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = LegacyLibsApp.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String sourceOf(Class<?> type) {
    var source = type.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      return "unknown";
    }
    String location = source.getLocation().getPath();
    return location.substring(location.lastIndexOf('/') + 1);
  }

  private static void awaitQuit() throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.trim().equals("quit")) {
        return;
      }
    }
  }
}
