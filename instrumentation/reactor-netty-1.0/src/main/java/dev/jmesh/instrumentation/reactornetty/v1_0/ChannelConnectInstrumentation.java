package dev.jmesh.instrumentation.reactornetty.v1_0;

import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.MeshHooks;
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
 * socket hooks see the endpoint's {@code MeshEndpointAddress} and let it through. Epoll connects
 * natively, past those hooks: its connect asks them itself ({@code MeshHooks.beforeConnect}), so a
 * connection to a mesh destination the direct path did not route still goes to the engine.
 */
final class ChannelConnectInstrumentation implements TypeInstrumentation {

  private static final String NIO = "io.netty.channel.socket.nio.NioSocketChannel";
  private static final String EPOLL = "io.netty.channel.epoll.AbstractEpollChannel";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(NIO, EPOLL);
  }

  @Override
  public void transform(AdviceTarget target) {
    String advice = ChannelConnectInstrumentation.class.getName();
    target.applyAdvice(
        named("doConnect").and(takesArguments(2)).and(isDeclaredBy(named(NIO))),
        advice + "$ConnectAdvice");
    target.applyAdvice(
        named("doConnect").and(takesArguments(2)).and(isDeclaredBy(named(EPOLL))),
        advice + "$NativeConnectAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConnectAdvice {

    @Advice.OnMethodEnter
    public static void enter(@Advice.This Channel channel, @Advice.Argument(0) SocketAddress remote)
        throws Exception {
      ChannelTls.connecting(channel, remote);
    }
  }

  @SuppressWarnings("unused")
  public static final class NativeConnectAdvice {

    @Advice.OnMethodEnter
    public static void enter(
        @Advice.This Channel channel,
        @Advice.Argument(value = 0, readOnly = false) SocketAddress remote)
        throws Exception {
      ChannelTls.connecting(channel, remote);
      remote = MeshHooks.beforeConnect(remote);
    }
  }
}
