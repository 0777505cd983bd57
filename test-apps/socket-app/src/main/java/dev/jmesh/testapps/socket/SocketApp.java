package dev.jmesh.testapps.socket;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A JDK-only application exercising every socket type the agent hooks.
 *
 * <p>{@code echo} (the default): binds a blocking {@link ServerSocket} and an NIO {@link
 * ServerSocketChannel} echo server on ephemeral loopback ports, prints {@code READY blocking=P1
 * nio=P2}, then echoes one line through each server with a {@link Socket} and a {@link
 * SocketChannel} and prints {@code RESULT ok round=1 echoes=4}. Each {@code echo} line read from
 * standard input runs another round; {@code quit} or the end of input exits.
 *
 * <p>{@code http [port]}: serves {@code GET /} with a JDK {@link HttpServer}, prints {@code READY
 * port=N} and runs until killed (for the start-up benchmark).
 */
public final class SocketApp {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private SocketApp() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "echo";
    switch (mode) {
      case "echo" -> echo();
      case "http" -> http(args.length > 1 ? Integer.parseInt(args[1]) : 0);
      default -> {
        System.err.println("usage: socket-app [echo | http [port]]");
        System.exit(2);
      }
    }
  }

  private static void echo() throws IOException {
    ServerSocket blocking = new ServerSocket(0, 50, LOOPBACK);
    ServerSocketChannel nio = ServerSocketChannel.open();
    nio.bind(new InetSocketAddress(LOOPBACK, 0));
    daemon("blocking-accept", () -> acceptLoop(blocking));
    daemon("nio-accept", () -> acceptLoop(nio));
    int blockingPort = blocking.getLocalPort();
    int nioPort = ((InetSocketAddress) nio.getLocalAddress()).getPort();
    System.out.println("READY blocking=" + blockingPort + " nio=" + nioPort);

    int round = 0;
    runRound(++round, blockingPort, nioPort);
    BufferedReader commands =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = commands.readLine()) != null; ) {
      switch (line.trim()) {
        case "echo" -> runRound(++round, blockingPort, nioPort);
        case "quit" -> System.exit(0);
        default -> System.out.println("UNKNOWN command=" + line.trim());
      }
    }
    System.exit(0);
  }

  private static void runRound(int round, int blockingPort, int nioPort) {
    int echoes = 0;
    String failure = null;
    for (int port : new int[] {blockingPort, nioPort}) {
      String server = port == blockingPort ? "blocking" : "nio";
      for (String client : new String[] {"socket", "channel"}) {
        String message = "ping-" + round + "-" + client + "-" + server;
        try {
          String reply =
              client.equals("socket") ? echoWithSocket(port, message) : echoWithChannel(port, message);
          if (!message.equals(reply)) {
            throw new IOException("expected '" + message + "' but got '" + reply + "'");
          }
          echoes++;
          System.out.println(
              "ECHO ok round=" + round + " client=" + client + " server=" + server + " port=" + port);
        } catch (IOException | RuntimeException e) {
          failure = client + "->" + server + ":" + e;
          System.out.println(
              "ECHO fail round=" + round + " client=" + client + " server=" + server + " error=" + e);
        }
      }
    }
    System.out.println(
        failure == null
            ? "RESULT ok round=" + round + " echoes=" + echoes
            : "RESULT fail round=" + round + " echoes=" + echoes + " error=" + failure);
    System.out.flush();
  }

  private static String echoWithSocket(int port, String message) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(LOOPBACK, port), 5_000);
      socket.setSoTimeout(10_000);
      PrintWriter out =
          new PrintWriter(new java.io.OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8), true);
      out.println(message);
      return new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
    }
  }

  private static String echoWithChannel(int port, String message) throws IOException {
    try (SocketChannel channel = SocketChannel.open()) {
      channel.connect(new InetSocketAddress(LOOPBACK, port));
      ByteBuffer out = ByteBuffer.wrap((message + "\n").getBytes(StandardCharsets.UTF_8));
      while (out.hasRemaining()) {
        channel.write(out);
      }
      return new BufferedReader(
              new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))
          .readLine();
    }
  }

  private static void acceptLoop(ServerSocket server) {
    while (true) {
      try {
        Socket socket = server.accept();
        daemon("echo-" + socket.getPort(), () -> serve(socket));
      } catch (IOException e) {
        System.out.println("ACCEPT fail server=blocking error=" + e);
        return;
      }
    }
  }

  private static void acceptLoop(ServerSocketChannel server) {
    while (true) {
      try {
        SocketChannel channel = server.accept();
        daemon("echo-nio", () -> serve(channel.socket()));
      } catch (IOException e) {
        System.out.println("ACCEPT fail server=nio error=" + e);
        return;
      }
    }
  }

  private static void serve(Socket socket) {
    try (socket) {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      OutputStream out = socket.getOutputStream();
      for (String line; (line = in.readLine()) != null; ) {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      System.out.println("SERVE fail error=" + e);
    }
  }

  private static void http(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, port), 50);
    server.createContext(
        "/",
        exchange -> {
          byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    System.out.println("READY port=" + server.getAddress().getPort());
  }

  private static void daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }
}
