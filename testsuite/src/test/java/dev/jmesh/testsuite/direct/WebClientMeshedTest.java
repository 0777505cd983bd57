package dev.jmesh.testsuite.direct;

/**
 * Spring WebClient 7.0 on Reactor Netty 1.3 (Netty 4.2, epoll as on any Linux host), one {@code
 * WebClient} over one {@code HttpClient}; async is the request's {@code Mono} as a future. Counted
 * under the instrumentation's label, {@code reactor-netty}.
 */
class WebClientMeshedTest extends AbstractMeshedHttpClientTest {

  @Override
  String library() {
    return "reactor-netty";
  }

  @Override
  String app() {
    return "webclient";
  }

  @Override
  boolean hasAsync() {
    return true;
  }

  /**
   * The capability row of reactor-netty (docs/instrumentation.md): local replies (abort, no route,
   * overflow) are the engine's, as are routes through a cluster with a connection limit (the
   * application's pool owns the connections); everything else is direct.
   */
  @Override
  String expectedPath(Feature feature) {
    return switch (feature) {
      case FAULT_ABORT, CIRCUIT_BREAKER -> ENGINE;
      default -> DIRECT;
    };
  }

  @Override
  String timeoutException() {
    return "io\\.netty\\.handler\\.timeout\\.ReadTimeoutException";
  }
}
