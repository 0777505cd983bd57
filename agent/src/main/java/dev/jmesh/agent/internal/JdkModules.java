package dev.jmesh.agent.internal;

import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;

/**
 * Opens what the agent needs of the JDK through {@link Instrumentation#redefineModule}, so the
 * user never has to add {@code --add-opens} flags: {@code java.base} must read the bootstrap
 * class path's unnamed module, where the bridge lives that rewritten JDK classes call (and so must
 * {@code java.net.http}, whose HTTP client the agent rewrites too), and the
 * agent reaches {@code ClassLoader.defineClass} to inject helpers and NIO internals for Netty.
 */
final class JdkModules {

  private JdkModules() {}

  static void open(Instrumentation inst, Module agent) {
    Module javaBase = Object.class.getModule();
    Module bridge = dev.jmesh.bootstrap.MeshHooks.class.getModule();
    inst.redefineModule(
        javaBase,
        Set.of(bridge),
        Map.of("sun.nio.ch", Set.of(agent), "jdk.internal.misc", Set.of(agent)),
        Map.of("java.lang", Set.of(agent), "java.nio", Set.of(agent)),
        Set.of(),
        Map.of());
    // The JDK's HTTP client (a platform-loader module) calls the bridge from its woven classes.
    java.util.Optional<Module> http = ModuleLayer.boot().findModule("java.net.http");
    if (http.isPresent()) {
      inst.redefineModule(http.get(), Set.of(bridge), Map.of(), Map.of(), Set.of(), Map.of());
    }
  }

  /**
   * What Chronicle Queue, the journal's store, needs of {@code java.base} (the list and why: {@code
   * dev.jmesh.journal.ChronicleAccess}, docs/telemetry-journal.md), opened to the agent's module
   * only when the journal is on: {@code sun.nio.ch} to map its files ({@link #open} exports it
   * already), {@code jdk.internal.ref} to unmap them, {@code java.lang.reflect} for the reflective
   * call that maps. The user passes no flag.
   */
  static void openForJournal(Instrumentation inst, Module agent) {
    inst.redefineModule(
        Object.class.getModule(),
        Set.of(),
        Map.of("sun.nio.ch", Set.of(agent), "jdk.internal.ref", Set.of(agent)),
        Map.of("java.lang.reflect", Set.of(agent)),
        Set.of(),
        Map.of());
  }

  /**
   * Lets every JDK module that holds a class in {@code hookedClasses} (internal names) read the
   * bridge, as {@link #open} does for {@code java.base}: the woven calls into {@code MeshHooks}
   * would otherwise fail with an {@code IllegalAccessError} from a named module such as {@code
   * jdk.httpserver} or {@code java.net.http}.
   */
  static void readBridge(Instrumentation inst, Set<String> hookedClasses) {
    Module bridge = dev.jmesh.bootstrap.MeshHooks.class.getModule();
    for (String className : hookedClasses) {
      int slash = className.lastIndexOf('/');
      String pkg = slash < 0 ? "" : className.substring(0, slash).replace('/', '.');
      for (Module m : ModuleLayer.boot().modules()) {
        if (m.getPackages().contains(pkg) && !m.canRead(bridge)) {
          inst.redefineModule(m, Set.of(bridge), Map.of(), Map.of(), Set.of(), Map.of());
        }
      }
    }
  }
}
