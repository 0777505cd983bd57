package dev.jmesh.testsuite.direct;

/** {@code HttpURLConnection} (the JDK's keep-alive cache is its pool); synchronous only. */
class HttpUrlConnectionMeshedTest extends AbstractMeshedHttpClientTest {

  @Override
  String library() {
    return "jdk-urlconnection";
  }

  @Override
  boolean hasAsync() {
    return false;
  }

  /**
   * The capability row of jdk-urlconnection (docs/instrumentation.md): direct, but for local
   * replies — a fault abort, the circuit breaker's 503 — which the library cannot hand the
   * application, so the engine answers them.
   */
  @Override
  String expectedPath(Feature feature) {
    return feature == Feature.FAULT_ABORT || feature == Feature.CIRCUIT_BREAKER ? ENGINE : DIRECT;
  }

  @Override
  String timeoutException() {
    return "java\\.net\\.SocketTimeoutException";
  }
}
