package dev.jmesh.agent.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

/**
 * The build's check that no jmesh code blocks while it holds a monitor. Since JDK 24 a virtual
 * thread no longer pins its carrier inside {@code synchronized} (JEP 491) and the JDK no longer
 * reports it, so a blocking call under a monitor would go unnoticed until it stalled an
 * application: this scans every jmesh class the agent ships (the bridge, the data path, the
 * instrumentation modules, the agent) and fails on any call, inside a {@code synchronized} method
 * or block, to a blocking JDK method — directly, or through jmesh methods that reach one.
 */
class NoBlockingUnderSynchronizedTest {

  /** Owner prefix + "." + method name of JDK calls that can block. */
  private static final List<String> BLOCKING =
      List.of(
          "java/lang/Object.wait",
          "java/lang/Thread.sleep",
          "java/lang/Thread.join",
          "java/util/concurrent/locks/LockSupport.park",
          "java/util/concurrent/locks/Lock.lock",
          "java/util/concurrent/locks/ReentrantLock.lock",
          "java/util/concurrent/locks/Condition.await",
          "java/util/concurrent/Future.get",
          "java/util/concurrent/CompletableFuture.get",
          "java/util/concurrent/CompletableFuture.join",
          "java/util/concurrent/CountDownLatch.await",
          "java/util/concurrent/Semaphore.acquire",
          "java/util/concurrent/CyclicBarrier.await",
          "java/util/concurrent/BlockingQueue.put",
          "java/util/concurrent/BlockingQueue.take",
          "java/util/concurrent/ExecutorService.awaitTermination",
          "java/io/InputStream.read",
          "java/io/OutputStream.write",
          "java/io/OutputStream.flush",
          "java/io/Reader.read",
          "java/io/Writer.write",
          "java/io/PrintStream.print",
          "java/nio/channels/SocketChannel.",
          "java/nio/channels/ServerSocketChannel.accept",
          "java/nio/channels/FileChannel.",
          "java/nio/file/Files.",
          "java/net/Socket.connect",
          "java/net/Socket.getInputStream",
          "java/net/ServerSocket.accept",
          "java/net/ServerSocket.bind",
          "java/net/InetAddress.getByName",
          "java/net/InetAddress.getAllByName",
          "java/net/InetAddress.getLocalHost",
          "java/lang/Process.waitFor");

  /**
   * jmesh methods that call a listed JDK method in a way that cannot block, with the reason: they
   * do not count as blocking.
   */
  private static final Map<String, String> NEVER_BLOCKS =
      Map.of(
          "dev.jmesh.dataplane.cluster.Host.ipv6Text",
          "InetAddress.getByName on a literal with ':' parses it and never looks it up");

  private record MethodRef(String owner, String name, String descriptor) {
    @Override
    public String toString() {
      return owner.replace('/', '.') + "." + name;
    }
  }

  /** What one method calls, and what it calls while holding a monitor. */
  private static final class MethodCalls {
    final Set<MethodRef> calls = new HashSet<>();
    final Set<MethodRef> underMonitor = new HashSet<>();
  }

  @Test
  void noJmeshCodeBlocksWhileHoldingAMonitor() throws Exception {
    List<byte[]> classes = jmeshClasses();
    assertThat(classes).as("jmesh classes found on the agent's class path").hasSizeGreaterThan(200);
    assertThat(violations(classes))
        .as("blocking calls under synchronized (use a lock-free structure, or move the call out)")
        .isEmpty();
  }

  /** Stand-ins for the mistakes the check is for. */
  static final class Offender {
    private final Object lock = new Object();

    synchronized void sleepsInASynchronizedMethod() throws InterruptedException {
      Thread.sleep(1);
    }

    void parksInABlockThroughAHelper() {
      synchronized (lock) {
        waitABit();
      }
    }

    void parksOutsideTheBlock() {
      synchronized (lock) {
        lock.hashCode();
      }
      waitABit();
    }

    private static void waitABit() {
      java.util.concurrent.locks.LockSupport.parkNanos(1);
    }
  }

  @Test
  void theCheckFindsBlockingCallsUnderAMonitorDirectOrThroughHelpers() throws Exception {
    byte[] offender;
    String resource = "/" + Offender.class.getName().replace('.', '/') + ".class";
    try (InputStream in = Offender.class.getResourceAsStream(resource)) {
      offender = in.readAllBytes();
    }
    List<String> found = violations(List.of(offender));
    assertThat(found)
        .hasSize(2)
        .anyMatch(v -> v.contains("sleepsInASynchronizedMethod") && v.contains("Thread.sleep"))
        .anyMatch(
            v ->
                v.contains("parksInABlockThroughAHelper")
                    && v.contains("waitABit -> java.util.concurrent.locks.LockSupport.parkNanos"));
  }

