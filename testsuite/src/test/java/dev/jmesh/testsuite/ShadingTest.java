package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshPaths;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code mesh.jar} exposes nothing but jmesh: the few classes at its root are the bootstrap bridge
 * and what premain needs before the agent's class loader exists (entry point, activation check,
 * class loader, bridge installer), everything else lives under {@code inst/} and is relocated under
 * {@code dev/jmesh/}, so no application ever sees an unrelocated class, native library or service
 * file of ours. One exception, still under {@code inst/} where only the agent's class loader looks:
 * Conscrypt, whose native library binds its JNI methods to the names {@code org.conscrypt.*}, so
 * neither its classes nor its library can be renamed.
 */
class ShadingTest {

  private static final String INST = "inst/";
  private static final Pattern VERSIONED = Pattern.compile("^META-INF/versions/\\d+/(.*)$");
  private static final Pattern ROOT_CLASS_ALLOWED =
      Pattern.compile(
          "^dev/jmesh/bootstrap/.+\\.class$"
              + "|^dev/jmesh/agent/(MeshAgent|Activation|AgentClassLoader|BridgeInstaller)"
              + "(\\$[^/]*)?\\.class$");
  private static final String NATIVE_DIR = INST + "META-INF/native/";
  private static final String NATIVE_PREFIX = "libdev_jmesh_shaded_netty_";
  private static final String CONSCRYPT_CLASSES = "org/conscrypt/";
  private static final String CONSCRYPT_LIBRARY = "libconscrypt_openjdk_jni-linux-x86_64.so";
  private static final Pattern NATIVE_LIBRARY = Pattern.compile("\\.(so|jnilib|dylib|dll)$");

  /** Service interfaces of the JDK itself may be named; the providers must be ours. */
  private static final Pattern JDK_SERVICE = Pattern.compile("^(java|javax|jdk)\\..+");

  @RegisterExtension static final ForkedJvms timing = new ForkedJvms();

  private static JarFile jar;

  @BeforeAll
  static void openJar() throws IOException {
    Path path = MeshPaths.agentJar();
    jar = new JarFile(path.toFile());
    System.out.printf(
        "[shading] %s is %.1f MB, %d entries%n",
        path, Files.size(path) / (1024.0 * 1024.0), jar.size());
  }

  @AfterAll
  static void closeJar() throws IOException {
    if (jar != null) {
      jar.close();
    }
  }

  @Test
  void classesAtTheRootAreOnlyTheBootstrapBridgeAndTheAgentEntryPoint() {
    List<String> violations = new ArrayList<>();
    for (String name : entries()) {
      if (name.startsWith(INST) || !name.endsWith(".class")) {
        continue;
      }
      String unversioned = unversioned(name);
      if (!ROOT_CLASS_ALLOWED.matcher(unversioned).find()) {
        violations.add(name);
      }
    }
    assertThat(violations)
        .as("classes at the root of mesh.jar that the system class loader would expose")
        .isEmpty();
  }

  @Test
  void everyAgentClassIsUnderInstAndRelocatedUnderDevJmesh() {
    List<String> outside = new ArrayList<>();
    int agentClasses = 0;
    for (String name : entries()) {
      if (!name.startsWith(INST) || !name.endsWith(".class")) {
        continue;
      }
      agentClasses++;
      String path = unversioned(name.substring(INST.length()));
      if (!path.startsWith("dev/jmesh/") && !path.startsWith(CONSCRYPT_CLASSES)) {
        outside.add(name);
      }
    }
    assertThat(agentClasses).as("classes under inst/").isPositive();
    assertThat(outside).as(describe("classes under inst/ outside dev/jmesh/", outside)).isEmpty();
  }

  @Test
  void nativeLibrariesAreOnlyRelocatedNettyOnesUnderInst() {
    List<String> violations = new ArrayList<>();
    for (String name : entries()) {
      if (name.endsWith("/")) {
        continue;
      }
      boolean inNativeDir = name.startsWith(NATIVE_DIR);
      String file = name.substring(name.lastIndexOf('/') + 1);
      if (inNativeDir && !file.startsWith(NATIVE_PREFIX) && !file.equals(CONSCRYPT_LIBRARY)) {
        violations.add(name + " (not named " + NATIVE_PREFIX + "*)");
      } else if (!inNativeDir && NATIVE_LIBRARY.matcher(file).find()) {
        violations.add(name + " (outside " + NATIVE_DIR + ")");
      }
    }
    assertThat(violations).as(describe("native libraries", violations)).isEmpty();
  }

