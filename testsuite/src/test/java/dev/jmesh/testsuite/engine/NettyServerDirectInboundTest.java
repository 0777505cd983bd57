package dev.jmesh.testsuite.engine;

/**
 * The Netty 4 HTTP server of {@link NettyServerEngineTest} on the direct inbound path: no engine in
 * front of it; the mesh's handlers in its own pipeline terminate mTLS, check peers and requests
 * (per HTTP/1.1 request and per HTTP/2 stream) and record them. Envoy's hardening (smuggling,
 * header timeouts, body limits) stays the engine's: here the application's own codec parses.
 */
class NettyServerDirectInboundTest extends AbstractMeshedHttpPolicyTest
    implements ServesWebSocket, ServesHttp2 {

  @Override
  String kind() {
    return "netty";
  }

  @Override
  String directInbound() {
    return "netty-server";
  }
}
