package dev.jmesh.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.bootstrap.MeshBridge;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.api.BridgeHook;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BridgeHookWeaverTest {

  private static final String ADDRESS = "Ljava/net/SocketAddress;";
  private static final InetSocketAddress ASKED = new InetSocketAddress("127.0.0.1", 1111);
  private static final InetSocketAddress REPLACED = new InetSocketAddress("127.0.0.1", 2222);

  /** What the woven code hands the bridge. */
  private final List<Object> seen = new ArrayList<>();

  @AfterEach
  void uninstall() {
    MeshHooks.uninstall();
  }

  /** Stand-in for the JDK classes: same method shapes, loaded from woven bytes. */
  public static class FakeServer extends ServerSocket {
    public SocketAddress connected;

    public FakeServer() throws IOException {
      super();
    }

    public void connect(SocketAddress endpoint, int timeout) {
      connected = endpoint;
    }

    public void open(SocketAddress endpoint, int backlog) {}

    public SocketChannel pick(SocketChannel channel) {
      return channel;
    }

    public SocketAddress bound;

    public void bindTo(SocketAddress endpoint, int backlog) {
      bound = endpoint;
    }

    public int port() {
      return 1111;
    }

    /** A loop, so the method has stack map frames of its own after the woven branch. */
    public static InetAddress[] lookup(String host) throws UnknownHostException {
      InetAddress[] out = new InetAddress[2];
      for (int i = 0; i < out.length; i++) {
        out[i] = InetAddress.getByAddress(host, new byte[] {10, 0, 0, (byte) i});
      }
      return out;
    }
  }

  @Test
  void passesThisWithAnArgumentOrReturnValueAndCanAnswerForAMethod() throws Exception {
    MeshHooks.install(new RecordingBridge());
    String name = FakeServer.class.getName();
    String server = "Ljava/net/ServerSocket;";
    List<BridgeHook> hooks = List.of(
        BridgeHook.replaceArgumentWithThisOnEnter(name, "bindTo", "(" + ADDRESS + "I)V", 0,
            "beforeBind", "(" + server + ADDRESS + ")" + ADDRESS),
        BridgeHook.replaceReturnValueWithThisOnExit(name, "port", "()I",
            "reportedPort", "(" + server + "I)I"),
        BridgeHook.answerOnEnter(name, "lookup", "(Ljava/lang/String;)[Ljava/net/InetAddress;", 0,
            "resolve", "(Ljava/lang/String;)[Ljava/net/InetAddress;"));

    BridgeHookWeaver.Result result = BridgeHookWeaver.weave(bytesOf(FakeServer.class), hooks);
    assertThat(result.applied()).containsExactlyInAnyOrderElementsOf(hooks);
    Class<?> woven = new WovenLoader(name, result.classfile()).loadClass(name);
    Object fake = woven.getConstructor().newInstance();
    try {
      woven.getMethod("bindTo", SocketAddress.class, int.class).invoke(fake, ASKED, 5);
      assertThat(woven.getField("bound").get(fake)).isEqualTo(REPLACED);
      assertThat(woven.getMethod("port").invoke(fake)).isEqualTo(2222);

      InetAddress[] answered = (InetAddress[]) woven.getMethod("lookup", String.class)
          .invoke(null, "reviews");
      assertThat(answered).hasSize(1);
      assertThat(answered[0].getHostAddress()).isEqualTo("240.240.0.1");
      InetAddress[] asUsual = (InetAddress[]) woven.getMethod("lookup", String.class)
          .invoke(null, "elsewhere");
      assertThat(asUsual).as("a null answer lets the method run").hasSize(2);
      assertThat(seen).containsExactly(fake, ASKED, fake, 1111, "reviews", "elsewhere");
    } finally {
      ((ServerSocket) fake).close();
    }
  }

  @Test
  void replacesAnArgumentOnEnterAndPassesThisArgumentAndReturnValueOnExit() throws Exception {
    MeshHooks.install(new RecordingBridge());
    String name = FakeServer.class.getName();
    List<BridgeHook> hooks = List.of(
        BridgeHook.replaceArgumentOnEnter(name, "connect", "(" + ADDRESS + "I)V", 0,
            "beforeConnect", "(" + ADDRESS + ")" + ADDRESS),
        BridgeHook.passThisOnExit(name, "open", "(" + ADDRESS + "I)V",
            "afterBind", "(Ljava/net/ServerSocket;)V"),
        BridgeHook.passReturnValueOnExit(name, "pick",
            "(Ljava/nio/channels/SocketChannel;)Ljava/nio/channels/SocketChannel;",
            "afterAccept", "(Ljava/nio/channels/SocketChannel;)V"));

    BridgeHookWeaver.Result result = BridgeHookWeaver.weave(bytesOf(FakeServer.class), hooks);
    assertThat(result.applied()).containsExactlyInAnyOrderElementsOf(hooks);

    Class<?> woven = new WovenLoader(name, result.classfile()).loadClass(name);
    Object server = woven.getConstructor().newInstance();
    try (SocketChannel channel = SocketChannel.open()) {
      woven.getMethod("connect", SocketAddress.class, int.class).invoke(server, ASKED, 5);
      woven.getMethod("open", SocketAddress.class, int.class).invoke(server, ASKED, 5);
      Object returned = woven.getMethod("pick", SocketChannel.class).invoke(server, channel);

      assertThat(woven.getField("connected").get(server))
          .as("the bridge's address replaced the argument").isEqualTo(REPLACED);
      assertThat(returned).as("the return value is unchanged").isSameAs(channel);
      assertThat(seen).containsExactly(ASKED, server, channel);
    } finally {
      ((ServerSocket) server).close();
    }
  }

  @Test
  void passesAnArgumentOnEnterAsAnyOfItsSupertypes() throws Exception {
    MeshHooks.install(new RecordingBridge());
    String name = FakeServer.class.getName();
    // The bridge cannot name the JDK server's exchange type: it takes it as an Object.
    List<BridgeHook> hooks = List.of(
        BridgeHook.passArgumentOnEnter(name, "pick",
            "(Ljava/nio/channels/SocketChannel;)Ljava/nio/channels/SocketChannel;", 0,
            "serverExchange", "(Ljava/lang/Object;)V"));

    BridgeHookWeaver.Result result = BridgeHookWeaver.weave(bytesOf(FakeServer.class), hooks);
    assertThat(result.applied()).containsExactlyElementsOf(hooks);
    Class<?> woven = new WovenLoader(name, result.classfile()).loadClass(name);
    Object server = woven.getConstructor().newInstance();
    try (SocketChannel channel = SocketChannel.open()) {
      Object returned = woven.getMethod("pick", SocketChannel.class).invoke(server, channel);
      assertThat(returned).isSameAs(channel);
      assertThat(seen).containsExactly(channel);
    } finally {
      ((ServerSocket) server).close();
    }
  }

  @Test
  void aHookWhoseMethodIsMissingIsNotApplied() throws Exception {
    BridgeHook missing = BridgeHook.passThisOnExit(FakeServer.class.getName(), "bind",
        "(" + ADDRESS + "J)V", "afterBind", "(Ljava/net/ServerSocket;)V");
    BridgeHookWeaver.Result result =
        BridgeHookWeaver.weave(bytesOf(FakeServer.class), List.of(missing));
    assertThat(result.applied()).isEmpty();
  }

  private static byte[] bytesOf(Class<?> type) throws IOException {
    String resource = type.getName().replace('.', '/') + ".class";
    try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
      return in.readAllBytes();
    }
  }

  /** Defines the woven class itself; everything else comes from the test's class loader. */
  private static final class WovenLoader extends ClassLoader {
    private final String name;
    private final byte[] bytes;

    WovenLoader(String name, byte[] bytes) {
      super(BridgeHookWeaverTest.class.getClassLoader());
      this.name = name;
      this.bytes = bytes;
    }

    @Override
    protected Class<?> loadClass(String className, boolean resolve)
        throws ClassNotFoundException {
      if (className.equals(name)) {
        synchronized (getClassLoadingLock(className)) {
          Class<?> c = findLoadedClass(className);
          return c != null ? c : defineClass(className, bytes, 0, bytes.length);
        }
      }
      return super.loadClass(className, resolve);
    }
  }

  private final class RecordingBridge implements MeshBridge {
    @Override
    public void serverExchange(Object exchange) {
      seen.add(exchange);
    }

    @Override
    public SocketAddress beforeConnect(SocketAddress target) {
      seen.add(target);
      return REPLACED;
    }

    @Override
    public void afterBind(ServerSocket server) {
      seen.add(server);
    }

    @Override
    public void afterBind(ServerSocketChannel server) {
      seen.add(server);
    }

    @Override
    public void afterAccept(Socket accepted) {
      seen.add(accepted);
    }

    @Override
    public void afterAccept(SocketChannel accepted) {
      seen.add(accepted);
    }

    @Override
    public SocketAddress beforeBind(Object server, SocketAddress requested) {
      seen.add(server);
      seen.add(requested);
      return REPLACED;
    }

    @Override
    public int reportedPort(Object server, int actual) {
      seen.add(server);
      seen.add(actual);
      return 2222;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
      seen.add(host);
      return host.equals("reviews")
          ? new InetAddress[] {InetAddress.getByAddress(host, new byte[] {(byte) 240, (byte) 240, 0, 1})}
          : null;
    }
  }
}
