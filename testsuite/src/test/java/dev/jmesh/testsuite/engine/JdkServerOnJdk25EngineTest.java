package dev.jmesh.testsuite.engine;

import dev.jmesh.testing.Jdk;

/**
 * The JDK's HttpServer and the meshed client on Temurin 25: the socket hooks (bind, accept,
 * local-address getters, name resolution) and the engine on the newest JDK, the suite's JDK 25
 * subset.
 */
class JdkServerOnJdk25EngineTest extends JdkServerEngineTest {

  @Override
  Jdk jdk() {
    return Jdk.JDK25;
  }
}
