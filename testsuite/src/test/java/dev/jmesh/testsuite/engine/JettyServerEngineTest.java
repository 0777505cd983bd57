package dev.jmesh.testsuite.engine;

/** Jetty 12 (servlets, h2c, WebSocket), behind the engine. */
class JettyServerEngineTest extends AbstractMeshedHttpServerTest implements ServesWebSocket, ServesHttp2 {

  @Override
  String kind() {
    return "jetty";
  }

  /** Its port is an http port: the engine speaks HTTP/1.1 to it, whatever the caller spoke. */
  @Override
  public String applicationProtocol() {
    return "HTTP/1.1";
  }
}
