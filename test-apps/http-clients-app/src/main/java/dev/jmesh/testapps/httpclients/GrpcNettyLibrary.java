package dev.jmesh.testapps.httpclients;

import io.grpc.netty.NettyChannelBuilder;

/** grpc-java on grpc-netty (the application's own Netty). */
final class GrpcNettyLibrary extends GrpcLibrary {

  GrpcNettyLibrary() {
    super(target -> NettyChannelBuilder.forTarget(target).usePlaintext().build());
  }
}
