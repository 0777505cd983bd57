package dev.jmesh.controlplane.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watched directory keeps reporting changes whatever happens around a change. */
class DirectoryConfigSourceTest {
  @TempDir Path dir;

  @Test
  void watchSurvivesAListenerThatFails() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (DirectoryConfigSource source = new DirectoryConfigSource(dir)) {
      source.watch(s -> {
        if (calls.incrementAndGet() == 1) {
          throw new IllegalStateException("first reaction fails");
        }
      });
      Files.writeString(dir.resolve("a.yaml"), "# one\n");
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> calls.get() >= 1);
      int after = calls.get();
      Files.writeString(dir.resolve("b.yaml"), "# two\n");
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> calls.get() > after);
    }
  }

  /**
   * Files written to a temporary name and renamed into place (as editors, kubectl and the
   * benchmark do) vanish while the watcher walks the tree: the watch must go on, and a read
   * must not fail on them.
   */
  @Test
  void temporaryFilesRenamedIntoPlaceDoNotEndTheWatch() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (DirectoryConfigSource source = new DirectoryConfigSource(dir)) {
      source.watch(s -> {
        calls.incrementAndGet();
        try {
          s.read();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      for (int i = 0; i < 200; i++) {
        Path tmp = dir.resolve(".services.yaml.tmp");
        Files.writeString(tmp, "# generation " + i + "\n");
        Files.move(tmp, dir.resolve("services.yaml"), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      }
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> calls.get() >= 1);
      Thread.sleep(300);
      int after = calls.get();
      Files.writeString(dir.resolve("last.yaml"), "# last\n");
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> calls.get() > after);
      assertThat(source.read().diagnostics()).isEmpty();
    }
  }
}
