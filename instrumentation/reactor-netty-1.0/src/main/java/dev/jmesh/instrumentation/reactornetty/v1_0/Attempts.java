package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.bootstrap.MeshHooks;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientRequest;

/**
 * Where an attempt meets Reactor Netty's per-subscription objects. Subscribing a request creates
 * its {@code HttpClientHandler} (the pool's remote-address supplier); while an attempt subscribes,
 * the handler made on this thread is bound to it, so that the handler supplies the attempt's
 * endpoint and the channel that carries the request gets the attempt's header changes.
 */
public final class Attempts {

  /** The attempt subscribing on this thread: its subscription proceeds untouched. */
  private static final ThreadLocal<Attempt> SUBSCRIBING = new ThreadLocal<>();

  /** Handler → attempt, while the attempt lasts (handlers compare by identity). */
  private static final ConcurrentHashMap<Object, Attempt> BY_HANDLER = new ConcurrentHashMap<>();

  private static final AttributeKey<Attempt> ON_CHANNEL =
      AttributeKey.valueOf("dev.jmesh.reactornetty.attempt");

  private Attempts() {}

  /** Whether this subscription is one of ours, which proceeds as Reactor Netty wrote it. */
  static boolean ownSubscription() {
    return SUBSCRIBING.get() != null;
  }

  /** Subscribes {@code attempt} to the request's {@code Mono}, marked as ours. */
  static void subscribe(Mono<Connection> mono, Attempt attempt) {
    SUBSCRIBING.set(attempt);
    try {
      mono.subscribe(attempt);
    } finally {
      SUBSCRIBING.remove();
    }
  }

  /** {@code HttpClientHandler} constructor exit: binds it to the attempt subscribing, if any. */
  public static void made(Object handler) {
    Attempt attempt = SUBSCRIBING.get();
    if (attempt != null) {
      // One handler per attempt: a request the application starts further down this same call
      // (a body function subscribing another request) is its own, decided anew.
      SUBSCRIBING.remove();
      attempt.handler = handler;
      BY_HANDLER.put(handler, attempt);
      if (attempt.isOver()) {
        // Ended (cancelled, timed out) while subscribing: its release came before this binding.
        BY_HANDLER.remove(handler, attempt);
      }
    }
  }

  /** The attempt is over: its handler supplies Reactor Netty's own address again. */
  static void release(Attempt attempt) {
    Object handler = attempt.handler;
    if (handler != null) {
      BY_HANDLER.remove(handler, attempt);
    }
  }

  /**
   * {@code HttpClientHandler.get()} exit: the address the pool connects to. An attempt's request
   * goes to its endpoint (the pool is keyed by it); a redirect elsewhere, and any request the
   * direct path left alone, keeps its own address, with a mesh service name resolved by the mesh,
   * since Reactor Netty's DNS resolver does not ask {@code InetAddress} (the connection then goes
   * through the engine).
   */
  public static SocketAddress remote(Object handler, SocketAddress address) {
    if (!(address instanceof InetSocketAddress)) {
      return address;
    }
    InetSocketAddress inet = (InetSocketAddress) address;
    Attempt attempt = BY_HANDLER.isEmpty() ? null : BY_HANDLER.get(handler);
    if (attempt != null && attempt.addresses(inet.getHostString(), inet.getPort())) {
      return attempt.endpoint();
    }
    if (!inet.isUnresolved()) {
      return address;
    }
    InetAddress[] resolved = MeshHooks.resolve(inet.getHostString());
    return resolved != null && resolved.length > 0
        ? new InetSocketAddress(resolved[0], inet.getPort())
        : address;
  }

  /**
   * {@code HttpClientHandler.requestWithBody} entry: the channel carries this attempt's request.
   */
  public static void writing(Object handler, Object operations) {
    if (!(operations instanceof Connection)) {
      return;
    }
    Channel channel = ((Connection) operations).channel();
    Attempt attempt = BY_HANDLER.isEmpty() ? null : BY_HANDLER.get(handler);
    if (attempt != null) {
      channel.attr(ON_CHANNEL).set(attempt);
    } else if (channel.hasAttr(ON_CHANNEL)) {
      // A pooled channel's earlier request was an attempt; this one is not.
      channel.attr(ON_CHANNEL).set(null);
    }
  }

  /** {@code HttpClientOperations.beforeMarkSentHeaders} exit: the attempt's header changes. */
  public static void headersFinal(Object operations) {
    if (!(operations instanceof Connection) || !(operations instanceof HttpClientRequest)) {
      return;
    }
    Channel channel = ((Connection) operations).channel();
    if (!channel.hasAttr(ON_CHANNEL)) {
      return;
    }
    Attempt attempt = channel.attr(ON_CHANNEL).get();
    if (attempt != null) {
      attempt.requestHeaders(((HttpClientRequest) operations).requestHeaders());
    }
  }
}
