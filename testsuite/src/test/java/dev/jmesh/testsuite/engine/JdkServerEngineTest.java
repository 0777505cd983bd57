package dev.jmesh.testsuite.engine;

/** The JDK's own com.sun.net.httpserver, behind the engine. */
class JdkServerEngineTest extends AbstractMeshedHttpServerTest {

  @Override
  String kind() {
    return "jdk";
  }
}
