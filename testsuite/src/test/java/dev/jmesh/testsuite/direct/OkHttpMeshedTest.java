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

  /** The capability row of okhttp (docs/instrumentation.md): every feature direct. */
  @Override
  String expectedPath(Feature feature) {
    return DIRECT;
  }

  @Override
  String timeoutException() {
    return "java\\.(io\\.InterruptedIOException|net\\.SocketTimeoutException)";
  }
}
