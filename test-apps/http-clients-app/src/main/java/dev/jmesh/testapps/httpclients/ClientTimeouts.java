package dev.jmesh.testapps.httpclients;

import java.time.Duration;

/**
 * Every library's own timeouts: connect 10 s, read (or, for the JDK's HttpClient, the whole
 * request) 30 s. {@code -Dhttp-clients.connect-timeout=SECONDS} and {@code
 * -Dhttp-clients.request-timeout=SECONDS} change them, for a load the library itself cannot serve
 * that fast: the JDK HttpClient's one selector thread, on two cores, takes longer than 10 s to
 * complete 10,000 connects made at once, with or without the mesh.
 */
final class ClientTimeouts {

  static final Duration CONNECT = seconds("http-clients.connect-timeout", 10);
  static final Duration REQUEST = seconds("http-clients.request-timeout", 30);

  private ClientTimeouts() {}

  private static Duration seconds(String property, long otherwise) {
    return Duration.ofSeconds(Long.getLong(property, otherwise));
  }
}
