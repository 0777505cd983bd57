package dev.jmesh.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.any;
import static net.bytebuddy.matcher.ElementMatchers.is;
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
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * Builds the rewriting of every instrumentation module found in mesh.jar as one ByteBuddy
 * transformer (advice woven inline, no class-format changes, helpers injected per class loader),
 * hands it to the {@link TransformerGate}, then retransforms the already-loaded classes it
 * matches. ByteBuddy's own installOn is not used: its discovery describes every loaded class,
 * and its transformer would run a second time beside the gate's.
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

  /** The modules, each with whether it is switched on; read before ByteBuddy is touched. */
  static List<InstrumentationModule> modules(ClassLoader agentLoader) {
    List<InstrumentationModule> modules = new ArrayList<>();
    ServiceLoader.load(InstrumentationModule.class, agentLoader).forEach(modules::add);
    return modules;
  }

  /** Builds the transformer, opens the gate with it and rewrites what is already loaded. */
  List<ModuleState> install(List<InstrumentationModule> modules, TransformerGate gate) {
    Method defineClass;
    try {
      defineClass = HelperInjector.defineClassMethod();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach ClassLoader.defineClass", e);
    }
    List<ModuleState> states = new ArrayList<>();
    AgentBuilder builder =
        // Advice only touches declared methods, so the full method graph of each rewritten type
        // (and its supertypes) is never needed; computing it is most of ByteBuddy's cost.
        new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED)
                .with(MethodGraph.Compiler.ForDeclaredMethods.INSTANCE))
            .with(AgentBuilder.TypeStrategy.Default.DECORATE)
            .disableClassFormatChanges()
            // A class being retransformed is described from its loaded form (cheap); a class
            // being loaded, from its bytes.
            .with(AgentBuilder.DescriptionStrategy.Default.HYBRID)
            .with(new FailureListener())
            // ByteBuddy's default ignore() skips every bootstrap class, which is where the JDK's
            // sockets live; ignore only the mesh's own classes and the JDK's reflection stubs.
            .ignore(nameStartsWith("dev.jmesh.")
                .or(nameStartsWith("net.bytebuddy."))
                .or(nameStartsWith("jdk.internal.reflect."))
                .or(nameStartsWith("sun.reflect.")))
            .or(any(), is(agentLoader));
    List<ElementMatcher<? super TypeDescription>> matchers = new ArrayList<>();
    for (InstrumentationModule module : modules) {
      boolean enabled = !settings.disabledInstrumentations().contains(module.name());
      ModuleState state = new ModuleState(module.name(), enabled);
      states.add(state);
      if (!enabled) {
        MeshLog.info("instrumentation " + module.name() + " is off (disabledInstrumentations)");
        continue;
      }
      try {
        builder = addModule(builder, module, state, defineClass, matchers);
      } catch (RuntimeException | LinkageError e) {
        // One broken module must not cost the others; the library it covers runs unmeshed.
        state.disableIn("all", "cannot be set up (" + e + ")");
        MeshLog.warn("instrumentation " + module.name() + " cannot be set up (" + e
            + "); that library runs unmeshed");
      }
    }
    gate.open(builder.makeRaw());
    retransformLoaded(matchers);
    return states;
  }

  private AgentBuilder addModule(AgentBuilder builder, InstrumentationModule module,
      ModuleState state, Method defineClass,
      List<ElementMatcher<? super TypeDescription>> matchers) {
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
      matchers.add(types.get(i).typeMatcher());
      builder = builder.type(types.get(i).typeMatcher())
          .transform(new ModuleTransformer(injector, advices.get(i).forAdvice));
    }
    return builder;
  }

  /**
   * Retransforms the loaded classes that a module targets: the JDK's sockets, loaded before the
   * agent, and any library class loaded while the transformer was being built.
   */
  private void retransformLoaded(List<ElementMatcher<? super TypeDescription>> matchers) {
    List<Class<?>> targets = new ArrayList<>();
    for (Class<?> loaded : inst.getAllLoadedClasses()) {
      if (loaded.getClassLoader() == agentLoader || loaded.isArray() || loaded.isPrimitive()
          || !inst.isModifiableClass(loaded) || loaded.getName().startsWith("dev.jmesh.")) {
        continue;
      }
      TypeDescription type = TypeDescription.ForLoadedType.of(loaded);
      for (ElementMatcher<? super TypeDescription> matcher : matchers) {
        if (matcher.matches(type)) {
          targets.add(loaded);
          break;
        }
      }
    }
    for (Class<?> target : targets) {
      try {
        inst.retransformClasses(target);
      } catch (Exception | LinkageError e) {
        MeshLog.warnOnce("retransform:" + target.getName(),
            "cannot rewrite " + target.getName() + " (" + e + "); it runs unmeshed");
      }
    }
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
