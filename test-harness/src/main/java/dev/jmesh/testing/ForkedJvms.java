package dev.jmesh.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Owns the forked JVMs of a test class. JVMs started from {@code @BeforeAll} live until the class
 * ends; JVMs started inside a test (or {@code @BeforeEach}) are killed after that test. Prints
 * {@code [suite] <TestClass> took N.N s} when the class ends.
 *
 * <pre>{@code
 * @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();
 *
 * @BeforeAll static void startApp() {
 *   app = jvms.start(MeshedJvm.java("socket-app").testApp("socket-app").withAgent());
 * }
 * }</pre>
 */
public final class ForkedJvms
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private final List<MeshedJvm> classJvms = new CopyOnWriteArrayList<>();
  private final List<MeshedJvm> testJvms = new CopyOnWriteArrayList<>();
  private volatile boolean inTest;
  private long classStartNanos;

  /** Forks the described JVM and takes ownership of it. */
  public MeshedJvm start(MeshedJvm.Builder builder) {
    MeshedJvm jvm = builder.start();
    (inTest ? testJvms : classJvms).add(jvm);
    return jvm;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    classStartNanos = System.nanoTime();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    inTest = true;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    inTest = false;
    closeAll(testJvms);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    closeAll(classJvms);
    double seconds = (System.nanoTime() - classStartNanos) / 1e9;
    System.out.printf(
        "[suite] %s took %.1f s%n",
        context.getRequiredTestClass().getSimpleName(),
        seconds);
  }

  private static void closeAll(List<MeshedJvm> jvms) {
    List<MeshedJvm> closing = new ArrayList<>(jvms);
    jvms.clear();
    // SIGTERM to all first, so their shutdowns overlap instead of adding up.
    closing.forEach(MeshedJvm::terminate);
    closing.forEach(MeshedJvm::close);
  }
}
