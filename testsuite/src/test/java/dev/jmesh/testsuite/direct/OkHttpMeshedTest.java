package dev.jmesh.testsuite.direct;

/** OkHttp 4.12, one {@code OkHttpClient}; async via {@code enqueue}. */
class OkHttpMeshedTest extends AbstractMeshedHttpClientTest {

  @Override
  String library() {
    return "okhttp";
  }

  @Override
  boolean hasAsync() {
    return true;
  }

  /**
   * THE CAPABILITY ROW of okhttp: flip a feature to {@code DIRECT} when the library's direct-path
   * module lands and handles it. Until then every request goes through the engine.
   */
  @Override
  String expectedPath(Feature feature) {
    return ENGINE;
  }

  @Override
  String timeoutException() {
    return "java\\.(io\\.InterruptedIOException|net\\.SocketTimeoutException)";
  }
}
