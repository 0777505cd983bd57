package dev.jmesh.instrumentation.reactornetty.v1_0;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import io.netty.channel.Channel;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The transports' {@code doConnect(remote, local)}, on the channel's event loop before the
 * connection exists: a direct connection to an endpoint the mesh secures gets the mesh's TLS in its
 * pipeline ({@link ChannelTls}). NIO connects through {@code SocketChannel.connect}, where the
 * socket hooks see the endpoint's {@code MeshEndpointAddress} and let it through.
 */
final class ChannelConnectInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "io.netty.channel.socket.nio.NioSocketChannel",
        "io.netty.channel.epoll.AbstractEpollChannel");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("doConnect").and(takesArguments(2)),
        ChannelConnectInstrumentation.class.getName() + "$ConnectAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConnectAdvice {

    @Advice.OnMethodEnter
    public static void enter(@Advice.This Channel channel, @Advice.Argument(0) SocketAddress remote)
        throws Exception {
      ChannelTls.connecting(channel, remote);
    }
  }
}
