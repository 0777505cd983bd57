package dev.jmesh.instrumentation.jdknet;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * The JDK's blocking and NIO sockets: outbound connect, bind and accept. Every TCP client and
 * server on the JVM passes through one of these four classes, so this module is what lets the
 * mesh see (and later capture) traffic from libraries nobody wrote an instrumentation for.
 */
public final class JdkNetModule implements InstrumentationModule {

  @Override
  public String name() {
    return "jdk-net";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of("java.net.Socket", "java.net.ServerSocket", "sun.nio.ch.SocketChannelImpl",
        "sun.nio.ch.ServerSocketChannelImpl");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new SocketInstrumentation(),
        new ServerSocketInstrumentation(),
        new SocketChannelInstrumentation(),
        new ServerSocketChannelInstrumentation());
  }
}
