package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.netty.Connection;
import reactor.util.context.Context;

/**
 * One attempt of a {@link DirectConnect}: a subscription of the request's own {@code Mono} (which
 * emits the connection once the response's head is in), to the endpoint the call held when it
 * began. Whatever ends it first — the response, a failure, the per-try timer, the call's end — ends
 * it; the rest find it over.
 */
final class Attempt implements CoreSubscriber<Connection> {

  private final DirectConnect call;
  private final MeshEndpointAddress endpoint;
  private final AtomicBoolean over = new AtomicBoolean();
  private volatile Subscription subscription;

  /** The request's {@code HttpClientHandler} for this attempt, set when it is made. */
  volatile Object handler;

  /** The per-try timer, cancelled when the attempt ends first. */
  volatile Future<?> timer;

  Attempt(DirectConnect call, MeshEndpointAddress endpoint) {
    this.call = call;
    this.endpoint = endpoint;
  }

  boolean isOver() {
    return over.get();
  }

  MeshEndpointAddress endpoint() {
    return endpoint;
  }

  /** Whether {@code host:port} is the authority the application addressed (not a redirect). */
  boolean addresses(String host, int port) {
    return call.addresses(host, port);
  }

  void requestHeaders(HttpHeaders headers) {
    call.requestHeaders(headers);
  }

  @Override
  public Context currentContext() {
    return call.context();
  }

  @Override
  public void onSubscribe(Subscription s) {
    subscription = s;
    if (over.get()) {
      s.cancel();
    } else {
      s.request(Long.MAX_VALUE);
    }
  }

  @Override
  public void onNext(Connection connection) {
    if (!end()) {
      connection.dispose();
      return;
    }
    call.responded(this, connection);
  }

  @Override
  public void onError(Throwable failure) {
    if (end()) {
      call.failed(this, failure);
    }
  }

  @Override
  public void onComplete() {
    // The connection came first, or the subscription was cancelled: nothing more to do.
  }

  /** The per-try timer's task: ends the attempt and cancels its exchange. */
  void perTryExpired() {
    if (end()) {
      cancelExchange();
      call.perTryExpired(this);
    }
  }

  /** Ends the attempt from outside (the call's end); {@code false} if it was over already. */
  boolean abandon() {
    if (!end()) {
      return false;
    }
    cancelExchange();
    return true;
  }

  private void cancelExchange() {
    Subscription s = subscription;
    if (s != null) {
      // Reactor Netty disposes the attempt's connection when its subscription is cancelled.
      s.cancel();
    }
  }

  private boolean end() {
    if (!over.compareAndSet(false, true)) {
      return false;
    }
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
    Attempts.release(this);
    return true;
  }
}
