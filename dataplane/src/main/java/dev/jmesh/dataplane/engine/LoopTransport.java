package dev.jmesh.dataplane.engine;

import dev.jmesh.dataplane.log.MeshLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.List;
import java.util.Locale;

/**
 * The kernel interface under the engine's event loops, chosen once per JVM. Where both Linux
 * transports run, the host decides which comes first. An application's JVM (the agent) takes
 * epoll: at a fixed 1,000 requests a second through the outbound engine, io_uring added 27-204 µs
 * more at p90 than epoll did (docs/benchmarks-outbound.md, "Session 16"). mesh-proxy calls {@link
 * #preferThroughput()} and takes io_uring: relaying keep-alive HTTP/1.1 flat out, it used 0.55×
 * epoll's CPU per request for 1.5× the throughput (docs/proxy.md, "Session 16"), since a loop's
 * reads and writes reach the kernel as one batch per turn, not one system call each. The other
 * Linux transport is the fallback where the first is missing or refused (Docker's default seccomp
 * profile refuses io_uring; so does {@code kernel.io_uring_disabled}), NIO off Linux. {@value
 * #PROPERTY} names one; a name that is unknown or cannot run here is logged once and the default
 * order is used, so a typo never stops the engine.
 */
public enum LoopTransport {
  IO_URING("io_uring") {
    @Override
    Throwable unavailability() {
      return IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
    }

    @Override
    IoHandlerFactory ioHandler() {
      return IoUringIoHandler.newFactory();
    }

    @Override
    Class<? extends ServerChannel> serverChannel() {
      return IoUringServerSocketChannel.class;
    }

    @Override
    Class<? extends Channel> channel() {
      return IoUringSocketChannel.class;
    }

    @Override
    ChannelOption<Boolean> ipTransparent() {
      return IoUringChannelOption.IP_TRANSPARENT;
    }
  },
  EPOLL("epoll") {
    @Override
    Throwable unavailability() {
      return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
    }

    @Override
    IoHandlerFactory ioHandler() {
      return EpollIoHandler.newFactory();
    }

    @Override
    Class<? extends ServerChannel> serverChannel() {
      return EpollServerSocketChannel.class;
    }

    @Override
    Class<? extends Channel> channel() {
      return EpollSocketChannel.class;
    }

    @Override
    ChannelOption<Boolean> ipTransparent() {
      return EpollChannelOption.IP_TRANSPARENT;
    }
  },
  NIO("nio") {
    @Override
    Throwable unavailability() {
      return null;
    }

    @Override
    IoHandlerFactory ioHandler() {
      return NioIoHandler.newFactory();
    }

    @Override
    Class<? extends ServerChannel> serverChannel() {
      return NioServerSocketChannel.class;
    }

    @Override
    Class<? extends Channel> channel() {
      return NioSocketChannel.class;
    }

    @Override
    ChannelOption<Boolean> ipTransparent() {
      return null;
    }
  };

  /** The system property that names a transport: {@code io_uring}, {@code epoll} or {@code nio}. */
  public static final String PROPERTY = "jmesh.engine.transport";

  private final String label;

  LoopTransport(String label) {
    this.label = label;
  }

  /** The name {@value #PROPERTY} takes and {@code /config_dump} shows. */
  public String label() {
    return label;
  }

  /** Why this transport cannot run here, or null when it can; loads its native library. */
  abstract Throwable unavailability();

  abstract IoHandlerFactory ioHandler();

  abstract Class<? extends ServerChannel> serverChannel();

  abstract Class<? extends Channel> channel();

  /** The socket option that lets a listener take TPROXY's connections, or null (NIO has none). */
  abstract ChannelOption<Boolean> ipTransparent();

  /** Where both Linux transports run: epoll first, for an application's latency. */
  static final List<LoopTransport> LATENCY_FIRST = List.of(EPOLL, IO_URING, NIO);

  /** Where both Linux transports run: io_uring first, for a relay's throughput. */
  static final List<LoopTransport> THROUGHPUT_FIRST = List.of(IO_URING, EPOLL, NIO);

  private static volatile boolean throughputFirst;

  /**
   * Makes io_uring this JVM's first choice; mesh-proxy calls it before its engine starts. A call
   * after the choice was made changes nothing.
   */
  public static void preferThroughput() {
    throughputFirst = true;
  }

  /** The transport this JVM's engine runs on; the same answer on every call. */
  public static LoopTransport selected() {
    return Selected.TRANSPORT;
  }

  /** The named transport if it runs here, else the first in {@code order} that does. */
  static LoopTransport choose(String wanted, List<LoopTransport> order) {
    if (wanted != null && !wanted.isBlank()) {
      LoopTransport named = byLabel(wanted.trim());
      if (named == null) {
        MeshLog.warnOnce(
            "engine-transport-name",
            "-D" + PROPERTY + "=" + wanted + " names no transport; use io_uring, epoll or nio."
                + " The engine uses its default instead.");
      } else if (named.unavailability() == null) {
        return named;
      } else {
        MeshLog.warnOnce(
            "engine-transport-unavailable",
            "-D" + PROPERTY + "=" + named.label + " cannot run here ("
                + named.unavailability() + "); the engine uses its default instead.");
      }
    }
    for (LoopTransport transport : order) {
      if (transport.unavailability() == null) {
        return transport;
      }
    }
    return NIO;
  }

  private static LoopTransport byLabel(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    for (LoopTransport transport : values()) {
      if (transport.label.equals(lower)) {
        return transport;
      }
    }
    return null;
  }

  /** Chosen once, on first use, so every loop group of the JVM agrees. */
  private static final class Selected {
    static final LoopTransport TRANSPORT =
        choose(System.getProperty(PROPERTY), throughputFirst ? THROUGHPUT_FIRST : LATENCY_FIRST);
  }
}
