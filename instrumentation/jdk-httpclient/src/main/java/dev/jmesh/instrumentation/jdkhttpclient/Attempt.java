package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;

/**
 * One send of a mesh request: the endpoint and TLS the client's requests for it are re-targeted to,
 * the executor the client completes it on, and those requests, so that they are unbound when it
 * ends.
 */
final class Attempt {

  final MeshEndpointAddress endpoint;
  final SSLContext tls;

  /**
   * The executor of the application's call, {@code null} for a {@code send}: the client completes
   * the attempt where it would have completed that call, without a hop to its own executor.
   */
  final Executor completions;

  /** The client's requests bound to this attempt: its copy, then any redirect of it. */
  private final ConcurrentLinkedQueue<Object> requests = new ConcurrentLinkedQueue<>();

  Attempt(MeshEndpointAddress endpoint, SSLContext tls, Executor completions) {
    this.endpoint = endpoint;
    this.tls = tls;
    this.completions = completions;
  }

  void bound(Object request) {
    requests.add(request);
  }

  void unbindFrom(AttemptBindings bindings) {
    for (Object request; (request = requests.poll()) != null; ) {
      bindings.unbind(request);
    }
  }
}
