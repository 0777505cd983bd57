package dev.jmesh.testsuite.direct;

/**
 * The JDK's {@code java.net.http.HttpClient} (HTTP/2 preferred: h2c upgrade), async via {@code
 * sendAsync}.
 */
class JdkHttpClientMeshedTest extends AbstractMeshedHttpClientTest {

  @Override
  String library() {
    return "jdk-httpclient";
  }

  @Override
  boolean hasAsync() {
    return true;
  }

  /** The capability row of jdk-httpclient (docs/instrumentation.md): every feature direct. */
  @Override
  String expectedPath(Feature feature) {
    return DIRECT;
  }

  @Override
  String timeoutException() {
    return "java\\.net\\.http\\.HttpTimeoutException";
  }
}
