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

/**
 * {@code burst N CONCURRENCY METHOD URL [--async] [Name:Value ...]}: N requests with at most
 * CONCURRENCY in flight, on the one pooled client, answered as one aggregate line. With {@code
 * --async} the library's asynchronous API keeps them in flight from one thread; otherwise as many
 * platform threads as the concurrency block in the synchronous API.
 */
final class Burst {

  /** A burst never outlives this, whatever the mesh does. */
  private static final long LIMIT_SECONDS = 120;

  private Burst() {}

  static String run(ClientLibrary library, String[] args) throws Exception {
    if (args.length < 4) {
      throw new IllegalArgumentException("usage: burst N CONCURRENCY METHOD URL [options]");
    }
    int n = Integer.parseInt(args[0]);
    int concurrency = Integer.parseInt(args[1]);
    Exchange exchange = Exchange.parse(args, 2);
    long start = System.nanoTime();
    List<CompletableFuture<Outcome>> outcomes =
        exchange.async()
            ? inFlight(library, exchange, n, concurrency)
            : onThreads(library, exchange, n, concurrency);
    CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .handle((v, e) -> null)
        .get(LIMIT_SECONDS, TimeUnit.SECONDS);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return summary(outcomes, elapsedMs);
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

  private static String summary(List<CompletableFuture<Outcome>> outcomes, long elapsedMs) {
    Map<String, Integer> statuses = new TreeMap<>();
    Map<String, Integer> errors = new TreeMap<>();
    Map<String, Integer> bodies = new TreeMap<>();
    Map<String, Integer> versions = new TreeMap<>();
    String firstError = "-";
    int ok = 0;
    for (CompletableFuture<Outcome> future : outcomes) {
      if (!future.isDone()) {
        errors.merge("unfinished", 1, Integer::sum);
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
