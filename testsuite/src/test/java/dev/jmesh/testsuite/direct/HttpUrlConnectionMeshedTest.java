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
   * THE CAPABILITY ROW of jdk-urlconnection: flip a feature to {@code DIRECT} when the library's
   * direct-path module lands and handles it. Until then every request goes through the engine.
   */
  @Override
  String expectedPath(Feature feature) {
    return ENGINE;
  }

  @Override
  String timeoutException() {
    return "java\\.net\\.SocketTimeoutException";
  }
}
