package dev.jmesh.agent.internal;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.dataplane.DataPath;
import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.BadSettingException;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import java.io.File;
import java.lang.instrument.Instrumentation;
import dev.jmesh.instrumentation.api.BridgeHook;
import dev.jmesh.instrumentation.api.InstrumentationModule;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.Map;

/**
 * Takes over from {@code MeshAgent.premain} inside the agent's class loader. On the
 * application's main thread it only does what must precede the application: validate the
 * settings (a bad one stops the JVM with exit code {@value #EXIT_BAD_SETTING}), install the data
 * path behind the bridge and register the {@link TransformerGate}. Building the rewriting with
 * ByteBuddy, binding the admin and metrics ports (and later xDS and the CA) happen on a daemon
 * thread, overlapping the application's own start-up.
 */
public final class AgentStarter {

  /** sysexits.h EX_CONFIG: the configuration is wrong. */
  public static final int EXIT_BAD_SETTING = 78;

  private static final String RELOCATED_BYTEBUDDY_SAFE = "dev.jmesh.shaded.net.bytebuddy.safe";

  /**
   * How long an application thread loading a rewritten class waits for the agent's install.
   * Generous: it is only ever reached if the install thread is starved or stuck.
   */
  static final long GATE_WAIT_MILLIS = 10_000;

  private AgentStarter() {}

  public static void start(
      Instrumentation inst, String agentArgs, File jar, ClassLoader agentLoader) {
    long started = System.nanoTime();
    MeshSettings settings = settingsOrExit(agentArgs);
    if (settings == null) {
      return;
    }
    MeshLog.setLevel(settings.logLevel());
    // ByteBuddy's "net.bytebuddy.safe", renamed by relocation: keeps it off sun.misc.Unsafe, whose
    // use prints a warning on JDK 24+. The agent injects helpers through defineClass instead.
    if (System.getProperty(RELOCATED_BYTEBUDDY_SAFE) == null) {
      System.setProperty(RELOCATED_BYTEBUDDY_SAFE, "true");
    }
    JdkModules.open(inst, AgentStarter.class.getModule());
    if (settings.journal() != null) {
      JdkModules.openForJournal(inst, AgentStarter.class.getModule());
    }
    List<InstrumentationModule> modules = InstrumentationInstaller.modules(agentLoader);
    DataPath dataPath = new DataPath(settings);
    AgentRuntime runtime = new AgentRuntime(settings, dataPath);
    MeshHooks.install(dataPath);
    Set<String> hookTargets = new HashSet<>();
    Set<String> adviceTargets = new HashSet<>();
    for (InstrumentationModule module : modules) {
      if (!settings.disabledInstrumentations().contains(module.name())) {
        for (BridgeHook hook : module.bridgeHooks()) {
          hookTargets.add(hook.className().replace('.', '/'));
        }
        for (String name : module.knownTargetNames()) {
          adviceTargets.add(name.replace('.', '/'));
        }
      }
    }
    CountDownLatch adviceDemand = new CountDownLatch(1);
    TransformerGate gate =
        new TransformerGate(hookTargets, adviceTargets, adviceDemand, GATE_WAIT_MILLIS);
    inst.addTransformer(gate, true);
    MeshLog.debug("premain done in " + (System.nanoTime() - started) / 1_000_000 + " ms");
    MeshThreads.start("init",
        new Installation(inst, agentLoader, settings, modules, gate, adviceDemand, runtime));
  }

  /** Returns the settings, or {@code null} to stay inactive; exits the JVM on a bad one. */
  private static MeshSettings settingsOrExit(String agentArgs) {
    SettingSource source = null;
    try {
      source =
          new SettingSource(SettingsParser.parseAgentArgs(agentArgs), systemProperties(),
              System.getenv());
      return SettingsParser.parse(source);
    } catch (BadSettingException e) {
      // A malformed agent argument leaves no source; the opt-in may still come from -D or env.
      SettingSource optIn =
          source != null ? source : new SettingSource(Map.of(), systemProperties(), System.getenv());
      if (SettingsParser.startUnmeshedOnError(optIn)) {
        System.err.println("[jmesh] ERROR " + e.getMessage());
        System.err.println("[jmesh] inactive: a setting is bad and startUnmeshedOnError=true;"
            + " the application starts without the mesh");
        return null;
      }
      System.err.println("[jmesh] ERROR " + e.getMessage());
      System.err.println("[jmesh] ERROR the application was not started. Fix the setting, or set"
          + " MESH_START_UNMESHED_ON_ERROR=true to start it without the mesh instead.");
      System.exit(EXIT_BAD_SETTING);
      return null;
    }
  }

  private static Map<String, String> systemProperties() {
    Map<String, String> jmesh = new HashMap<>();
    for (String name : System.getProperties().stringPropertyNames()) {
      if (name.startsWith("jmesh.")) {
        jmesh.put(name, System.getProperty(name));
      }
    }
    return jmesh;
  }

  /**
   * The rest of start-up, on the agent's own thread. A named class, not a lambda: premain's path
   * stays free of lambdas, whose first use costs milliseconds of bootstrapping.
   */
  private static final class Installation implements Runnable {
    private final Instrumentation inst;
    private final ClassLoader agentLoader;
    private final MeshSettings settings;
    private final List<InstrumentationModule> modules;
    private final TransformerGate gate;
    private final CountDownLatch adviceDemand;
    private final AgentRuntime runtime;

    Installation(Instrumentation inst, ClassLoader agentLoader, MeshSettings settings,
        List<InstrumentationModule> modules, TransformerGate gate, CountDownLatch adviceDemand,
        AgentRuntime runtime) {
      this.inst = inst;
      this.agentLoader = agentLoader;
      this.settings = settings;
      this.modules = modules;
      this.gate = gate;
      this.adviceDemand = adviceDemand;
      this.runtime = runtime;
    }

    @Override
    public void run() {
      InstrumentationInstaller installer =
          new InstrumentationInstaller(inst, agentLoader, settings);
      try {
        try {
          runtime.instrumentationInstalled(installer.installHooks(modules, gate));
        } catch (RuntimeException | LinkageError e) {
          MeshHooks.uninstall();
          MeshLog.error("cannot rewrite the JDK's sockets (" + e + "); the application runs"
              + " unmeshed");
          return;
        }
        runtime.startEndpoints();
        // ByteBuddy is loaded only when the application loads a library an advice module
        // targets; until then the thread just waits (it is a daemon).
        adviceDemand.await();
        try {
          installer.installAdvice(gate);
          runtime.libraryAdviceInstalled();
        } catch (RuntimeException | LinkageError e) {
          MeshLog.error("cannot set up library instrumentation (" + e + "); those libraries run"
              + " unmeshed, the sockets stay meshed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        // Whatever happened, no application thread may keep waiting at the gate.
        gate.abandon();
      }
    }
  }
}
