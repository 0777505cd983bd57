package dev.jmesh.testapps.httpclients;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** grpc-java on grpc-netty-shaded (Netty relocated inside grpc's own jar, with its epoll). */
final class GrpcNettyShadedLibrary extends GrpcLibrary {

  GrpcNettyShadedLibrary() {
    super(target -> NettyChannelBuilder.forTarget(target).usePlaintext().build());
  }
}
