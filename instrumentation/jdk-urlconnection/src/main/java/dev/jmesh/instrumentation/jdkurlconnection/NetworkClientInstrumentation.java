package dev.jmesh.instrumentation.jdkurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.UrlConnectionSockets;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.io.IOException;
import java.net.Socket;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code sun.net.NetworkClient.doConnect(String, int)}, which returns the connected socket the HTTP
 * client builds its streams from (neither {@code HttpClient} nor {@code HttpsClient} overrides it
 * in JDK 17 to 25): the mesh may return that socket layered with mTLS.
 */
final class NetworkClientInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(JdkUrlConnectionModule.NETWORK_CLIENT);
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("doConnect").and(takesArguments(String.class, int.class)),
        NetworkClientInstrumentation.class.getName() + "$DoConnectAdvice");
  }

  /**
   * A failed handshake is thrown as the connect's failure, as the JDK's own would be; only a
   * missing bridge (a linkage error) is swallowed, leaving the JDK's socket as it is.
   */
  @SuppressWarnings("unused")
  public static final class DoConnectAdvice {
    @Advice.OnMethodExit(suppress = LinkageError.class)
    public static void exit(
        @Advice.This Object client, @Advice.Return(readOnly = false) Socket socket)
        throws IOException {
      socket = UrlConnectionSockets.connected(client, socket);
    }
  }
}
