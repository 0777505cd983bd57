package dev.jmesh.agent.internal;

import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.instrumentation.api.BridgeHook;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites the JDK classes named by modules' {@link BridgeHook}s (sockets, the HTTP server) with the
 * {@link BridgeHookWeaver}. A hook whose method the running JDK lacks is reported once, with the
 * module disabled for it; the class runs without that hook.
 */
final class HookTransformer implements ClassFileTransformer {

  private record ModuleHook(ModuleState module, BridgeHook hook) {}

  private static final ClassLoader PLATFORM = ClassLoader.getPlatformClassLoader();

  /** Internal class name → its hooks. */
  private final Map<String, List<ModuleHook>> byClass = new HashMap<>();

  void add(ModuleState module, List<BridgeHook> hooks) {
    for (BridgeHook hook : hooks) {
      byClass.computeIfAbsent(hook.className().replace('.', '/'), k -> new ArrayList<>())
          .add(new ModuleHook(module, hook));
    }
  }

  /** Internal names of every hooked class. */
  Set<String> targets() {
    return Set.copyOf(byClass.keySet());
  }

  @Override
  public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain, byte[] classfile) {
    // JDK classes only: the bootstrap loader's and the platform loader's (java.net.http,
    // jdk.httpserver), never an application's class of the same name.
    boolean jdk = loader == null || loader == PLATFORM;
    List<ModuleHook> hooks = className == null || !jdk ? null : byClass.get(className);
    if (hooks == null) {
      return null;
    }
    List<BridgeHook> plain = new ArrayList<>(hooks.size());
    for (ModuleHook h : hooks) {
      plain.add(h.hook());
    }
    try {
      BridgeHookWeaver.Result result = BridgeHookWeaver.weave(classfile, plain);
      for (ModuleHook h : hooks) {
        if (!result.applied().contains(h.hook())) {
          String where = h.hook().className() + "." + h.hook().methodName()
              + h.hook().methodDescriptor();
          h.module().disableIn("bootstrap", "this JDK has no " + where);
          MeshLog.warnOnce("hook-missing:" + where, "instrumentation " + h.module().name()
              + ": this JDK has no " + where + "; that call runs unmeshed");
        }
      }
      return result.classfile();
    } catch (RuntimeException | LinkageError e) {
      MeshLog.warnOnce("transform:" + className,
          "cannot rewrite " + className.replace('/', '.') + " (" + e + "); it runs unmeshed");
      return null;
    }
  }
}
