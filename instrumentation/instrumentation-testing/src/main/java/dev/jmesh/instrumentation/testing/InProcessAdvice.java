package dev.jmesh.instrumentation.testing;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves a module's advice into this test JVM as the agent would: inline, no class-format change.
 * The helpers are already on the test class path, where the agent would inject them. Once per
 * module and JVM.
 */
public final class InProcessAdvice {

  private static final java.util.Set<String> INSTALLED = new java.util.HashSet<>();

  private InProcessAdvice() {}

  public static synchronized void install(InstrumentationModule module) {
    if (!INSTALLED.add(module.name())) {
      return;
    }
    Instrumentation instrumentation = ByteBuddyAgent.install();
    AgentBuilder builder =
        new AgentBuilder.Default()
            .disableClassFormatChanges()
            .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
            .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
            .with(AgentBuilder.TypeStrategy.Default.DECORATE);
    for (TypeInstrumentation type : module.typeInstrumentations()) {
      List<ElementMatcher<? super MethodDescription>> methods = new ArrayList<>();
      List<String> advice = new ArrayList<>();
      AdviceTarget target =
          (m, name) -> {
            methods.add(m);
            advice.add(name);
          };
      type.transform(target);
      builder =
          builder
              .type(type.typeMatcher())
              .transform(
                  (b, typeDescription, loader, javaModule, domain) -> {
                    for (int i = 0; i < methods.size(); i++) {
                      try {
                        b = b.visit(Advice.to(Class.forName(advice.get(i))).on(methods.get(i)));
                      } catch (ClassNotFoundException e) {
                        throw new IllegalStateException(e);
                      }
                    }
                    return b;
                  });
    }
    builder.installOn(instrumentation);
  }
}
