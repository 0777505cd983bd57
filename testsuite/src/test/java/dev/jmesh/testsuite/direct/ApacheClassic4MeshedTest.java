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

  /** The capability row of apache-httpclient-4 (docs/instrumentation.md): every feature direct. */
  @Override
  String expectedPath(Feature feature) {
    return DIRECT;
  }

  @Override
  String timeoutException() {
    return "java\\.net\\.SocketTimeoutException";
  }
}