  /** Each place in {@code classes} that calls something blocking while it holds a monitor. */
  static List<String> violations(List<byte[]> classes) {
    Map<MethodRef, MethodCalls> methods = new HashMap<>();
    for (byte[] bytes : classes) {
      scan(bytes, methods);
    }
    Map<MethodRef, MethodRef> blocking = blockingMethods(methods);
    List<String> violations = new ArrayList<>();
    for (Map.Entry<MethodRef, MethodCalls> e : methods.entrySet()) {
      String where = e.getKey().toString();
      for (MethodRef call : e.getValue().underMonitor) {
        if (isBlockingJdkCall(call) || blocking.containsKey(call)) {
          violations.add(where + " holds a monitor around " + chain(call, blocking));
        }
      }
    }
    Collections.sort(violations);
    return violations;
  }

  /**
   * The jmesh methods that block — call a blocking JDK method, or a jmesh method that does — each
   * with the call that makes it block.
   */
  private static Map<MethodRef, MethodRef> blockingMethods(Map<MethodRef, MethodCalls> methods) {
    Map<MethodRef, MethodRef> blocking = new HashMap<>();
    boolean grew = true;
    while (grew) {
      grew = false;
      for (Map.Entry<MethodRef, MethodCalls> e : methods.entrySet()) {
        if (blocking.containsKey(e.getKey()) || NEVER_BLOCKS.containsKey(e.getKey().toString())) {
          continue;
        }
        for (MethodRef call : e.getValue().calls) {
          if (isBlockingJdkCall(call) || blocking.containsKey(call)) {
            blocking.put(e.getKey(), call);
            grew = true;
            break;
          }
        }
      }
    }
    return blocking;
  }

  /** {@code a -> b -> … -> the blocking JDK call}, for the failure message. */
  private static String chain(MethodRef call, Map<MethodRef, MethodRef> blocking) {
    StringBuilder out = new StringBuilder(call.toString());
    Set<MethodRef> visited = new HashSet<>();
    MethodRef next = blocking.get(call);
    while (next != null && visited.add(next)) {
      out.append(" -> ").append(next);
      next = blocking.get(next);
    }
    return out.toString();
  }

  private static boolean isBlockingJdkCall(MethodRef call) {
    String name = call.owner() + "." + call.name();
    for (String b : BLOCKING) {
      if (name.startsWith(b)) {
        return true;
      }
    }
    return false;
  }

  private static void scan(byte[] bytes, Map<MethodRef, MethodCalls> methods) {
    new ClassReader(bytes)
        .accept(
            new ClassVisitor(Opcodes.ASM9) {
              private String owner;

              @Override
              public void visit(
                  int version,
                  int access,
                  String name,
                  String signature,
                  String superName,
                  String[] interfaces) {
                owner = name;
              }

              @Override
              public MethodVisitor visitMethod(
                  int access, String name, String descriptor, String signature, String[] ex) {
                MethodCalls calls = new MethodCalls();
                methods.put(new MethodRef(owner, name, descriptor), calls);
                boolean synchronizedMethod = (access & Opcodes.ACC_SYNCHRONIZED) != 0;
                return new MethodVisitor(Opcodes.ASM9) {
                  private int monitors;

                  @Override
                  public void visitInsn(int opcode) {
                    if (opcode == Opcodes.MONITORENTER) {
                      monitors++;
                    } else if (opcode == Opcodes.MONITOREXIT) {
                      // javac also exits in the exception handler: never below zero.
                      monitors = Math.max(0, monitors - 1);
                    }
                  }

                  @Override
                  public void visitMethodInsn(
                      int opcode, String callOwner, String callName, String desc, boolean itf) {
                    MethodRef call = new MethodRef(callOwner, callName, desc);
                    calls.calls.add(call);
                    if (synchronizedMethod || monitors > 0) {
                      calls.underMonitor.add(call);
                    }
                  }
                };
              }
            },
            ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
  }

  /** The bytes of every class under {@code dev/jmesh} on the class path, tests excluded. */
  private static List<byte[]> jmeshClasses() throws IOException, URISyntaxException {
    List<byte[]> out = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    Enumeration<URL> roots =
        NoBlockingUnderSynchronizedTest.class.getClassLoader().getResources("dev/jmesh");
    while (roots.hasMoreElements()) {
      URL root = roots.nextElement();
      if (root.toString().contains("test-classes") || root.toString().contains("-tests.jar")) {
        continue;
      }
      if (root.getProtocol().equals("file")) {
        try (Stream<Path> files = Files.walk(Path.of(root.toURI()))) {
          for (Path p : (Iterable<Path>) files::iterator) {
            if (p.toString().endsWith(".class") && seen.add(p.toString())) {
              out.add(Files.readAllBytes(p));
            }
          }
        }
      } else if (root.getProtocol().equals("jar")) {
        JarURLConnection c = (JarURLConnection) root.openConnection();
        c.setUseCaches(false);
        try (JarFile jar = c.getJarFile()) {
          for (JarEntry entry : Collections.list(jar.entries())) {
            String name = entry.getName();
            if (name.startsWith("dev/jmesh/")
                && name.endsWith(".class")
                && seen.add(jar.getName() + "!" + name)) {
              try (InputStream in = jar.getInputStream(entry)) {
                out.add(in.readAllBytes());
              }
            }
          }
        }
      }
    }
    return out;
  }
}
