package dev.jmesh.testsuite.engine;

/**
 * The Netty 4 HTTP server of {@link NettyServerEngineTest} on the direct inbound path: no engine in
 * front of it; the mesh's handlers in its own pipeline terminate mTLS, check peers and requests and
 * record them. Envoy's hardening is the engine's (the application's own codec parses here), and
 * HTTP/2 is not checked per request on this path (see docs/instrumentation.md).
 */
class NettyServerDirectInboundTest extends AbstractMeshedHttpPolicyTest implements ServesWebSocket {

  @Override
  String kind() {
    return "netty";
  }

  @Override
  String directInbound() {
    return "netty-server";
  }
}
