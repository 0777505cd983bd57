package dev.jmesh.testsuite.direct;

/**
 * grpc-java 1.85 on grpc-netty-shaded (its own relocated Netty, with native epoll on Linux): the
 * same client, pods and expectations as {@link GrpcNettyMeshedTest}.
 */
class GrpcNettyShadedMeshedTest extends GrpcNettyMeshedTest {

  @Override
  String app() {
    return "grpc-netty-shaded";
  }
}
