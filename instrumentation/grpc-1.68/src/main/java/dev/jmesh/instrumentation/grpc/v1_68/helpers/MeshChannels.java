package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import io.grpc.ClientInterceptor;
import java.util.List;

/**
 * What a channel's builder gets from the mesh while it builds: the mesh's interceptor innermost of
 * its own, and the mesh's policy over its default one. Between the two, the transport's builder
 * says whether its connections can take the mesh's TLS ({@link #transportBuilt}); the interceptor
 * being built waits for that answer in a thread local, as both happen inside one {@code build()}.
 *
 * <p>This package holds the classes injected into the application's class loader: mesh.jar keeps
 * them unrelocated, since they must use the application's grpc and Netty, never the agent's own
 * relocated copies. The advice that calls them names only JDK types.
 */
public final class MeshChannels {

  private static final ThreadLocal<MeshClientInterceptor> BUILDING = new ThreadLocal<>();

  private MeshChannels() {}

  /**
   * {@code ManagedChannelImplBuilder.build()} entry: adds the interceptor (once per builder) and
   * returns the default policy the channel should use.
   */
  @SuppressWarnings("unchecked")
  public static String building(List<?> interceptors, String defaultPolicy) {
    MeshClientInterceptor mesh = null;
    for (Object i : interceptors) {
      if (i instanceof MeshClientInterceptor) {
        mesh = (MeshClientInterceptor) i;
      }
    }
    String policy =
        MeshLoadBalancerProvider.over(defaultPolicy == null ? "pick_first" : defaultPolicy);
    if (!policy.startsWith(MeshLoadBalancerProvider.PREFIX)) {
      // A policy the registry does not know: the channel fails its RPCs as it would unmeshed.
      return defaultPolicy;
    }
    if (mesh == null) {
      mesh = new MeshClientInterceptor();
      // First in the list is innermost: the application's interceptors run before the mesh's.
      ((List<ClientInterceptor>) interceptors).add(0, mesh);
    }
    BUILDING.set(mesh);
    return policy;
  }

  /**
   * Whether the transport of the channel being built lets the mesh put its TLS on a direct
   * connection (said by the transport's own instrumentation, inside the same {@code build()}).
   */
  public static void tlsCapable(boolean capable) {
    MeshClientInterceptor mesh = BUILDING.get();
    if (mesh != null) {
      mesh.tlsCapable(capable);
    }
  }

  /** {@code build()} exit, normal or not. */
  public static void built() {
    BUILDING.remove();
  }
}
