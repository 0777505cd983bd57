package dev.jmesh.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.any;
import static net.bytebuddy.matcher.ElementMatchers.is;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * Installs every instrumentation module found in mesh.jar with one ByteBuddy agent builder:
 * retransformation without class-format changes (so already-loaded JDK classes can be rewritten
 * and later un-rewritten), advice woven inline, helpers injected per class loader.
 */
final class InstrumentationInstaller {

  private final Instrumentation inst;
  private final ClassLoader agentLoader;
  private final MeshSettings settings;

  InstrumentationInstaller(Instrumentation inst, ClassLoader agentLoader, MeshSettings settings) {
    this.inst = inst;
    this.agentLoader = agentLoader;
    this.settings = settings;
  }

  List<ModuleState> install() {
    Method defineClass;
    try {
      defineClass = HelperInjector.defineClassMethod();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach ClassLoader.defineClass", e);
    }
    List<ModuleState> states = new ArrayList<>();
    AgentBuilder builder =
        new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
            .disableClassFormatChanges()
            .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
            // Without POOL_FIRST, JDK 25 can describe java.net.Socket from its loaded form and
            // silently leave it unrewritten.
            .with(AgentBuilder.DescriptionStrategy.Default.POOL_FIRST)
            .with(new FailureListener())
            // ByteBuddy's default ignore() skips every bootstrap class, which is where the JDK's
            // sockets live; ignore only the mesh's own classes and the JDK's reflection stubs.
            .ignore(nameStartsWith("dev.jmesh.")
                .or(nameStartsWith("net.bytebuddy."))
                .or(nameStartsWith("jdk.internal.reflect."))
                .or(nameStartsWith("sun.reflect."))
                .or(isSynthetic()))
            .or(any(), is(agentLoader));
    for (InstrumentationModule module : ServiceLoader.load(InstrumentationModule.class,
        agentLoader)) {
      boolean enabled = !settings.disabledInstrumentations().contains(module.name());
      ModuleState state = new ModuleState(module.name(), enabled);
      states.add(state);
      if (!enabled) {
        MeshLog.info("instrumentation " + module.name() + " is off (disabledInstrumentations)");
        continue;
      }
      try {
        builder = addModule(builder, module, state, defineClass);
      } catch (RuntimeException | LinkageError e) {
        // One broken module must not cost the others; the library it covers runs unmeshed.
        state.disableIn("all", "cannot be set up (" + e + ")");
        MeshLog.warn("instrumentation " + module.name() + " cannot be set up (" + e
            + "); that library runs unmeshed");
      }
    }
    builder.installOn(inst);
    return states;
  }

  private AgentBuilder addModule(AgentBuilder builder, InstrumentationModule module,
      ModuleState state, Method defineClass) {
    List<TypeInstrumentation> types = module.typeInstrumentations();
    List<AdviceCollector> advices = new ArrayList<>();
    List<String> adviceNames = new ArrayList<>();
    for (TypeInstrumentation type : types) {
      AdviceCollector advice = new AdviceCollector(agentLoader);
      type.transform(advice);
      advices.add(advice);
      adviceNames.addAll(advice.names);
    }
    HelperInjector injector = new HelperInjector(state, module.helperClassNames(), adviceNames,
        agentLoader, defineClass);
    for (int i = 0; i < advices.size(); i++) {
      builder = builder.type(types.get(i).typeMatcher())
          .transform(new ModuleTransformer(injector, advices.get(i).forAdvice));
    }
    return builder;
  }

  /** Collects a type instrumentation's advice into ByteBuddy's advice transformer. */
  private static final class AdviceCollector implements AdviceTarget {
    private AgentBuilder.Transformer.ForAdvice forAdvice;
    private final List<String> names = new ArrayList<>();

    AdviceCollector(ClassLoader agentLoader) {
      this.forAdvice = new AgentBuilder.Transformer.ForAdvice().include(agentLoader);
    }

    @Override
    public void applyAdvice(ElementMatcher<? super MethodDescription> methods,
        String adviceClassName) {
      forAdvice = forAdvice.advice(methods, adviceClassName);
      names.add(adviceClassName);
    }
  }

  /** Weaves a module's advice into a matched class once its helpers are in place. */
  private record ModuleTransformer(HelperInjector injector, AgentBuilder.Transformer advice)
      implements AgentBuilder.Transformer {

    @Override
    public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder,
        TypeDescription type, ClassLoader classLoader, JavaModule module,
        ProtectionDomain protectionDomain) {
      if (!injector.ensure(classLoader)) {
        return builder;
      }
      return advice.transform(builder, type, classLoader, module, protectionDomain);
    }
  }

  /** Logs a class that could not be rewritten once; the class then runs unmodified. */
  private static final class FailureListener extends AgentBuilder.Listener.Adapter {
    @Override
    public void onError(String typeName, ClassLoader classLoader, JavaModule module,
        boolean loaded, Throwable throwable) {
      MeshLog.warnOnce("transform:" + typeName,
          "cannot rewrite " + typeName + " (" + throwable + "); it runs unmeshed");
    }
  }
}
