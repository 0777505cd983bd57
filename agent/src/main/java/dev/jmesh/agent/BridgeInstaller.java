package dev.jmesh.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Puts the bridge ({@code dev.jmesh.bootstrap}) into the bootstrap class loader, where rewritten
 * JDK classes and every application class loader find the same copy.
 *
 * <p>The classes are defined into the bootstrap loader directly rather than by appending
 * mesh.jar to the bootstrap class path: on JDK 17 an append prints a JVM warning and turns off
 * class-data sharing for every application class, costing every meshed JVM start-up time. The
 * append remains the fallback if direct definition is refused.
 */
public final class BridgeInstaller {

  /**
   * The bridge's classes, supertypes first. Named rather than found by listing mesh.jar, whose
   * tens of thousands of entries would cost premain tens of milliseconds; ShadingTest fails if a
   * class under dev/jmesh/bootstrap/ is missing here.
   */
  public static final String[] BRIDGE_CLASSES = {
    "dev.jmesh.bootstrap.MeshRequest",
    "dev.jmesh.bootstrap.MeshHeaders",
    "dev.jmesh.bootstrap.MeshEndpointAddress",
    "dev.jmesh.bootstrap.MeshCall",
    "dev.jmesh.bootstrap.MeshInbound",
    "dev.jmesh.bootstrap.MeshInboundRequest",
    "dev.jmesh.bootstrap.MeshHooks$1",
    "dev.jmesh.bootstrap.MeshHooks$2",
    "dev.jmesh.bootstrap.MeshTraceContext",
    "dev.jmesh.bootstrap.MeshRequestFacts",
    "dev.jmesh.bootstrap.MeshSpanFacts",
    "dev.jmesh.bootstrap.MeshBridge",
    "dev.jmesh.bootstrap.MeshHooks",
    "dev.jmesh.bootstrap.WeakIdentityMap",
    "dev.jmesh.bootstrap.WeakIdentityMap$Key",
    "dev.jmesh.bootstrap.WeakIdentityMap$Lookup",
    "dev.jmesh.bootstrap.UrlConnectionCall",
    "dev.jmesh.bootstrap.UrlConnectionRequest",
    "dev.jmesh.bootstrap.UrlConnectionSockets",
    "dev.jmesh.bootstrap.UrlConnectionHooks",
    "dev.jmesh.bootstrap.JdkHttpClientBridge",
    "dev.jmesh.bootstrap.JdkHttpClientHooks",
    "dev.jmesh.bootstrap.InboundTransport",
    "dev.jmesh.bootstrap.InboundTransport$Refused",
    "dev.jmesh.bootstrap.MeshAcceptedSocket",
    "dev.jmesh.bootstrap.MeshAcceptedSocket$In",
    "dev.jmesh.bootstrap.MeshAcceptedSocket$Out",
    "dev.jmesh.bootstrap.MeshServerChannel",
    "dev.jmesh.bootstrap.JdkHttpServerBridge",
    "dev.jmesh.bootstrap.JdkHttpServerHooks",
    "dev.jmesh.bootstrap.JdkHttpServerHooks$Peer",
  };

  private BridgeInstaller() {}

  public static void install(Instrumentation inst, JarFile jar) throws IOException {
    if (alreadyInstalled()) {
      return;
    }
    try {
      defineInBootstrap(inst, jar);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      inst.appendToBootstrapClassLoaderSearch(jar);
    }
  }

  private static boolean alreadyInstalled() {
    try {
      Class.forName("dev.jmesh.bootstrap.MeshHooks", false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static void defineInBootstrap(Instrumentation inst, JarFile jar)
      throws ReflectiveOperationException, IOException {
    Module javaBase = Object.class.getModule();
    inst.redefineModule(javaBase, Set.of(),
        Map.of("jdk.internal.misc", Set.of(BridgeInstaller.class.getModule())),
        Map.of(), Set.of(), Map.of());
    Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
    Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
    Method define = unsafeClass.getMethod("defineClass", String.class, byte[].class, int.class,
        int.class, ClassLoader.class, ProtectionDomain.class);

    for (String name : BRIDGE_CLASSES) {
      JarEntry entry = jar.getJarEntry(name.replace('.', '/') + ".class");
      if (entry == null) {
        throw new IllegalStateException(name + " is not in mesh.jar");
      }
      byte[] bytes;
      try (InputStream in = jar.getInputStream(entry)) {
        bytes = in.readAllBytes();
      }
      define.invoke(unsafe, name, bytes, 0, bytes.length, null, null);
    }
  }
}
