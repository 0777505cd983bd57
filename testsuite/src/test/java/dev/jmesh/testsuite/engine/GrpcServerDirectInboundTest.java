package dev.jmesh.testsuite.engine;

/** The grpc-java server (grpc-netty) of {@link GrpcServerEngineTest} on the direct inbound path. */
class GrpcServerDirectInboundTest extends GrpcServerEngineTest {

  @Override
  String directInbound() {
    return "netty-server";
  }
}
