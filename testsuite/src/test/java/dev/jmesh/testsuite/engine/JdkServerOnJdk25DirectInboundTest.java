package dev.jmesh.testsuite.engine;

import dev.jmesh.testing.Jdk;

/** The JDK HttpServer's direct inbound path on Temurin 25 (its hooks into jdk.httpserver). */
class JdkServerOnJdk25DirectInboundTest extends JdkServerDirectInboundTest {

  @Override
  Jdk jdk() {
    return Jdk.JDK25;
  }
}
