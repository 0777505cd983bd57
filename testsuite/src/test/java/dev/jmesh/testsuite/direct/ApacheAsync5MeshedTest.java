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

  /** The capability row of apache-httpclient-5-async (docs/instrumentation.md): every feature direct. */
  @Override
  String expectedPath(Feature feature) {
    return DIRECT;
  }

  @Override
  String timeoutException() {
    return "java\\.net\\.SocketTimeoutException";
  }
}
