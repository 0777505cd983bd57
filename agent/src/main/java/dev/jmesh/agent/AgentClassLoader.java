package dev.jmesh.agent;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The agent's own class loader: it loads the agent, the data path and every third-party library
 * they use from the {@code inst/} folder of mesh.jar, where no application class loader looks.
 * Its parent is the platform class loader, so it sees the JDK and the bootstrap bridge but none
 * of the application's classes; an application with its own Netty, protobuf, gRPC or ByteBuddy
 * and the agent never share a class.
 *
 * <p>mesh.jar itself is not a multi-release jar; the loader resolves {@code
 * inst/META-INF/versions/N/} entries for the running Java version itself, newest first.
 */
public final class AgentClassLoader extends ClassLoader {

  static final String PREFIX = "inst/";

  static {
    registerAsParallelCapable();
  }

  private final JarFile jar;
  private final URL jarUrl;
  private final ProtectionDomain protectionDomain;
  /** The multi-release versions mesh.jar has for this Java, newest first; usually none. */
  private final int[] versions;

  public AgentClassLoader(File jarFile) throws IOException {
    super("jmesh-agent", ClassLoader.getPlatformClassLoader());
    this.jar = new JarFile(jarFile, false);
    this.jarUrl = jarFile.toURI().toURL();
    this.protectionDomain =
        new ProtectionDomain(new CodeSource(jarUrl, (Certificate[]) null), null, this, null);
    this.versions = versionsPresent(jar, Runtime.version().feature());
  }

  /**
   * Looks up each {@code inst/META-INF/versions/N/} folder once, so that a class lookup costs
   * one probe per version the jar actually has rather than one per Java release since 9.
   */
  private static int[] versionsPresent(JarFile jar, int javaFeature) {
    int[] found = new int[javaFeature];
    int count = 0;
    for (int v = javaFeature; v >= 9; v--) {
      if (jar.getEntry(PREFIX + "META-INF/versions/" + v + "/") != null) {
        found[count++] = v;
      }
    }
    return java.util.Arrays.copyOf(found, count);
  }

  /** mesh.jar, open for the life of the JVM. */
  public JarFile jar() {
    return jar;
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    String path = name.replace('.', '/') + ".class";
    JarEntry entry = entry(path);
    if (entry == null) {
      throw new ClassNotFoundException(name);
    }
    byte[] bytes;
    try (InputStream in = jar.getInputStream(entry)) {
      bytes = readAll(in, (int) entry.getSize());
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
    definePackageOf(name);
    return defineClass(name, bytes, 0, bytes.length, protectionDomain);
  }

  private void definePackageOf(String className) {
    int dot = className.lastIndexOf('.');
    if (dot > 0) {
      String pkg = className.substring(0, dot);
      if (getDefinedPackage(pkg) == null) {
        try {
          definePackage(pkg, null, null, null, null, null, null, null);
        } catch (IllegalArgumentException concurrentlyDefined) {
          // another thread defined it first
        }
      }
    }
  }

  /**
   * A {@code jar:} URL whose stream is read from the already-open mesh.jar. A plain one would be
   * opened by the JDK's jar URL cache, reading the large central directory a second time.
   */
  @Override
  protected URL findResource(String name) {
    JarEntry entry = entry(name);
    if (entry == null) {
      return null;
    }
    try {
      return new URL(null, "jar:" + jarUrl + "!/" + entry.getName(), new OpenJarHandler(entry));
    } catch (MalformedURLException e) {
      return null;
    }
  }

  /** Serves one entry of mesh.jar from the loader's own {@link JarFile}. */
  private final class OpenJarHandler extends URLStreamHandler {
    private final JarEntry entry;

    OpenJarHandler(JarEntry entry) {
      this.entry = entry;
    }

    @Override
    protected URLConnection openConnection(URL url) {
      return new URLConnection(url) {
        @Override
        public void connect() {
          connected = true;
        }

        @Override
        public InputStream getInputStream() throws IOException {
          return jar.getInputStream(entry);
        }

        @Override
        public long getContentLengthLong() {
          return entry.getSize();
        }
      };
    }
  }

  @Override
  protected Enumeration<URL> findResources(String name) {
    URL url = findResource(name);
    return url == null ? Collections.emptyEnumeration() : Collections.enumeration(
        Collections.singletonList(url));
  }

  /** The newest versioned entry for this Java release, else the plain one. */
  private JarEntry entry(String path) {
    for (int v : versions) {
      JarEntry versioned = jar.getJarEntry(PREFIX + "META-INF/versions/" + v + "/" + path);
      if (versioned != null) {
        return versioned;
      }
    }
    return jar.getJarEntry(PREFIX + path);
  }

  private static byte[] readAll(InputStream in, int sizeHint) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint > 0 ? sizeHint : 8192);
    byte[] buffer = new byte[8192];
    int n;
    while ((n = in.read(buffer)) > 0) {
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }
}