  @Test
  void serviceFilesNameAndListOnlyRelocatedClassesThatExist() throws IOException {
    Set<String> entries = new TreeSet<>(entries());
    List<String> violations = new ArrayList<>();
    for (String name : entries) {
      String layer = name.startsWith(INST) ? INST : "";
      String path = unversioned(name.substring(layer.length()));
      if (!path.startsWith("META-INF/services/") || name.endsWith("/")) {
        continue;
      }
      String service = path.substring("META-INF/services/".length());
      if (!service.startsWith("dev.jmesh.") && !JDK_SERVICE.matcher(service).matches()) {
        violations.add(name + " names unrelocated service " + service);
      }
      for (String provider : providers(jar.getJarEntry(name))) {
        String classEntry = layer + provider.replace('.', '/') + ".class";
        if (!provider.startsWith("dev.jmesh.")) {
          violations.add(name + " lists unrelocated " + provider);
        } else if (!entries.contains(classEntry)) {
          violations.add(name + " lists " + provider + " but " + classEntry + " is not in the jar");
        }
      }
    }
    assertThat(violations).as(describe("META-INF/services files", violations)).isEmpty();
  }

  @Test
  void manifestDeclaresThePremainClassAndRetransformation() throws IOException {
    Manifest manifest = jar.getManifest();
    assertThat(manifest).as("META-INF/MANIFEST.MF").isNotNull();
    Attributes main = manifest.getMainAttributes();
    String premain = main.getValue("Premain-Class");
    assertThat(premain).as("Premain-Class").isNotBlank();
    assertThat(jar.getJarEntry(premain.replace('.', '/') + ".class"))
        .as("the Premain-Class %s at the root of the jar", premain)
        .isNotNull();
    assertThat(main.getValue("Can-Retransform-Classes"))
        .as("Can-Retransform-Classes")
        .isEqualTo("true");
  }

  @Test
  void theBridgeInstallerNamesEveryBridgeClass() throws Exception {
    List<String> inJar = new ArrayList<>();
    for (String name : entries()) {
      if (name.startsWith("dev/jmesh/bootstrap/") && name.endsWith(".class")) {
        inJar.add(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
      }
    }
    String[] named;
    try (java.net.URLClassLoader loader =
        new java.net.URLClassLoader(
            new java.net.URL[] {MeshPaths.agentJar().toUri().toURL()}, null)) {
      named =
          (String[])
              loader
                  .loadClass("dev.jmesh.agent.BridgeInstaller")
                  .getField("BRIDGE_CLASSES")
                  .get(null);
    }
    assertThat(named)
        .as("BridgeInstaller.BRIDGE_CLASSES defines the bridge into the bootstrap loader")
        .containsExactlyInAnyOrderElementsOf(inJar);
  }

  @Test
  void everyMultiReleaseVersionHasItsFolderEntry() {
    // AgentClassLoader probes inst/META-INF/versions/N/ once per version to find them.
    Set<String> versions = new TreeSet<>();
    Pattern versionOf = Pattern.compile("^inst/META-INF/versions/(\\d+)/.+");
    for (String name : entries()) {
      Matcher m = versionOf.matcher(name);
      if (m.matches()) {
        versions.add(m.group(1));
      }
    }
    assertThat(versions).isNotEmpty();
    for (String version : versions) {
      assertThat(jar.getEntry("inst/META-INF/versions/" + version + "/"))
          .as("folder entry of version " + version)
          .isNotNull();
    }
  }

  private static List<String> entries() {
    return Collections.list(jar.entries()).stream().map(JarEntry::getName).toList();
  }

  private static String unversioned(String name) {
    Matcher versioned = VERSIONED.matcher(name);
    return versioned.matches() ? versioned.group(1) : name;
  }

  private static List<String> providers(JarEntry entry) throws IOException {
    List<String> providers = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(jar.getInputStream(entry), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        int comment = line.indexOf('#');
        String provider = (comment >= 0 ? line.substring(0, comment) : line).strip();
        if (!provider.isEmpty()) {
          providers.add(provider);
        }
      }
    }
    return providers;
  }

  private static String describe(String what, List<String> violations) {
    return what + " (" + violations.size() + " violations)";
  }
}
