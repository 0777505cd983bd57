package dev.jmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MeshedJvmTest {

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private static final Path CLASSES =
      Path.of(ChattyMain.class.getProtectionDomain().getCodeSource().getLocation().getPath());

  private static MeshedJvm.Builder chatty(String name) {
    return MeshedJvm.java(name).mainClass(ChattyMain.class.getName(), CLASSES);
  }

  @Test
  void capturesBothStreamsTalksOverStdinAndReportsTheExitCode() {
    MeshedJvm jvm = jvms.start(chatty("chatty").env("MESH_SERVICE", "svc"));
    assertThat(jvm.awaitOutput("^READY env=(\\S+)", Duration.ofSeconds(20)).group(1))
        .isEqualTo("svc");
    jvm.awaitOutput("to stderr", Duration.ofSeconds(5));
    jvm.send("hello");
    jvm.awaitOutput("^GOT hello$", Duration.ofSeconds(5));
    jvm.send("exit 78");
    assertThat(jvm.awaitExit(Duration.ofSeconds(10))).isEqualTo(78);
    assertThat(jvm.stderr()).isEqualTo("to stderr");
    assertThat(jvm.command()).containsSubsequence(MeshedJvm.STANDARD_FLAGS);
  }

  @Test
  void neverInheritsJavaToolOptionsOrMeshSettings() {
    MeshedJvm jvm = jvms.start(chatty("clean-env"));
    jvm.awaitOutput("^READY env=null tool=null$", Duration.ofSeconds(20));
  }

  @Test
  void awaitOutputFailsFastWithTheExitCodeWhenTheProcessEnds() {
    MeshedJvm jvm = jvms.start(chatty("quitter"));
    jvm.awaitOutput("^READY", Duration.ofSeconds(20));
    jvm.send("exit 3");
    long start = System.nanoTime();
    assertThatThrownBy(() -> jvm.awaitOutput("never printed", Duration.ofSeconds(30)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("exited with code 3")
        .hasMessageContaining("READY");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void closeKillsTheWholeProcessTree() {
    MeshedJvm jvm = jvms.start(chatty("parent").args("spawn"));
    long child = Long.parseLong(jvm.awaitOutput("^CHILD pid=(\\d+)", Duration.ofSeconds(20)).group(1));
    assertThat(ProcessHandle.of(child)).get().matches(ProcessHandle::isAlive);
    jvm.close();
    assertThat(jvm.isAlive()).isFalse();
    assertThat(ProcessHandle.of(child).filter(ProcessHandle::isAlive)).isEmpty();
  }

  @Test
  void jdk25IsFoundOrFailsLoudly() {
    assertThat(Jdk.JDK25.java()).isExecutable();
    assertThat(Jdk.JDK17.java()).isExecutable();
  }
}
