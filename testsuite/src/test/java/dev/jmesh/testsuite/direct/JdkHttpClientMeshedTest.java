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

  /**
   * THE CAPABILITY ROW of jdk-httpclient: flip a feature to {@code DIRECT} when the library's
   * direct-path module lands and handles it. Until then every request goes through the engine.
   */
  @Override
  String expectedPath(Feature feature) {
    return ENGINE;
  }

  @Override
  String timeoutException() {
    return "java\\.net\\.http\\.HttpTimeoutException";
  }
}
