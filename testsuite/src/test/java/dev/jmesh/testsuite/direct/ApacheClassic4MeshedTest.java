package dev.jmesh.testsuite.direct;

/** Apache HttpClient 4.5, one pooled client; synchronous only. */
class ApacheClassic4MeshedTest extends AbstractMeshedHttpClientTest {

  @Override
  String library() {
    return "apache-httpclient-4";
  }

  @Override
  boolean hasAsync() {
    return false;
  }

  /**
   * THE CAPABILITY ROW of apache-httpclient-4: flip a feature to {@code DIRECT} when the library's
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
