package dev.jmesh.testsuite.direct;

/** Apache HttpClient 5, classic API, one pooled client; synchronous only. */
class ApacheClassic5MeshedTest extends AbstractMeshedHttpClientTest {

  @Override
  String library() {
    return "apache-httpclient-5";
  }

  @Override
  boolean hasAsync() {
    return false;
  }

  /**
   * THE CAPABILITY ROW of apache-httpclient-5: flip a feature to {@code DIRECT} when the library's
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
