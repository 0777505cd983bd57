package dev.jmesh.testsuite.direct;

/**
 * Reactor Netty 1.3's own {@code HttpClient} (epoll), without Spring: one client, headers through
 * {@code headers(...)}, async as the response's {@code Mono} as a future. The same capability row
 * as {@link WebClientMeshedTest}; the application sees Netty's timeout unwrapped.
 */
class ReactorNettyMeshedTest extends WebClientMeshedTest {

  @Override
  String app() {
    return "reactor-netty";
  }
}
