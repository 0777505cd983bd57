package dev.jmesh.dataplane.xds;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC channel to the control plane. Built with {@link NettyChannelBuilder} directly, never
 * through {@code ManagedChannelBuilder}'s provider lookup, which in {@code mesh.jar}'s isolated
 * class loader (with gRPC relocated) would look in the wrong place. Every thread it uses (the event
 * loop, name resolution) comes from the caller's factory, so the agent's hooks see them as its own.
 *
 * <pre>{@code
 * try (XdsChannel cp = XdsChannel.plaintext("localhost", 15010, MeshThreads.factory("xds"))) {
 *   XdsClient.newBuilder(cp.channel(), node, handler, MeshThreads.factory("xds")).build();
 * }
 * }</pre>
 */
public final class XdsChannel implements AutoCloseable {
  private final ManagedChannel channel;
  private final EventLoopGroup eventLoop;
  private final ExecutorService offload;

  private XdsChannel(ManagedChannel channel, EventLoopGroup eventLoop, ExecutorService offload) {
    this.channel = channel;
    this.eventLoop = eventLoop;
    this.offload = offload;
  }

  /** A plaintext channel, as for Istio's port 15010 (local experiments only). */
  public static XdsChannel plaintext(String host, int port, ThreadFactory threadFactory) {
    return build(host, port, null, threadFactory);
  }

  /**
   * A TLS channel, as for the control plane's port 15012: {@code tls} decides whom to trust (the
   * root pinned by the join token) and what to present (the workload's SVID once it has one).
   */
  public static XdsChannel tls(String host, int port, SslContext tls, ThreadFactory threadFactory) {
    return build(host, port, tls, threadFactory);
  }

  private static XdsChannel build(
      String host, int port, SslContext tls, ThreadFactory threadFactory) {
    EventLoopGroup eventLoop =
        new MultiThreadIoEventLoopGroup(1, threadFactory, NioIoHandler.newFactory());
    ThreadPoolExecutor offload =
        new ThreadPoolExecutor(
            1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threadFactory);
    offload.allowCoreThreadTimeOut(true);
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress(host, port)
            .eventLoopGroup(eventLoop)
            .channelType(NioSocketChannel.class)
            .executor(offload)
            .offloadExecutor(offload)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .userAgent(NodeInfo.USER_AGENT);
    if (tls == null) {
      b.usePlaintext();
    } else {
      b.sslContext(tls);
    }
    return new XdsChannel(b.build(), eventLoop, offload);
  }

  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    offload.shutdown();
  }
}
