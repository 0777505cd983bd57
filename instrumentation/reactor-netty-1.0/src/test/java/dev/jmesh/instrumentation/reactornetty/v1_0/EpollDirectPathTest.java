package dev.jmesh.instrumentation.reactornetty.v1_0;

import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link DirectPathTest} on Netty's native epoll transport, which connects past the JDK's socket
 * hooks: the mesh's TLS and the connect's own check come from the module's {@code doConnect}
 * advice on {@code AbstractEpollChannel}.
 */
class EpollDirectPathTest extends DirectPathTest {

  @Override
  boolean nativeTransport() {
    return true;
  }

  @BeforeAll
  void epollIsHere() {
    assumeThat(Epoll.isAvailable()).as("epoll on this host").isTrue();
  }
}
