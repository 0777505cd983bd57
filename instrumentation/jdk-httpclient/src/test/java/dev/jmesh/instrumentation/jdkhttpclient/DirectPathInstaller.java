package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.JdkHttpClientHooks;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.lang.instrument.Instrumentation;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * Installs the module in this JVM as the agent does: the bridge on the boot class path (surefire's
 * {@code -Xbootclasspath/a}), {@code java.net.http} reading it, the module's logic behind {@code
 * JdkHttpClientHooks}, its advice woven inline into the JDK's (re)loaded classes; plus the socket
 * capture's NIO connect hook, so tests see which connects asked the data path.
 */
final class DirectPathInstaller {

  private static MeshHttpClient directPath;

  private DirectPathInstaller() {}

  /** Installs once per JVM; returns the direct path, whose bindings tests check are released. */
  static synchronized MeshHttpClient install() {
    if (directPath != null) {
      return directPath;
    }
    if (MeshHooks.class.getClassLoader() != null) {
      throw new IllegalStateException("the bridge must be on the boot class path");
    }
    Instrumentation inst = ByteBuddyAgent.install();
    Module http = ModuleLayer.boot().findModule("java.net.http").orElseThrow();
    inst.redefineModule(
        http, Set.of(MeshHooks.class.getModule()), Map.of(), Map.of(), Set.of(), Map.of());
    inst.redefineModule(
        Object.class.getModule(),
        Set.of(MeshHooks.class.getModule()),
        Map.of(),
        Map.of(),
        Set.of(),
        Map.of());
    JdkHttpClientModule module = new JdkHttpClientModule();
    // What module.installed() does, keeping the instance for the tests' leak checks.
    MeshHttpClient installing = new MeshHttpClient();
    JdkHttpClientHooks.install(installing);
    AgentBuilder builder =
        new AgentBuilder.Default()
            .disableClassFormatChanges()
            .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
            .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
            .with(AgentBuilder.TypeStrategy.Default.DECORATE)
            .with(AgentBuilder.Listener.StreamWriting.toSystemError().withErrorsOnly())
            // Only the classes rewritten here are described: matching every class the tests
            // load (Netty, the JDK's HTTP/2) would cost seconds on a busy machine.
            .ignore(
                ElementMatchers.not(
                    ElementMatchers.<TypeDescription>namedOneOf(
                        HttpClientInstrumentation.TARGET,
                        HttpRequestInstrumentation.TARGET,
                        SslConnectionInstrumentation.TARGET,
                        "sun.nio.ch.SocketChannelImpl")));
    for (TypeInstrumentation type : module.typeInstrumentations()) {
      AgentBuilder.Transformer.ForAdvice[] advice = {
        new AgentBuilder.Transformer.ForAdvice().include(JdkHttpClientModule.class.getClassLoader())
      };
      type.transform((methods, name) -> advice[0] = advice[0].advice(methods, name));
      builder = builder.type(type.typeMatcher()).transform(advice[0]);
    }
    // The socket capture's connect hook, as jdk-net weaves it: every NIO connect asks the bridge,
    // except a direct path's connect to the endpoint it picked (a MeshEndpointAddress).
    builder =
        builder
            .type(ElementMatchers.named("sun.nio.ch.SocketChannelImpl"))
            .transform(
                new AgentBuilder.Transformer.ForAdvice()
                    .include(DirectPathInstaller.class.getClassLoader())
                    .advice(
                        ElementMatchers.named("connect")
                            .and(ElementMatchers.takesArguments(SocketAddress.class)),
                        ConnectAdvice.class.getName()));
    builder.installOn(inst);
    directPath = installing;
    return directPath;
  }

  @SuppressWarnings("unused")
  public static final class ConnectAdvice {
    @Advice.OnMethodEnter
    public static void enter(@Advice.Argument(value = 0, readOnly = false) SocketAddress target) {
      target = MeshHooks.beforeConnect(target);
    }
  }

  /** Waits (bounded) until no request is bound to an attempt: every attempt released its own. */
  static int boundRequestsAfterSettling() throws InterruptedException {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (directPath.boundRequests() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return directPath.boundRequests();
  }
}
