package dev.jmesh.testsuite.engine;

/** Jetty 12 (servlets, h2c, WebSocket), behind the engine. */
class JettyServerEngineTest extends AbstractMeshedHttpServerTest implements ServesWebSocket, ServesHttp2 {

  @Override
  String kind() {
    return "jetty";
  }
}
