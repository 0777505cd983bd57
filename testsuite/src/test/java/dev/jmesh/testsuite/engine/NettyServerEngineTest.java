package dev.jmesh.testsuite.engine;

/** A Netty 4 HTTP server (HTTP/1.1, h2c, WebSocket) on the application's own Netty, behind the engine. */
class NettyServerEngineTest extends AbstractMeshedHttpServerTest implements ServesWebSocket, ServesHttp2 {

  @Override
  String kind() {
    return "netty";
  }

  /** Its port is an http port: the engine speaks HTTP/1.1 to it, whatever the caller spoke. */
  @Override
  public String applicationProtocol() {
    return "HTTP/1.1";
  }
}
