package dev.jmesh.testapps.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** {@code tcp}, {@code tcp-greeting} and {@code resolve}: plain {@link Socket}s and DNS. */
final class SocketCommands {

  private static final int TIMEOUT_MS = 30_000;

  /** Writers block on socket I/O, so they get their own threads, not the common pool's few. */
  private static final ExecutorService WRITERS =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "tcp-writer");
            thread.setDaemon(true);
            return thread;
          });

  private SocketCommands() {}

  /**
   * {@code tcp <host> <port> <bytes>}: writes the bytes and reads as many back from an echo; {@code
   * intact} says whether they came back unchanged.
   */
  static String echo(String[] args) throws Exception {
    ClientCommand.expect(args, 3, "tcp <host> <port> <bytes>");
    try (Socket socket = connect(args[0], Integer.parseInt(args[1]))) {
      return echo(socket, Long.parseLong(args[2]));
    }
  }

  /**
   * {@code tcp-greeting <host> <port> [bytes]}: reads the line a server-speaks-first peer sends on
   * connect, then optionally echoes bytes as {@code tcp} does.
   */
  static String greeting(String[] args) throws Exception {
    ClientCommand.expect(args, 2, "tcp-greeting <host> <port> [bytes]");
    try (Socket socket = connect(args[0], Integer.parseInt(args[1]))) {
      String line = readLine(socket.getInputStream());
      String details = "greeting=" + line;
      if (args.length > 2) {
        details += " " + echo(socket, Long.parseLong(args[2]));
      }
      return details;
    }
  }

  /** {@code resolve <name>}: every address the JDK resolver returns. */
  static String resolve(String[] args) throws IOException {
    ClientCommand.expect(args, 1, "resolve <name>");
    List<String> addresses = new ArrayList<>();
    for (InetAddress address : InetAddress.getAllByName(args[0])) {
      addresses.add(address.getHostAddress());
    }
    return "addresses=" + String.join(",", addresses);
  }

  private static Socket connect(String host, int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
    socket.setSoTimeout(TIMEOUT_MS);
    return socket;
  }

  /**
   * Writes on another thread while this one reads: an echo sends back as it receives, so writing
   * everything first would deadlock once both directions' buffers fill.
   */
  private static String echo(Socket socket, long bytes) throws Exception {
    OutputStream out = socket.getOutputStream();
    CompletableFuture<Void> written =
        CompletableFuture.runAsync(
            () -> {
              try {
                Bodies.write(out, bytes);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            WRITERS);
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[64 * 1024];
    long received = 0;
    boolean intact = true;
    while (received < bytes) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, bytes - received));
      if (n < 0) {
        break;
      }
      intact &= Bodies.isPattern(buffer, n, received);
      received += n;
    }
    written.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    return "sent=" + bytes + " received=" + received + " intact=" + intact;
  }

  /** Reads up to a newline byte by byte, so no byte after the greeting is consumed. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
      line.write(b);
    }
    String text = line.toString(StandardCharsets.UTF_8);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }
}
