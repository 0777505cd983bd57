package dev.jmesh.testapps.httpclients;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code burst N CONCURRENCY METHOD URL [--async | --virtual-threads] [--limit SECONDS] [Name:Value
 * ...]}: N requests with at most CONCURRENCY in flight, on the one pooled client, answered as one
 * aggregate line. With {@code --async} the library's asynchronous API keeps them in flight from one
 * thread; with {@code --virtual-threads} (JDK 21+) each request runs the synchronous API on a
 * virtual thread of its own, all N released at once (CONCURRENCY must be N); otherwise as many
 * platform threads as the concurrency block in the synchronous API.
 *
 * <p>A burst gives up after its limit (default {@value #LIMIT_SECONDS} s): it answers with what
 * finished, counts the rest as {@code inFlight=} and {@code unfinished} errors, and prints a thread
 * dump on standard error ({@link StuckBurstDump}), so a deadlock shows where it is.
 */
final class Burst {

  /** A burst never outlives this, whatever the mesh does, unless {@code --limit} says otherwise. */
  private static final long LIMIT_SECONDS = 120;

  private Burst() {}

  static String run(ClientLibrary library, String[] args) throws Exception {
    if (args.length < 4) {
      throw new IllegalArgumentException("usage: burst N CONCURRENCY METHOD URL [options]");
    }
    int n = Integer.parseInt(args[0]);
    int concurrency = Integer.parseInt(args[1]);
    boolean virtualThreads = false;
    long limitSeconds = LIMIT_SECONDS;
    List<String> request = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      switch (args[i]) {
        case "--virtual-threads" -> virtualThreads = true;
        case "--limit" -> limitSeconds = Long.parseLong(args[++i]);
        default -> request.add(args[i]);
      }
    }
    Exchange exchange = Exchange.parse(request.toArray(String[]::new), 0);
    long start = System.nanoTime();
    List<CompletableFuture<Outcome>> outcomes;
    List<Thread> threads = List.of();
    // Read once the burst is over: it counts while requests run.
    Supplier<String> fields = () -> "";
    if (virtualThreads) {
      if (exchange.async() || concurrency != n) {
        throw new IllegalArgumentException(
            "--virtual-threads sends all N at once on the synchronous API: CONCURRENCY must be N"
                + " and --async is not allowed");
      }
      VirtualThreadBurst burst = VirtualThreadBurst.start(library, exchange, n);
      outcomes = burst.outcomes();
      threads = burst.threads();
      start = burst.releasedNanos();
      fields = burst::fields;
    } else if (exchange.async()) {
      outcomes = inFlight(library, exchange, n, concurrency);
    } else {
      outcomes = onThreads(library, exchange, n, concurrency);
    }
    try {
      CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
          .handle((v, e) -> null)
          .get(Math.max(0, limitSeconds - elapsedSeconds(start)), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      int stuck = (int) outcomes.stream().filter(o -> !o.isDone()).count();
      StuckBurstDump.print(threads, stuck, limitSeconds);
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return summary(outcomes, elapsedMs, fields.get());
  }

  private static long elapsedSeconds(long start) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
  }

  private static List<CompletableFuture<Outcome>> inFlight(
      ClientLibrary library, Exchange exchange, int n, int concurrency)
      throws InterruptedException {
    Semaphore slots = new Semaphore(concurrency);
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      slots.acquire();
      CompletableFuture<Outcome> outcome = library.sendAsync(exchange);
      outcome.whenComplete((o, e) -> slots.release());
      outcomes.add(outcome);
    }
    return outcomes;
  }

  private static List<CompletableFuture<Outcome>> onThreads(
      ClientLibrary library, Exchange exchange, int n, int concurrency) {
    ExecutorService threads = Executors.newFixedThreadPool(concurrency);
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      CompletableFuture<Outcome> outcome = new CompletableFuture<>();
      threads.execute(
          () -> {
            try {
              outcome.complete(library.send(exchange));
            } catch (Throwable e) {
              outcome.completeExceptionally(e);
            }
          });
      outcomes.add(outcome);
    }
    threads.shutdown();
    return outcomes;
  }

  private static String summary(
      List<CompletableFuture<Outcome>> outcomes, long elapsedMs, String fields) {
    Map<String, Integer> statuses = new TreeMap<>();
    Map<String, Integer> errors = new TreeMap<>();
    Map<String, Integer> bodies = new TreeMap<>();
    Map<String, Integer> versions = new TreeMap<>();
    String firstError = "-";
    int ok = 0;
    int inFlight = 0;
    for (CompletableFuture<Outcome> future : outcomes) {
      if (!future.isDone()) {
        errors.merge("unfinished", 1, Integer::sum);
        inFlight++;
        continue;
      }
      try {
        Outcome outcome = future.join();
        ok++;
        statuses.merge(Integer.toString(outcome.status()), 1, Integer::sum);
        versions.merge(outcome.version(), 1, Integer::sum);
        bodies.merge(token(outcome.firstLine()), 1, Integer::sum);
      } catch (Exception e) {
        Throwable cause = HttpClientsApp.unwrap(e.getCause() == null ? e : e.getCause());
        errors.merge(cause.getClass().getName(), 1, Integer::sum);
        if (firstError.equals("-")) {
          firstError = token(cause.getClass().getName() + ": " + cause.getMessage());
        }
      }
    }
    return "ok="
        + ok
        + " statuses="
        + join(statuses)
        + " errors="
        + join(errors)
        + " bodies="
        + join(bodies)
        + " versions="
        + join(versions)
        + " elapsedMs="
        + elapsedMs
        + " inFlight="
        + inFlight
        + fields
        + " firstError="
        + firstError;
  }

  /** A value safe inside {@code key=a:1,b:2}: no spaces, commas or colons of its own. */
  private static String token(String text) {
    String t = text.length() > 120 ? text.substring(0, 120) : text;
    return t.isEmpty() ? "-" : t.replace(' ', '_').replace(',', ';').replace(':', '.');
  }

  private static String join(Map<String, Integer> counts) {
    if (counts.isEmpty()) {
      return "-";
    }
    StringBuilder text = new StringBuilder();
    counts.forEach(
        (k, v) -> text.append(text.length() == 0 ? "" : ",").append(k).append(':').append(v));
    return text.toString();
  }
}
