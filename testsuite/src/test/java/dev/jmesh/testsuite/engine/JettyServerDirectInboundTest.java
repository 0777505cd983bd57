package dev.jmesh.testsuite.engine;

/**
 * The Jetty 12 (ee10) server of {@link JettyServerEngineTest} on the direct inbound path: the
 * engine keeps the port and settles mTLS, then relays the claimed port's connections, and the
 * mesh's entry in Jetty's servlet handler checks each request (HTTP/1.1 and each h2c stream).
 */
class JettyServerDirectInboundTest extends AbstractServletDirectInboundTest implements ServesHttp2 {

  @Override
  String kind() {
    return "jetty";
  }
}
