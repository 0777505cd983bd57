package dev.jmesh.agent.internal;

import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Builds the rewriting of every instrumentation module found in mesh.jar (bridge hooks, advice
 * woven inline, no class-format changes, helpers injected per class loader), hands it to the
 * {@link TransformerGate}, then retransforms the already-loaded classes it targets.
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

  static final String MODULES_FILE =
      "META-INF/services/" + InstrumentationModule.class.getName();

  /**
   * The modules in mesh.jar, listed in the {@link java.util.ServiceLoader} file format. Read by
   * hand on premain's path: ServiceLoader's first use spins up method handles, tens of
   * milliseconds before the application's main.
   */
  static List<InstrumentationModule> modules(ClassLoader agentLoader) {
    List<InstrumentationModule> modules = new ArrayList<>();
    try (InputStream in = agentLoader.getResourceAsStream(MODULES_FILE)) {
      if (in == null) {
        return modules;
      }
      BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        int comment = line.indexOf('#');
        String name = (comment < 0 ? line : line.substring(0, comment)).trim();
        if (!name.isEmpty()) {
          modules.add((InstrumentationModule)
              Class.forName(name, true, agentLoader).getDeclaredConstructor().newInstance());
        }
      }
    } catch (IOException | ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException("cannot read the instrumentation modules in mesh.jar", e);
    }
    return modules;
  }

  /** The enabled modules and their states, between the two stages. */
  private final List<InstrumentationModule> enabledModules = new ArrayList<>();
  private final List<ModuleState> enabledStates = new ArrayList<>();

  /**
   * The first stage: opens the gate for the bridge hooks (plain ASM, milliseconds) and
   * retransforms the hooked classes already loaded. Returns every module's state.
   */
  List<ModuleState> installHooks(List<InstrumentationModule> modules, TransformerGate gate) {
    List<ModuleState> states = new ArrayList<>();
    HookTransformer hooks = new HookTransformer();
    for (InstrumentationModule module : modules) {
      boolean enabled = !settings.disabledInstrumentations().contains(module.name());
      ModuleState state = new ModuleState(module.name(), enabled);
      states.add(state);
      if (!enabled) {
        MeshLog.info("instrumentation " + module.name() + " is off (disabledInstrumentations)");
        continue;
      }
      hooks.add(state, module.bridgeHooks());
      enabledModules.add(module);
      enabledStates.add(state);
    }
    long t0 = System.nanoTime();
    JdkModules.readBridge(inst, hooks.targets());
    gate.openHooks(hooks);
    retransformLoaded(hooks.targets());
    MeshLog.debug("bridge hooks in place in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    return states;
  }

  /**
   * The second stage, run once the application first loads a class an advice module targets:
   * builds the ByteBuddy rewriting, warms it up, opens the gate for it and retransforms the
   * loaded classes it matches. An application that uses no such library never pays for it.
   */
  void installAdvice(TransformerGate gate) {
    long t1 = System.nanoTime();
    Method defineClass;
    try {
      defineClass = HelperInjector.defineClassMethod();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach ClassLoader.defineClass", e);
    }
    List<MeshTransformer.TypePlan> plans = new ArrayList<>();
    for (int i = 0; i < enabledModules.size(); i++) {
      InstrumentationModule module = enabledModules.get(i);
      try {
        module.installed();
        plans.addAll(plan(module, enabledStates.get(i), defineClass));
      } catch (RuntimeException | LinkageError e) {
        // One broken module must not cost the others; the library it covers runs unmeshed.
        enabledStates.get(i).disableIn("all", "cannot be set up (" + e + ")");
        MeshLog.warn("instrumentation " + module.name() + " cannot be set up (" + e
            + "); that library runs unmeshed");
      }
    }
    MeshTransformer transformer = new MeshTransformer(plans, agentLoader);
    transformer.warmUp();
    long t2 = System.nanoTime();
    gate.openAdvice(transformer);
    retransformLoaded(plans);
    MeshLog.debug("library advice warmed up in " + (t2 - t1) / 1_000_000
        + " ms and retransformed in " + (System.nanoTime() - t2) / 1_000_000 + " ms");
  }

  private List<MeshTransformer.TypePlan> plan(InstrumentationModule module, ModuleState state,
      Method defineClass) {
    List<TypeInstrumentation> types = module.typeInstrumentations();
    List<AdviceCollector> collected = new ArrayList<>();
    List<String> adviceNames = new ArrayList<>();
    for (TypeInstrumentation type : types) {
      AdviceCollector advice = new AdviceCollector();
      type.transform(advice);
      collected.add(advice);
      adviceNames.addAll(advice.names);
    }
    HelperInjector injector = new HelperInjector(state, module.helperClassNames(), adviceNames,
        agentLoader, defineClass);
    List<MeshTransformer.TypePlan> plans = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      plans.add(new MeshTransformer.TypePlan(types.get(i).typeMatcher(), injector,
          collected.get(i).advices));
    }
    return plans;
  }

  /** Retransforms the loaded classes named by bridge hooks (the JDK's sockets, if loaded). */
  private void retransformLoaded(Set<String> internalNames) {
    List<Class<?>> targets = new ArrayList<>();
    for (Class<?> loaded : inst.getAllLoadedClasses()) {
      if (internalNames.contains(loaded.getName().replace('.', '/'))
          && inst.isModifiableClass(loaded)) {
        targets.add(loaded);
      }
    }
    retransform(targets);
  }

  /** Retransforms the loaded classes an advice plan matches, loaded while it was being built. */
  private void retransformLoaded(List<MeshTransformer.TypePlan> plans) {
    List<Class<?>> targets = new ArrayList<>();
    for (Class<?> loaded : inst.getAllLoadedClasses()) {
      if (loaded.getClassLoader() == agentLoader || loaded.isArray() || loaded.isPrimitive()
          || loaded.getName().startsWith("dev.jmesh.") || !inst.isModifiableClass(loaded)) {
        continue;
      }
      TypeDescription type = TypeDescription.ForLoadedType.of(loaded);
      for (MeshTransformer.TypePlan plan : plans) {
        if (plan.types().matches(type)) {
          targets.add(loaded);
          break;
        }
      }
    }
    retransform(targets);
  }

  private void retransform(List<Class<?>> targets) {
    for (Class<?> target : targets) {
      try {
        inst.retransformClasses(target);
      } catch (Exception | LinkageError e) {
        MeshLog.warnOnce("retransform:" + target.getName(),
            "cannot rewrite " + target.getName() + " (" + e + "); it runs unmeshed");
      }
    }
  }

  /** Collects a type instrumentation's advice by class name. */
  private static final class AdviceCollector implements AdviceTarget {
    private final List<MeshTransformer.AdviceRef> advices = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    @Override
    public void applyAdvice(ElementMatcher<? super MethodDescription> methods,
        String adviceClassName) {
      advices.add(new MeshTransformer.AdviceRef(methods, adviceClassName));
      names.add(adviceClassName);
    }
  }
}
