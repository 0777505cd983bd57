package dev.jmesh.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;

/**
 * The {@code Premain-Class} of mesh.jar. It runs before the application's {@code main}, so it
 * does as little as possible and never waits: decide whether to stay out, put the bootstrap
 * bridge on the bootstrap class path, create the agent's isolated class loader and hand over.
 * No logging framework, no JMX, no {@code java.nio.file} here: each would load and initialise
 * JDK subsystems before the application has a chance to configure them.
 */
public final class MeshAgent {

  static final String STARTER = "dev.jmesh.agent.internal.AgentStarter";

  private MeshAgent() {}

  public static void premain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst);
  }

  public static void agentmain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst);
  }

  private static void start(String agentArgs, Instrumentation inst) {
    String inactiveReason = Activation.inactiveReason(agentArgs);
    if (inactiveReason != null) {
      System.err.println("[jmesh] inactive: " + inactiveReason);
      return;
    }
    File jar;
    AgentClassLoader loader;
    // Every class of this package is public: if the bridge has to fall back to the bootstrap
    // class path, these classes may resolve from there, in another runtime package.
    try {
      jar = new File(MeshAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      loader = new AgentClassLoader(jar);
      BridgeInstaller.install(inst, loader.jar());
    } catch (Exception | LinkageError e) {
      System.err.println("[jmesh] inactive: cannot open the agent jar (" + e + ")");
      return;
    }
    try {
      loader
          .loadClass(STARTER)
          .getMethod("start", Instrumentation.class, String.class, File.class, ClassLoader.class)
          .invoke(null, inst, agentArgs, jar, loader);
    } catch (java.lang.reflect.InvocationTargetException e) {
      // The starter reports its own errors (and exits on bad settings); anything that escapes
      // is a bug, and the application must still start.
      System.err.println("[jmesh] inactive: the agent failed to start (" + e.getCause() + ")");
    } catch (ReflectiveOperationException | LinkageError e) {
      System.err.println("[jmesh] inactive: the agent failed to start (" + e + ")");
    }
  }
}
