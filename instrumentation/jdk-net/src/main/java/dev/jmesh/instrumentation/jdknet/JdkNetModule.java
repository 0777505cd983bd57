package dev.jmesh.instrumentation.jdknet;

import static dev.jmesh.instrumentation.api.BridgeHook.answerOnEnter;
import static dev.jmesh.instrumentation.api.BridgeHook.passArgumentOnExit;
import static dev.jmesh.instrumentation.api.BridgeHook.passThisOnExit;
import static dev.jmesh.instrumentation.api.BridgeHook.replaceArgumentOnEnter;
import static dev.jmesh.instrumentation.api.BridgeHook.replaceArgumentWithThisOnEnter;
import static dev.jmesh.instrumentation.api.BridgeHook.replaceReturnValueWithThisOnExit;

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
 *       the address (an engine listener for a mesh destination).
 *   <li>{@code ServerSocket.bind(SocketAddress, int)}, which its constructors call: on entry the
 *       bridge may move the bind to a hidden loopback port (the engine takes the asked one), on
 *       exit it learns the bound port; {@code getLocalPort()} and {@code getInetAddress()} report
 *       the asked address; {@code close()} gives the engine's port back; {@code
 *       implAccept(Socket)}, the final method every accept ends in, lets the bridge refuse a
 *       connection to a hidden port; {@code accept()} of a plain blocking server (NIO's socket
 *       adaptor and SSL server sockets override it) hands a connection the mesh serves directly
 *       (library {@code jdk-socket}, {@code inboundPath: direct}) to a socket that settles its
 *       transport, plaintext or the mesh's mutual TLS, on the first read.
 *   <li>{@code sun.nio.ch.SocketChannelImpl.connect(SocketAddress)}: NIO clients, Netty's NIO
 *       transport.
 *   <li>{@code sun.nio.ch.ServerSocketChannelImpl}: {@code bind} (entry and exit as above), {@code
 *       getLocalAddress()} and {@code localAddress()} (which NIO's socket adaptor, and so Netty,
 *       Jetty, Tomcat and the JDK's HttpServer, read), {@code implCloseSelectableChannel()}, and
 *       {@code accept()}, whose result the bridge may turn into "nothing to accept".
 *   <li>{@code InetAddress.getAllByName(String)}: the bridge may answer a mesh service name.
 * </ul>
 */
public final class JdkNetModule implements InstrumentationModule {

  private static final String ADDRESS = "Ljava/net/SocketAddress;";
  private static final String INET_ADDRESS = "Ljava/net/InetAddress;";
  private static final String SERVER_SOCKET = "Ljava/net/ServerSocket;";
  private static final String SOCKET = "Ljava/net/Socket;";
  private static final String SERVER_CHANNEL = "Ljava/nio/channels/ServerSocketChannel;";

  @Override
  public String name() {
    return "jdk-net";
  }

  @Override
  public List<BridgeHook> bridgeHooks() {
    return List.of(
        replaceArgumentOnEnter("java.net.Socket", "connect", "(" + ADDRESS + "I)V", 0,
            "beforeConnect", "(" + ADDRESS + ")" + ADDRESS),
        replaceArgumentWithThisOnEnter("java.net.ServerSocket", "bind", "(" + ADDRESS + "I)V", 0,
            "beforeBind", "(" + SERVER_SOCKET + ADDRESS + ")" + ADDRESS),
        passThisOnExit("java.net.ServerSocket", "bind", "(" + ADDRESS + "I)V",
            "afterBind", "(" + SERVER_SOCKET + ")V"),
        replaceReturnValueWithThisOnExit("java.net.ServerSocket", "getLocalPort", "()I",
            "reportedPort", "(" + SERVER_SOCKET + "I)I"),
        replaceReturnValueWithThisOnExit("java.net.ServerSocket", "getInetAddress",
            "()" + INET_ADDRESS, "reportedInetAddress",
            "(" + SERVER_SOCKET + INET_ADDRESS + ")" + INET_ADDRESS),
        passThisOnExit("java.net.ServerSocket", "close", "()V",
            "afterClose", "(" + SERVER_SOCKET + ")V"),
        passArgumentOnExit("java.net.ServerSocket", "implAccept", "(Ljava/net/Socket;)V", 0,
            "afterAccept", "(Ljava/net/Socket;)V"),
        replaceReturnValueWithThisOnExit("java.net.ServerSocket", "accept", "()" + SOCKET,
            "acceptedSocket", "(" + SERVER_SOCKET + SOCKET + ")" + SOCKET),
        replaceArgumentOnEnter("sun.nio.ch.SocketChannelImpl", "connect", "(" + ADDRESS + ")Z", 0,
            "beforeConnect", "(" + ADDRESS + ")" + ADDRESS),
        replaceArgumentWithThisOnEnter("sun.nio.ch.ServerSocketChannelImpl", "bind",
            "(" + ADDRESS + "I)" + SERVER_CHANNEL, 0,
            "beforeBind", "(" + SERVER_CHANNEL + ADDRESS + ")" + ADDRESS),
        passThisOnExit("sun.nio.ch.ServerSocketChannelImpl", "bind",
            "(" + ADDRESS + "I)" + SERVER_CHANNEL, "afterBind", "(" + SERVER_CHANNEL + ")V"),
        replaceReturnValueWithThisOnExit("sun.nio.ch.ServerSocketChannelImpl", "getLocalAddress",
            "()" + ADDRESS, "reportedAddress", "(" + SERVER_CHANNEL + ADDRESS + ")" + ADDRESS),
        replaceReturnValueWithThisOnExit("sun.nio.ch.ServerSocketChannelImpl", "localAddress",
            "()" + ADDRESS, "reportedAddress", "(" + SERVER_CHANNEL + ADDRESS + ")" + ADDRESS),
        passThisOnExit("sun.nio.ch.ServerSocketChannelImpl", "implCloseSelectableChannel", "()V",
            "afterClose", "(" + SERVER_CHANNEL + ")V"),
        replaceReturnValueWithThisOnExit("sun.nio.ch.ServerSocketChannelImpl", "accept",
            "()Ljava/nio/channels/SocketChannel;", "accepted",
            "(" + SERVER_CHANNEL + "Ljava/nio/channels/SocketChannel;)"
                + "Ljava/nio/channels/SocketChannel;"),
        answerOnEnter("java.net.InetAddress", "getAllByName",
            "(Ljava/lang/String;)[" + INET_ADDRESS, 0, "resolve",
            "(Ljava/lang/String;)[" + INET_ADDRESS));
  }
}
