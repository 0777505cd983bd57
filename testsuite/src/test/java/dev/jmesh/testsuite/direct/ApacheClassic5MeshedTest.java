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

  /** The capability row of apache-httpclient-5 (docs/instrumentation.md): every feature direct. */
  @Override
  String expectedPath(Feature feature) {
    return DIRECT;
  }

  @Override
  String timeoutException() {
    return "java\\.net\\.SocketTimeoutException";
  }
}
