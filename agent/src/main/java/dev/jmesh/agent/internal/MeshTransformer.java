package dev.jmesh.agent.internal;

import dev.jmesh.dataplane.log.MeshLog;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;

/**
 * The rewriting of every instrumentation module, called by the {@link TransformerGate} for each
 * class that is loaded or retransformed. A class is described lazily (its name costs nothing to
 * match); only a class some module targets is parsed, linked to its module's helpers and woven.
 * A class that cannot be rewritten is logged once and runs unmodified.
 */
final class MeshTransformer implements ClassFileTransformer {

  /** One type instrumentation of one module, ready to weave. */
  record TypePlan(ElementMatcher<? super TypeDescription> types, HelperInjector module,
      List<AdviceRef> advices) {}

  /** An advice class (in mesh.jar) for the methods a matcher selects. */
  record AdviceRef(ElementMatcher<? super MethodDescription> methods, String adviceClassName) {}

  /**
   * Set while this thread is inside {@link #transform}: a class the rewriting itself loads is
   * never rewritten, so the transformer cannot wait on its own class initialisation.
   */
  private static final ThreadLocal<Boolean> TRANSFORMING = new ThreadLocal<>();

  private final List<TypePlan> plans;
  private final ClassLoader agentLoader;
  /** Per class loader: parsed descriptions, so shared supertypes are read once. */
  private final Map<ClassLoader, TypePool.CacheProvider> caches = new WeakHashMap<>();
  private final TypePool.CacheProvider bootCache = new TypePool.CacheProvider.Simple();
  /**
   * Per class loader: the advice, resolved against that loader's library types (advice names
   * them in its parameters, e.g. {@code @Advice.This OkHttpClient.Builder}).
   */
  private final Map<ClassLoader, Map<String, Advice>> advice = new WeakHashMap<>();
  private final Map<String, Advice> bootAdvice = new ConcurrentHashMap<>();

  MeshTransformer(List<TypePlan> plans, ClassLoader agentLoader) {
    this.plans = List.copyOf(plans);
    this.agentLoader = agentLoader;
  }

  @Override
  public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain, byte[] classfile) {
    if (className == null || loader == agentLoader || className.startsWith("dev/jmesh/")
        || TRANSFORMING.get() != null) {
      return null;
    }
    String typeName = className.replace('/', '.');
    TRANSFORMING.set(Boolean.TRUE);
    try {
      TypePool pool = pool(loader, typeName, classfile);
      TypeDescription type = pool.describe(typeName).resolve();
      List<AdviceWeaver.MethodAdvice> advices = new ArrayList<>(0);
      for (TypePlan plan : plans) {
        if (plan.types().matches(type) && plan.module().ensure(loader)) {
          for (AdviceRef ref : plan.advices()) {
            advices.add(new AdviceWeaver.MethodAdvice(ref.methods(),
                advice(loader, ref.adviceClassName())));
          }
        }
      }
      return advices.isEmpty() ? null : AdviceWeaver.weave(type, classfile, pool, advices);
    } catch (RuntimeException | LinkageError e) {
      MeshLog.warnOnce("transform:" + typeName,
          "cannot rewrite " + typeName + " (" + e + "); it runs unmeshed");
      return null;
    } finally {
      TRANSFORMING.remove();
    }
  }

  /**
   * Weaves a small class of the agent's own once and throws the result away, on the agent's own
   * thread before the gate's advice stage opens: every class the rewriting uses (type pools, ASM,
   * advice) is then initialised here, never concurrently inside two application threads' class
   * loading, where class-initialisation locks and class-loading locks could wait on each other.
   */
  void warmUp() {
    try {
      ClassFileLocator agent = ClassFileLocator.ForClassLoader.of(agentLoader);
      String target = "dev.jmesh.agent.internal.WarmUp$Target";
      byte[] bytes = agent.locate(target).resolve();
      TypePool pool = new TypePool.Default(new TypePool.CacheProvider.Simple(), agent,
          TypePool.Default.ReaderMode.FAST);
      Advice warmUp =
          Advice.to(pool.describe("dev.jmesh.agent.internal.WarmUp$Advice").resolve(), agent);
      AdviceWeaver.weave(pool.describe(target).resolve(), bytes, pool,
          List.of(new AdviceWeaver.MethodAdvice(ElementMatchers.named("run"), warmUp)));
      transform(null, "java/lang/Object", null, null,
          ClassFileLocator.ForClassLoader.ofBootLoader().locate("java.lang.Object").resolve());
    } catch (java.io.IOException | RuntimeException e) {
      MeshLog.debug("warm-up skipped (" + e + ")");
    }
  }

  /**
   * Advice classes are read from mesh.jar, never loaded: they use the library's types. Built
   * outside any lock (it reads class files through the class loader); a race builds it twice.
   */
  private Advice advice(ClassLoader loader, String adviceClassName) {
    Map<String, Advice> forLoader;
    synchronized (advice) {
      forLoader = loader == null ? bootAdvice
          : advice.computeIfAbsent(loader, l -> new ConcurrentHashMap<>());
    }
    Advice cached = forLoader.get(adviceClassName);
    if (cached == null) {
      ClassFileLocator locator = new ClassFileLocator.Compound(
          ClassFileLocator.ForClassLoader.of(agentLoader), locatorOf(loader));
      TypePool pool = new TypePool.Default(new TypePool.CacheProvider.Simple(), locator,
          TypePool.Default.ReaderMode.FAST);
      cached = Advice.to(pool.describe(adviceClassName).resolve(), locator);
      forLoader.putIfAbsent(adviceClassName, cached);
    }
    return cached;
  }

  private static ClassFileLocator locatorOf(ClassLoader loader) {
    return loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader()
        : ClassFileLocator.ForClassLoader.of(loader);
  }

  private TypePool pool(ClassLoader loader, String typeName, byte[] classfile) {
    TypePool.CacheProvider cache;
    if (loader == null) {
      cache = bootCache;
    } else {
      synchronized (caches) {
        cache = caches.computeIfAbsent(loader, l -> new TypePool.CacheProvider.Simple());
      }
    }
    ClassFileLocator locator =
        new ClassFileLocator.Compound(
            ClassFileLocator.Simple.of(typeName, classfile), locatorOf(loader));
    return new TypePool.Default.WithLazyResolution(cache, locator,
        TypePool.Default.ReaderMode.FAST);
  }
}
