package dev.jmesh.testsuite.direct;

/**
 * {@link WebClientMeshedTest} with Reactor Netty on NIO instead of epoll: its connects go through
 * the JDK's {@code SocketChannel}, where the socket hooks (not the epoll advice) let the direct
 * path's endpoints through and send everything else of the mesh to the engine.
 */
class WebClientNioMeshedTest extends WebClientMeshedTest {

  @Override
  String app() {
    return "webclient-nio";
  }
}
