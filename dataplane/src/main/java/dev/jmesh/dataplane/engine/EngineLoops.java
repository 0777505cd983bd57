package dev.jmesh.dataplane.engine;

import dev.jmesh.bootstrap.MeshHooks;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's event loops, shared by its inbound and outbound sides: epoll where Netty's native
 * transport loads, NIO otherwise. Its threads are the agent's own, so the engine's sockets never
 * reach the hooks, and daemons, so the engine never keeps the application's JVM alive.
 */
public final class EngineLoops implements AutoCloseable {

  /** Netty's switch for its buffer-leak detector, which the engine leaves off unless it is set. */
  public static final String LEAK_DETECTION_PROPERTY = "io.netty.leakDetection.level";

  static {
    // Netty's default samples one buffer in 128 and records a stack trace for it: about 2% of a
    // proxy's CPU on the request path (profiled), for a check that only finds bugs in our code.
    if (System.getProperty(LEAK_DETECTION_PROPERTY) == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  private final boolean epoll;
  private final EventLoopGroup group;

  /** {@code threads} event loops; 0 picks one per core, at most 4. */
  public EngineLoops(int threads) {
    this.epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    int n = threads > 0 ? threads : Math.min(4, Runtime.getRuntime().availableProcessors());
    this.group = new MultiThreadIoEventLoopGroup(n, new EngineThreads(), io);
  }

  public EventLoopGroup group() {
    return group;
  }

  public boolean epoll() {
    return epoll;
  }

  public Class<? extends ServerChannel> serverChannel() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public Class<? extends Channel> channel() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }

  /** Netty's fast thread-locals need its own thread class; each is marked as the agent's. */
  private static final class EngineThreads implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread =
          new FastThreadLocalThread(
              () -> {
                MeshHooks.markAgentThread();
                task.run();
              },
              "jmesh-engine-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }
}
