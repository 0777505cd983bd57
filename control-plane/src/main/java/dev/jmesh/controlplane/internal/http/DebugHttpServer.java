package dev.jmesh.controlplane.internal.http;

import dev.jmesh.controlplane.ControlPlane;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Istio's debug HTTP API on 15014 ({@link DebugPages}), served by Netty so that a flood of idle,
 * half-sent or oversized requests costs the port little: one event loop accepts and reads every
 * connection, {@link RequestDeadlines} closes the ones that stall, {@link DebugHttpConnections}
 * caps how many are open, and pages are rendered on two threads of their own.
 *
 * <pre>{@code
 * DebugHttpServer http = DebugHttpServer.start(new InetSocketAddress("127.0.0.1", 15014), cp);
 * }</pre>
 */
public final class DebugHttpServer implements AutoCloseable {

  /** Requests this size and over are refused with 413; the API only takes GETs. */
  private static final int MAX_BODY_BYTES = 64 * 1024;

  /** Renders queued beyond this are answered 503: a page is a snapshot read, seldom slow. */
  private static final int PAGE_QUEUE = 64;

  private final EventLoopGroup loop;
  private final ThreadPoolExecutor pageExecutor;
  private final Channel listener;
  private final DebugHttpConnections connections;

  private DebugHttpServer(
      EventLoopGroup loop,
      ThreadPoolExecutor pageExecutor,
      Channel listener,
      DebugHttpConnections connections) {
    this.loop = loop;
    this.pageExecutor = pageExecutor;
    this.listener = listener;
    this.connections = connections;
  }

  public static DebugHttpServer start(InetSocketAddress address, ControlPlane cp)
      throws IOException {
    return start(address, cp, DebugHttpLimits.DEFAULT);
  }

  public static DebugHttpServer start(
      InetSocketAddress address, ControlPlane cp, DebugHttpLimits limits) throws IOException {
    DebugHttpConnections connections = new DebugHttpConnections(limits.maxConnections());
    DebugPages pages = new DebugPages(cp, connections::metrics);
    ThreadPoolExecutor pageExecutor =
        new ThreadPoolExecutor(
            2,
            2,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(PAGE_QUEUE),
            new DefaultThreadFactory("jmesh-debug-http-page", true));
    EventLoopGroup loop =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("jmesh-debug-http", true), NioIoHandler.newFactory());
    HttpDecoderConfig decoder =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(limits.maxRequestLineBytes())
            .setMaxHeaderSize(limits.maxHeaderBytes());
    ChannelFuture bound =
        new ServerBootstrap()
            .group(loop)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (!connections.admit(ch)) {
                      return;
                    }
                    ch.pipeline()
                        .addLast(
                            new RequestDeadlines(limits, connections),
                            new HttpServerCodec(decoder),
                            new HttpObjectAggregator(MAX_BODY_BYTES),
                            new DebugRequestHandler(pages, pageExecutor, connections));
                  }
                })
            .bind(address)
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      pageExecutor.shutdownNow();
      if (bound.cause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot serve the debug HTTP API on " + address, bound.cause());
    }
    return new DebugHttpServer(loop, pageExecutor, bound.channel(), connections);
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Open connections and why the server closed others (for tests; {@code /metrics} shows it). */
  DebugHttpConnections connections() {
    return connections;
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    pageExecutor.shutdownNow();
  }
}
