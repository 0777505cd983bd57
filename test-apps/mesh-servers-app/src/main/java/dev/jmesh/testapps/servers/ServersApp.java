package dev.jmesh.testapps.servers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One ordinary server per framework, so the forked-JVM suite can run each under the agent.
 *
 * <p>{@code java -jar mesh-servers-app.jar <kind> <bindHost> <port>} with kind one of {@code jdk
 * netty jetty tomcat grpc echo}. Prints {@code READY kind=K port=P} once bound, then runs until
 * killed (SIGTERM stops gracefully) or until {@code quit} is read on standard input.
 */
public final class ServersApp {

  private ServersApp() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      usage();
    }
    String kind = args[0].toLowerCase(Locale.ROOT);
    AppServer server = serverFor(kind);
    int port = server.start(args[1], Integer.parseInt(args[2]));
    // The shutdown hook runs on SIGTERM and on System.exit, so both paths stop gracefully.
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> stopQuietly(server), "graceful-stop-" + kind));
    System.out.println("READY kind=" + kind + " port=" + port);
    System.out.flush();
    awaitQuit();
  }

  private static AppServer serverFor(String kind) {
    return switch (kind) {
      case "jdk" -> new JdkHttpAppServer();
      case "netty" -> new NettyAppServer();
      case "jetty" -> new JettyAppServer();
      case "tomcat" -> new TomcatAppServer();
      case "grpc" -> new GrpcAppServer();
      case "echo" -> new EchoSocketServer(System.getProperty("echo.greeting"));
      default -> usage();
    };
  }

  /**
   * Waits for {@code quit}. End of input does not stop the server: a harness or shell may start it
   * with standard input closed, and it must then run until killed.
   */
  private static void awaitQuit() throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.trim().equals("quit")) {
        System.exit(0);
      }
    }
    Thread.currentThread().join();
  }

  private static void stopQuietly(AppServer server) {
    try {
      server.stopGracefully();
    } catch (Exception e) {
      System.err.println("graceful stop failed: " + e);
    }
  }

  private static AppServer usage() {
    System.err.println(
        "usage: mesh-servers-app <jdk|netty|jetty|tomcat|grpc|echo> <bindHost> <port>");
    System.exit(2);
    throw new IllegalStateException("unreachable");
  }
}
