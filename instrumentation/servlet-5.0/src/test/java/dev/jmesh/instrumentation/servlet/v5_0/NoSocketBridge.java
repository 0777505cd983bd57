package dev.jmesh.instrumentation.servlet.v5_0;

import dev.jmesh.bootstrap.MeshBridge;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A bridge whose socket hooks change nothing: the tests override what a container asks. */
class NoSocketBridge implements MeshBridge {

  @Override
  public SocketAddress beforeConnect(SocketAddress target) {
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
