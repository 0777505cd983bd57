package dev.jmesh.dataplane.engine;

import dev.jmesh.bootstrap.MeshHooks;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's event loops, shared by its inbound and outbound sides, on the {@link
 * LoopTransport} chosen for this JVM. Its threads are the agent's own, so the engine's sockets
 * never reach the hooks, and daemons, so the engine never keeps the application's JVM alive.
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

  private final LoopTransport transport;
  private final EventLoopGroup group;

  /** {@code threads} event loops; 0 picks one per core, at most 4. */
  public EngineLoops(int threads) {
    this.transport = LoopTransport.selected();
    int n = threads > 0 ? threads : Math.min(4, Runtime.getRuntime().availableProcessors());
    this.group = new MultiThreadIoEventLoopGroup(n, new EngineThreads(), transport.ioHandler());
  }

  public EventLoopGroup group() {
    return group;
  }

  public LoopTransport transport() {
    return transport;
  }

  public Class<? extends ServerChannel> serverChannel() {
    return transport.serverChannel();
  }

  public Class<? extends Channel> channel() {
    return transport.channel();
  }

  /**
   * The option that makes a listener transparent for TPROXY on this transport, or null when the
   * transport has none (NIO).
   */
  public ChannelOption<Boolean> ipTransparent() {
    return transport.ipTransparent();
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
