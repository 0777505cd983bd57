package dev.jmesh.instrumentation.grpc.v1_68;

/**
 * The mesh's mTLS on grpc-netty-shaded's plaintext channels: {@link GrpcNettyModule}'s advice and
 * helpers relocated to the shaded names by the {@code grpc-netty-shaded-1.68} build (package {@code
 * shadednetty}). Without that artifact in mesh.jar the helpers cannot be read and the module stays
 * off; shaded channels then never claim TLS, and their mTLS routes go to the engine.
 */
public final class GrpcNettyShadedModule extends GrpcNettyModule {

  public GrpcNettyShadedModule() {
    super("grpc-netty-shaded-1.68", GrpcNames.grpc("netty.shaded.io.grpc.netty"), "shadednetty");
  }
}
