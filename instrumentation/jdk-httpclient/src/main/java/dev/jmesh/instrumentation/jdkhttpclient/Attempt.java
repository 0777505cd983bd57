package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
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

  /**
   * The client's request for this attempt's copy, bound as the client constructs it, on the thread
   * that sends the attempt, before any other binding.
   */
  private Object copy;

  /**
   * Requests the client derives from the copy (a redirect, an authentication retry), on its own
   * threads; made for the first, since most attempts have none.
   */
  private volatile ConcurrentLinkedQueue<Object> derived;

  @SuppressWarnings("rawtypes")
  private static final AtomicReferenceFieldUpdater<Attempt, ConcurrentLinkedQueue> DERIVED =
      AtomicReferenceFieldUpdater.newUpdater(Attempt.class, ConcurrentLinkedQueue.class, "derived");

  Attempt(MeshEndpointAddress endpoint, SSLContext tls, Executor completions) {
    this.endpoint = endpoint;
    this.tls = tls;
    this.completions = completions;
  }

  void bound(Object request) {
    if (copy == null && derived == null) {
      copy = request;
      return;
    }
    if (derived == null) {
      DERIVED.compareAndSet(this, null, new ConcurrentLinkedQueue<>());
    }
    derived.add(request);
  }

  /**
   * Ends every binding, once the client completed the attempt: the copy's construction and every
   * derivation happened before that completion.
   */
  void unbindFrom(AttemptBindings bindings) {
    Object first = copy;
    if (first != null) {
      copy = null;
      bindings.unbind(first);
    }
    ConcurrentLinkedQueue<Object> more = derived;
    if (more != null) {
      for (Object request; (request = more.poll()) != null; ) {
        bindings.unbind(request);
      }
    }
  }
}
