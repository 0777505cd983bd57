package dev.jmesh.testsuite.direct;

/** Apache HttpClient 5, async API on its I/O reactor, one pooled client. */
class ApacheAsync5MeshedTest extends AbstractMeshedHttpClientTest {

  @Override
  String library() {
    return "apache-httpclient-5-async";
  }

  @Override
  boolean hasAsync() {
    return true;
  }

  /**
   * THE CAPABILITY ROW of apache-httpclient-5-async: flip a feature to {@code DIRECT} when the
   * library's direct-path module lands and handles it. Until then every request goes through the
   * engine.
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
