package dev.jmesh.instrumentation.jdknet;

import static dev.jmesh.instrumentation.api.BridgeHook.passArgumentOnExit;
import static dev.jmesh.instrumentation.api.BridgeHook.passReturnValueOnExit;
import static dev.jmesh.instrumentation.api.BridgeHook.passThisOnExit;
import static dev.jmesh.instrumentation.api.BridgeHook.replaceArgumentOnEnter;

import dev.jmesh.instrumentation.api.BridgeHook;
import dev.jmesh.instrumentation.api.InstrumentationModule;
import java.util.List;

/**
 * The JDK's blocking and NIO sockets: outbound connect, bind and accept. Every TCP client and
 * server on the JVM passes through one of these four classes, so this module is what lets the
 * mesh see (and later capture) traffic from libraries nobody wrote an instrumentation for.
 *
 * <ul>
 *   <li>{@code Socket.connect(SocketAddress, int)}: every other connect path of a plain or SSL
 *       socket (constructors, {@code connect(SocketAddress)}) ends here; the bridge may replace
 *       the address.
 *   <li>{@code ServerSocket.bind(SocketAddress, int)}, which its constructors call, and {@code
 *       implAccept(Socket)}, the final method that {@code accept()} and every subclass's accept
 *       (SSL server sockets among them) end in.
 *   <li>{@code sun.nio.ch.SocketChannelImpl.connect(SocketAddress)}: NIO clients, Netty's NIO
 *       transport.
 *   <li>{@code sun.nio.ch.ServerSocketChannelImpl.bind(SocketAddress, int)} and {@code accept()}:
 *       NIO servers, Netty's NIO transport, the JDK's HttpServer.
 * </ul>
 */
public final class JdkNetModule implements InstrumentationModule {

  private static final String ADDRESS = "Ljava/net/SocketAddress;";

  @Override
  public String name() {
    return "jdk-net";
  }

  @Override
  public List<BridgeHook> bridgeHooks() {
    return List.of(
        replaceArgumentOnEnter("java.net.Socket", "connect", "(" + ADDRESS + "I)V", 0,
            "beforeConnect", "(" + ADDRESS + ")" + ADDRESS),
        passThisOnExit("java.net.ServerSocket", "bind", "(" + ADDRESS + "I)V",
            "afterBind", "(Ljava/net/ServerSocket;)V"),
        passArgumentOnExit("java.net.ServerSocket", "implAccept", "(Ljava/net/Socket;)V", 0,
            "afterAccept", "(Ljava/net/Socket;)V"),
        replaceArgumentOnEnter("sun.nio.ch.SocketChannelImpl", "connect", "(" + ADDRESS + ")Z", 0,
            "beforeConnect", "(" + ADDRESS + ")" + ADDRESS),
        passThisOnExit("sun.nio.ch.ServerSocketChannelImpl", "bind",
            "(" + ADDRESS + "I)Ljava/nio/channels/ServerSocketChannel;",
            "afterBind", "(Ljava/nio/channels/ServerSocketChannel;)V"),
        passReturnValueOnExit("sun.nio.ch.ServerSocketChannelImpl", "accept",
            "()Ljava/nio/channels/SocketChannel;",
            "afterAccept", "(Ljava/nio/channels/SocketChannel;)V"));
  }
}
