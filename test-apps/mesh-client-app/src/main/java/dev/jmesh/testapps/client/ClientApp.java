package dev.jmesh.testapps.client;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A long-lived client the forked-JVM suite drives through standard input, one command a line:
 * {@code <id> <command> <args...>}. Each command runs on its own pool thread and prints exactly one
 * line, {@code RESULT <id> ok <details>} or {@code RESULT <id> error <class>: <message>}. {@code
 * quit} or the end of input exits 0 once the commands already started have answered (at most 30 s).
 */
public final class ClientApp {

  private static final Map<String, ClientCommand> COMMANDS = commands();
  private static final long QUIT_GRACE_SECONDS = 30;

  private ClientApp() {}

  public static void main(String[] args) throws Exception {
    // Cached, not fixed: a slow command must never hold back the ones queued behind it.
    ExecutorService pool = Executors.newCachedThreadPool();
    System.out.println("READY client");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] words = line.trim().split("\\s+");
      if (words[0].isEmpty()) {
        continue;
      }
      if (words[0].equals("quit")) {
        break;
      }
      pool.execute(() -> run(words));
    }
    // Commands already started still answer (bounded), so "send commands, then quit" loses none.
    pool.shutdown();
    pool.awaitTermination(QUIT_GRACE_SECONDS, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static void run(String[] words) {
    String id = words[0];
    try {
      if (words.length < 2) {
        throw new IllegalArgumentException("expected: <id> <command> [args...]");
      }
      ClientCommand command = COMMANDS.get(words[1]);
      if (command == null) {
        throw new IllegalArgumentException("unknown command " + words[1]);
      }
      String details = command.run(Arrays.copyOfRange(words, 2, words.length));
      print("RESULT " + id + " ok " + escape(details));
    } catch (Throwable failure) {
      Throwable cause = unwrap(failure);
      print(
          "RESULT "
              + id
              + " error "
              + escape(cause.getClass().getName() + ": " + cause.getMessage()));
    }
  }

  private static Map<String, ClientCommand> commands() {
    return Map.ofEntries(
        Map.entry("http", HttpUrlConnectionCommands::http),
        Map.entry("upload", HttpUrlConnectionCommands::upload),
        Map.entry("download", HttpUrlConnectionCommands::download),
        Map.entry("http2", JdkHttpClientCommands::http2),
        Map.entry("ws", JdkHttpClientCommands::webSocket),
        Map.entry("grpc-unary", GrpcCommands::unary),
        Map.entry("grpc-stream", GrpcCommands::serverStream),
        Map.entry("grpc-bidi", GrpcCommands::bidi),
        Map.entry("tcp", SocketCommands::echo),
        Map.entry("tcp-greeting", SocketCommands::greeting),
        Map.entry("resolve", SocketCommands::resolve),
        Map.entry("load", LoadCommand::run));
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof ExecutionException || cause instanceof CompletionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Keeps every result on one line: backslash, CR and LF are written as escapes. */
  static String escape(String text) {
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
  }

  private static void print(String line) {
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
  }
}
