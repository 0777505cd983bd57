package dev.jmesh.agent;

import java.io.IOException;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Decides, before anything is loaded, whether the agent stays out of this JVM.
 * {@code JAVA_TOOL_OPTIONS} reaches every JVM on the machine, the JDK's own tools included, so
 * the agent activates only when a service is configured and the main class is neither a JDK tool
 * nor excluded by {@code excludeMainClasses}.
 */
public final class Activation {

  /**
   * Main classes and modules of the JDK's launchers ({@code javac}, {@code jar}, {@code jshell},
   * {@code keytool}, {@code jcmd}, {@code jps}, {@code jstack}, {@code javadoc}, {@code jlink},
   * {@code jdeps}, {@code jfr}, {@code jwebserver}, {@code jdb}, {@code jhsdb}, ...).
   */
  private static final String[] JDK_TOOL_PREFIXES = {
    "com.sun.tools.",
    "sun.tools.",
    "sun.security.tools.",
    "jdk.internal.jshell.",
    "jdk.jshell.",
    "jdk.jfr.internal.tool.",
    "jdk.jpackage.",
    "jdk.javadoc.",
    "jdk.tools.",
    "sun.rmi.registry.",
    "sun.jvm.hotspot.",
    "sun.net.httpserver.simpleserver.",
    "jdk.internal.jrtfs.",
    "sun.launcher.",
  };

  private static final String[] JDK_TOOL_MODULES = {
    "jdk.compiler/", "jdk.jartool/", "jdk.jshell/", "jdk.jcmd/", "jdk.jlink/", "jdk.javadoc/",
    "jdk.jdeps/", "jdk.jfr/", "jdk.jpackage/", "jdk.jdi/", "jdk.hotspot.agent/",
    "jdk.jstatd/", "jdk.jconsole/", "java.rmi/", "jdk.httpserver/", "java.base/",
  };

  /** The environment variables of the two settings read here (see SettingSource.envName). */
  private static final java.util.Map<String, String> ENV =
      java.util.Map.of("service", "MESH_SERVICE", "excludeMainClasses",
          "MESH_EXCLUDE_MAIN_CLASSES");

  private Activation() {}

  /** Returns why the agent stays inactive, or {@code null} to activate. */
  public static String inactiveReason(String agentArgs) {
    String main = mainClass();
    for (String module : JDK_TOOL_MODULES) {
      if (main.startsWith(module)) {
        return "JDK tool " + main;
      }
    }
    for (String prefix : JDK_TOOL_PREFIXES) {
      if (main.startsWith(prefix)) {
        return "JDK tool " + main;
      }
    }
    if (isBlank(setting(agentArgs, "service"))) {
      return "no service configured (set MESH_SERVICE, -Djmesh.service or"
          + " -javaagent:mesh.jar=service=NAME)";
    }
    String excluded = setting(agentArgs, "excludeMainClasses");
    if (!isBlank(excluded) && !main.isEmpty()) {
      for (String pattern : excluded.split(",")) {
        String p = pattern.trim();
        if (!p.isEmpty() && matchesGlob(main, p)) {
          return "main class " + main + " matches excludeMainClasses pattern " + p;
        }
      }
    }
    return null;
  }

  /**
   * The main class as the launcher saw it: {@code sun.java.command} names the class, the
   * {@code module/class}, or under {@code java -jar} the jar, whose manifest then names it.
   */
  static String mainClass() {
    String command = System.getProperty("sun.java.command", "").trim();
    String first = command.isEmpty() ? "" : command.split("\\s+", 2)[0];
    if (!first.endsWith(".jar")) {
      return first;
    }
    try (JarFile jar = new JarFile(first, false)) {
      Manifest manifest = jar.getManifest();
      String mainClass =
          manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
      return mainClass == null ? first : mainClass.trim();
    } catch (IOException e) {
      return first;
    }
  }

  /**
   * Reads one setting with the documented precedence: agent argument, then {@code -Djmesh.key},
   * then the {@code MESH_KEY} environment variable. The full parser lives in the agent's class
   * loader; this copy exists so that an inactive JVM loads nothing more.
   */
  static String setting(String agentArgs, String key) {
    if (agentArgs != null) {
      // Items without '=' continue the list of the setting before them (a=x,y,b=z).
      String value = null;
      boolean inKey = false;
      for (String part : agentArgs.split(",")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          inKey = part.substring(0, eq).trim().equals(key);
          if (inKey) {
            value = part.substring(eq + 1).trim();
          }
        } else if (inKey && !part.isBlank()) {
          value = value + "," + part.trim();
        }
      }
      if (value != null) {
        return value;
      }
    }
    String property = System.getProperty("jmesh." + key);
    if (property != null) {
      return property;
    }
    return System.getenv(ENV.get(key));
  }

  /** A glob where {@code *} matches any run of characters, e.g. {@code org.apache.maven.*}. */
  static boolean matchesGlob(String text, String glob) {
    return matches(text, 0, glob, 0);
  }

  private static boolean matches(String text, int t, String glob, int g) {
    while (g < glob.length()) {
      char c = glob.charAt(g);
      if (c == '*') {
        for (int i = t; i <= text.length(); i++) {
          if (matches(text, i, glob, g + 1)) {
            return true;
          }
        }
        return false;
      }
      if (t >= text.length() || text.charAt(t) != c) {
        return false;
      }
      t++;
      g++;
    }
    return t == text.length();
  }

  private static boolean isBlank(String s) {
    return s == null || s.trim().isEmpty();
  }
}
