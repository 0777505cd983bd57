package dev.jmesh.testsuite.engine;

/**
 * The Tomcat 11 server of {@link TomcatServerEngineTest} on the direct inbound path: the mesh's
 * entry is Tomcat's filter chain.
 */
class TomcatServerDirectInboundTest extends AbstractServletDirectInboundTest {

  @Override
  String kind() {
    return "tomcat";
  }
}
