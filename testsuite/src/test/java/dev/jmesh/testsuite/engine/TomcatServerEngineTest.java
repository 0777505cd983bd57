package dev.jmesh.testsuite.engine;

/** Embedded Tomcat 11 (servlets, WebSocket), behind the engine. */
class TomcatServerEngineTest extends AbstractMeshedHttpServerTest implements ServesWebSocket {

  @Override
  String kind() {
    return "tomcat";
  }
}
