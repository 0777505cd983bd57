package dev.jmesh.testapps.httpclients;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An ordinary application with ONE pooled HTTP client of the library named by its argument, created
 * at start and reused by every command, as a real service holds its client. Driven through standard
 * input, one command a line ({@code <id> send|burst ...}); each command runs on its own thread and
 * prints exactly one line, {@code RESULT <id> ok <details>} or {@code RESULT <id> error <class>:
 * <message>} — the protocol of {@code mesh-client-app}.
 *
 * <pre>
 * send  METHOD URL [--async] [--body N] [--stream-body N] [Name:Value ...]
 *   -> status=200 version=HTTP_1_1 elapsedMs=12 body=pod=reviews-v1-a\n...
 * burst N CONCURRENCY METHOD URL [--async | --virtual-threads] [--limit SECONDS] [Name:Value ...]
 *   -> ok=N statuses=200:8,503:2 errors=Class:1 bodies=pod=reviews-v1-a:8 elapsedMs=1012 inFlight=0
 *      [threads=virtual startMs=40 peakInFlight=10] firstError=...
 * </pre>
 */
public final class HttpClientsApp {

  private static final long QUIT_GRACE_SECONDS = 30;

  private HttpClientsApp() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: http-clients-app <library>; libraries: " + ClientLibraries.NAMES);
      System.exit(2);
    }
    ClientLibrary library = ClientLibraries.create(args[0]);
    // Cached, not fixed: a slow command must never hold back the ones queued behind it.
    ExecutorService commands = Executors.newCachedThreadPool();
    System.out.println("READY http-clients " + args[0]);
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
      commands.execute(() -> run(library, words));
    }
    commands.shutdown();
    commands.awaitTermination(QUIT_GRACE_SECONDS, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static void run(ClientLibrary library, String[] words) {
    String id = words[0];
    try {
      if (words.length < 2) {
        throw new IllegalArgumentException("expected: <id> send|burst [args...]");
      }
      String[] args = Arrays.copyOfRange(words, 2, words.length);
      String details =
          switch (words[1]) {
            case "send" -> send(library, args);
            case "burst" -> Burst.run(library, args);
            default -> throw new IllegalArgumentException("unknown command " + words[1]);
          };
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

  private static String send(ClientLibrary library, String[] args) throws Exception {
    Exchange exchange = Exchange.parse(args, 0);
    long start = System.nanoTime();
    Outcome outcome = exchange.async() ? library.sendAsync(exchange).get() : library.send(exchange);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // The body goes last: it may hold spaces, and the driver reads it to the end of the line.
    return "status="
        + outcome.status()
        + " version="
        + outcome.version()
        + " elapsedMs="
        + elapsedMs
        + " body="
        + outcome.body();
  }

  /** The exception the application would catch: futures' wrappers removed. */
  static Throwable unwrap(Throwable failure) {
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
