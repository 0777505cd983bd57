package dev.jmesh.instrumentation.netty.server.v4_1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.testing.InProcessAdvice;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The NIO server channel's JDK bind runs marked direct, so the data path leaves the port to the
 * application: observed from inside the JDK channel's {@code bind}, where the socket hook reads it.
 */
class BindMarkingTest {

  @BeforeAll
  static void weave() {
    InProcessAdvice.install(new NettyServerModule());
  }

  @Test
  void theNioServerChannelBindsItsPortMarkedDirect() throws Exception {
    try (Recording jdk = new Recording()) {
      NioServerSocketChannel server = new NioServerSocketChannel(jdk);
      Method doBind = NioServerSocketChannel.class.getDeclaredMethod("doBind", SocketAddress.class);
      doBind.setAccessible(true);
      doBind.invoke(server, new InetSocketAddress("127.0.0.1", 0));
      assertThat(jdk.marks).containsExactly(true);
      assertThat(jdk.real.getLocalAddress()).isNotNull();
    }
    assertThat(MeshHooks.inDirectBind()).as("the mark ends with the bind").isFalse();
  }

  /** A JDK server channel (a real one inside) that notes, at bind, whether the thread is marked. */
  static final class Recording extends ServerSocketChannel {
    final List<Boolean> marks = new CopyOnWriteArrayList<>();
    final ServerSocketChannel real;

    Recording() throws IOException {
      super(SelectorProvider.provider());
      real = ServerSocketChannel.open();
    }

    @Override
    public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
      marks.add(MeshHooks.inDirectBind());
      real.bind(local, backlog);
      return this;
    }

    @Override
    public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
      real.setOption(name, value);
      return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
      return real.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
      return real.supportedOptions();
    }

    @Override
    public ServerSocket socket() {
      return real.socket();
    }

    @Override
    public SocketChannel accept() throws IOException {
      return real.accept();
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
      return real.getLocalAddress();
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
      real.close();
    }

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
      real.configureBlocking(block);
    }
  }
}
