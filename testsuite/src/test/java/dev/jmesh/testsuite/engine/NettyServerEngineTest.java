package dev.jmesh.testsuite.engine;

/** A Netty 4 HTTP server (HTTP/1.1, h2c, WebSocket) on the application's own Netty, behind the engine. */
class NettyServerEngineTest extends AbstractMeshedHttpServerTest implements ServesWebSocket, ServesHttp2 {

  @Override
  String kind() {
    return "netty";
  }
}
