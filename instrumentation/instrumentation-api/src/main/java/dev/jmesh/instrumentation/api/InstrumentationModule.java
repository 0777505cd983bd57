package dev.jmesh.instrumentation.api;

import java.util.List;

/**
 * One instrumented library at one minimum version, e.g. {@code okhttp-3.9}. Modules are listed
 * in {@code META-INF/services/dev.jmesh.instrumentation.api.InstrumentationModule}, in
 * {@link java.util.ServiceLoader}'s format, and instantiated by the agent with their public
 * no-argument constructor.
 *
 * <pre>{@code
 * public final class OkHttpModule implements InstrumentationModule {
 *   public String name() { return "okhttp-3.9"; }
 *   public List<TypeInstrumentation> typeInstrumentations() {
 *     return List.of(new OkHttpClientBuilderInstrumentation());
 *   }
 *   public List<String> helperClassNames() {
 *     return List.of("dev.jmesh.instrumentation.okhttp.v3_9.MeshInterceptor");
 *   }
 * }
 * }</pre>
 *
 * <p>Advice may reference only the bootstrap bridge ({@code dev.jmesh.bootstrap}), the
 * instrumented library, the JDK and the module's helper classes. Helpers are injected into the
 * application class loader that loads the library, after the agent has checked that every
 * library class, method and field they reference exists there; if one is missing the module is
 * disabled for that class loader with one log line.
 */
public interface InstrumentationModule {

  /** The module's name, {@code <library>-<minimum version>}; also its on/off setting. */
  String name();

  /** ByteBuddy advice, for libraries. */
  default List<TypeInstrumentation> typeInstrumentations() {
    return List.of();
  }

  /**
   * Bridge calls woven without ByteBuddy, for JDK classes that must be rewritten before the
   * application first uses them; their classes count as known targets.
   */
  default List<BridgeHook> bridgeHooks() {
    return List.of();
  }

  /**
   * The exact names of the classes this module's advice rewrites, where they are known (a
   * library's entry point). The agent installs its rewriting off the application's main thread;
   * until it is done, an application thread that loads one of these classes waits for it
   * (bounded), so no such class is ever used unrewritten. Keep it to names: the list is read
   * before any matcher exists. The classes of {@link #bridgeHooks()} count as known already.
   */
  default List<String> knownTargetNames() {
    return List.of();
  }

  /** Classes to inject beside the library, in dependency order (supertypes first). */
  default List<String> helperClassNames() {
    return List.of();
  }

  /**
   * Called once in the agent's class loader before this module's advice is woven: a module whose
   * logic cannot be injected beside its library (the JDK's {@code java.net.http}, defined to the
   * platform class loader) installs it behind a bootstrap entry here. Must not block.
   */
  default void installed() {}
}
