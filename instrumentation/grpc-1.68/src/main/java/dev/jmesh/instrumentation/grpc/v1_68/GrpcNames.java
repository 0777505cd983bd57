package dev.jmesh.instrumentation.grpc.v1_68;

/**
 * grpc's class names, assembled at run time: mesh.jar relocates the agent's own grpc and Netty, and
 * with them every string constant that looks like one of their names, which would point this
 * module's matchers at the agent's copies instead of the application's.
 */
final class GrpcNames {

  private GrpcNames() {}

  /** {@code io.grpc.<rest>}. */
  static String grpc(String rest) {
    return String.join(".", "io", "grpc", rest);
  }
}
