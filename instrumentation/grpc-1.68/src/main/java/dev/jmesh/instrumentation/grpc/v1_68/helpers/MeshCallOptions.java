package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import javax.net.ssl.SSLContext;

/**
 * What the mesh's interceptor tells the rest of the channel about one attempt: the endpoint the
 * data path picked and the TLS of the connection to it. The keys are compared by identity, so the
 * interceptor, the load balancer and the TLS negotiation share this one class.
 */
public final class MeshCallOptions {

  /** The attempt's endpoint; absent for an RPC the mesh left untouched. */
  public static final CallOptions.Key<MeshEndpointAddress> ENDPOINT =
      CallOptions.Key.create("jmesh.endpoint");

  /** The attempt's TLS; absent (null) for plaintext. */
  public static final CallOptions.Key<SSLContext> TLS = CallOptions.Key.create("jmesh.tls");

  /** The TLS of a direct subchannel's connections, read by the transport's negotiation. */
  public static final Attributes.Key<SSLContext> TLS_ATTRIBUTE = Attributes.Key.create("jmesh.tls");

  private MeshCallOptions() {}
}
