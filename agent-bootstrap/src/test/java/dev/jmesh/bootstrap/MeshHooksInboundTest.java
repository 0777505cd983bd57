package dev.jmesh.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which accepted connections the direct-inbound hook hands to the data path. */
class MeshHooksInboundTest {

  private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);

  @AfterEach
  void uninstall() {
    MeshHooks.uninstall();
    MeshHooks.removeAgentPort(15000);
  }

  @Test
  void theAgentsOwnPortsAreNeverTheMeshsToServe() {
    MeshHooks.install(new AnsweringBridge(MeshHooks.REFUSING));
    MeshHooks.addAgentPort(15000);
    assertThat(MeshHooks.inbound("jdk-httpserver", new InetSocketAddress("127.0.0.1", 15000), PEER))
        .isNull();
    assertThat(MeshHooks.inbound("jdk-httpserver", new InetSocketAddress("127.0.0.1", 9080), PEER))
        .isSameAs(MeshHooks.REFUSING);
  }

  @Test
  void aFailingDataPathRefusesTheConnection() {
    MeshHooks.install(
        new AnsweringBridge(null) {
          @Override
          public MeshInbound inbound(
              String library, InetSocketAddress local, InetSocketAddress remote) {
            throw new IllegalStateException("broken");
          }
        });
    MeshInbound in =
        MeshHooks.inbound("netty-server", new InetSocketAddress("127.0.0.1", 9080), PEER);
    assertThat(in).isSameAs(MeshHooks.REFUSING);
    assertThat(in.transport(null, 0)).isEqualTo(MeshInbound.REFUSE);
    assertThat(in.request(null).allowed()).isFalse();
  }

  @Test
  void withoutADataPathNothingIsTouched() {
    assertThat(MeshHooks.inbound("jdk-socket", new InetSocketAddress("127.0.0.1", 9080), PEER))
        .isNull();
  }

  /** A data path that answers every connection with {@code answer}. */
  private static class AnsweringBridge implements MeshBridge {
    private final MeshInbound answer;

    AnsweringBridge(MeshInbound answer) {
      this.answer = answer;
    }

    @Override
    public MeshInbound inbound(String library, InetSocketAddress local, InetSocketAddress remote) {
      return answer;
    }

    @Override
    public java.net.SocketAddress beforeConnect(java.net.SocketAddress target) {
      return target;
    }

    @Override
    public void afterBind(ServerSocket server) {}

    @Override
    public void afterBind(ServerSocketChannel server) {}

    @Override
    public void afterAccept(Socket accepted) {}

    @Override
    public void afterAccept(SocketChannel accepted) {}
  }
}
