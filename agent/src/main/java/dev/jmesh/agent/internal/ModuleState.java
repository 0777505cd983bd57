package dev.jmesh.agent.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What became of one instrumentation module: switched off by a setting, installed, and for each
 * application class loader where its references did not match the library there, why.
 */
final class ModuleState {

  private final String name;
  private final boolean enabledBySetting;
  private final ConcurrentHashMap<String, String> disabledIn = new ConcurrentHashMap<>();

  ModuleState(String name, boolean enabledBySetting) {
    this.name = name;
    this.enabledBySetting = enabledBySetting;
  }

  String name() {
    return name;
  }

  boolean enabledBySetting() {
    return enabledBySetting;
  }

  /** Enabled by its setting and disabled in no class loader. */
  boolean enabled() {
    return enabledBySetting && disabledIn.isEmpty();
  }

  void disableIn(String classLoader, String reason) {
    disabledIn.put(classLoader, reason);
  }

  Map<String, String> disabledIn() {
    return new TreeMap<>(disabledIn);
  }
}
