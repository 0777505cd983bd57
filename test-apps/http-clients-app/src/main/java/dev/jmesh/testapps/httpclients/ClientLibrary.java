package dev.jmesh.testapps.httpclients;

import java.util.concurrent.CompletableFuture;

/** One library's pooled client, as an application uses it. */
interface ClientLibrary {

  /** Sends on the calling thread and reads the whole response. */
  Outcome send(Exchange exchange) throws Exception;

  /**
   * Sends through the library's asynchronous API; libraries without one answer with a failed
   * future, so {@code --async} never silently turns into a blocking call.
   */
  default CompletableFuture<Outcome> sendAsync(Exchange exchange) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getSimpleName() + " has no async API"));
  }

  /** Whether {@link #sendAsync} is the library's own asynchronous API. */
  default boolean hasAsync() {
    return false;
  }
}
