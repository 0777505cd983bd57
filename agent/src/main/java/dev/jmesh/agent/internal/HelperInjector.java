package dev.jmesh.agent.internal;

import dev.jmesh.dataplane.log.MeshLog;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Links one instrumentation module to each application class loader it meets, once per class
 * loader: {@link ReferenceCheck} first proves that every library class, method and field its
 * advice and helpers use exists there, then the helper classes (an OkHttp interceptor, a Netty
 * handler) are defined in that class loader. When the check fails the module stays out of that
 * class loader, logged once; the library runs unmodified there.
 */
final class HelperInjector {

  private final ModuleState module;
  private final List<String> helperNames;
  private final List<String> adviceNames;
  private final ClassLoader agentLoader;
  private final Method defineClass;
  /**
   * Per class loader: whether the module may go in. Weak, so application loaders can unload.
   * Locked only around get and put: linking loads library classes, and holding a lock of ours
   * while a class loader's lock is wanted could deadlock against a thread doing the reverse.
   */
  private final Map<ClassLoader, Boolean> verdicts =
      Collections.synchronizedMap(new WeakHashMap<>());

  HelperInjector(ModuleState module, List<String> helperNames, List<String> adviceNames,
      ClassLoader agentLoader, Method defineClass) {
    this.module = module;
    this.helperNames = List.copyOf(helperNames);
    this.adviceNames = List.copyOf(adviceNames);
    this.agentLoader = agentLoader;
    this.defineClass = defineClass;
  }

  /** {@code ClassLoader.defineClass}, reachable because JdkModules opened java.lang to us. */
  static Method defineClassMethod() throws ReflectiveOperationException {
    Method defineClass =
        ClassLoader.class.getDeclaredMethod(
            "defineClass", String.class, byte[].class, int.class, int.class,
            ProtectionDomain.class);
    defineClass.setAccessible(true);
    return defineClass;
  }

  /**
   * Returns whether the module may rewrite classes of {@code target}, injecting helpers once. Two
   * threads may link the same class loader at once; the helpers then end up defined once.
   */
  boolean ensure(ClassLoader target) {
    if (target == null) {
      // The JDK's own classes: nothing to check against but the JDK itself.
      if (helperNames.isEmpty()) {
        return true;
      }
      disable("bootstrap", "helpers cannot be injected into the bootstrap class loader");
      return false;
    }
    Boolean verdict = verdicts.get(target);
    if (verdict != null) {
      return verdict;
    }
    boolean ok = link(target);
    verdicts.put(target, ok);
    return ok;
  }

  private boolean link(ClassLoader target) {
    List<byte[]> helpers = new ArrayList<>();
    List<byte[]> checked = new ArrayList<>();
    try {
      for (String name : helperNames) {
        helpers.add(bytesOf(name));
      }
      checked.addAll(helpers);
      for (String name : adviceNames) {
        checked.add(bytesOf(name));
      }
    } catch (IOException e) {
      disable(describe(target), "cannot read its classes (" + e + ")");
      return false;
    }
    Set<String> own = new HashSet<>(helperNames);
    own.addAll(adviceNames);
    List<ReferenceCheck.Reference> missing = ReferenceCheck.missing(checked, own, target);
    if (!missing.isEmpty()) {
      disable(describe(target), "the library there lacks " + missing.get(0)
          + (missing.size() > 1 ? " and " + (missing.size() - 1) + " more references" : ""));
      return false;
    }
    Set<String> done = new HashSet<>();
    try {
      for (int i = 0; i < helperNames.size(); i++) {
        String name = helperNames.get(i);
        if (!alreadyDefined(name, target)) {
          byte[] bytes = helpers.get(i);
          try {
            defineClass.invoke(target, name, bytes, 0, bytes.length, null);
          } catch (InvocationTargetException e) {
            // Another thread linking the same class loader defined it first.
            if (!(e.getCause() instanceof LinkageError) || !alreadyDefined(name, target)) {
              throw e;
            }
          }
        }
        done.add(name);
      }
    } catch (ReflectiveOperationException | LinkageError e) {
      disable(describe(target), "cannot inject its helpers (" + e + ")");
      return false;
    }
    MeshLog.debug("instrumentation " + module.name() + ": injected " + done + " into "
        + describe(target));
    return true;
  }

  private static boolean alreadyDefined(String name, ClassLoader target) {
    try {
      return Class.forName(name, false, target).getClassLoader() == target;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private byte[] bytesOf(String className) throws IOException {
    String path = className.replace('.', '/') + ".class";
    try (InputStream in = agentLoader.getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException(path + " is not in mesh.jar");
      }
      return in.readAllBytes();
    }
  }

  private void disable(String loader, String reason) {
    module.disableIn(loader, reason);
    MeshLog.warnOnce("module-disabled:" + module.name() + ":" + loader,
        "instrumentation " + module.name() + " is disabled in class loader " + loader + ": "
            + reason + "; that library runs unmeshed");
  }

  static String describe(ClassLoader loader) {
    if (loader == null) {
      return "bootstrap";
    }
    String name = loader.getName();
    return (name != null ? name : loader.getClass().getName())
        + "@" + Integer.toHexString(System.identityHashCode(loader));
  }
}
