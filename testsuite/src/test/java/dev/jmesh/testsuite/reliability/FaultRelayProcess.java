package dev.jmesh.testsuite.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.Jdk;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code test-apps/fault-relay} in a process of its own (optionally inside a network namespace,
 * {@code prefix} = {@code ip netns exec NS}), in front of one pod: the endpoint the mesh sees. The
 * test switches its faults through its control port, kills it (an endpoint gone: connections
 * refused) and starts it again on the same address.
 */
final class FaultRelayProcess implements AutoCloseable {

  private final List<String> prefix;
  private final String listen;
  private final String target;
  private final String control;
  private Process process;
  private CompletableFuture<String> ready;

  private FaultRelayProcess(List<String> prefix, String listen, String target, String control) {
    this.prefix = prefix;
    this.listen = listen;
    this.target = target;
    this.control = control;
  }

  /** Starts a relay on {@code listen} to {@code target}, controlled on {@code control}. */
  static FaultRelayProcess start(
      List<String> prefix, String listen, String target, String control) {
    FaultRelayProcess relay = launch(prefix, listen, target, control);
    relay.awaitReady();
    return relay;
  }

  /**
   * As {@link #start}, without waiting for it: several relays (and the rest of a test's set-up)
   * start side by side; {@link #awaitReady} before the first use.
   */
  static FaultRelayProcess launch(
      List<String> prefix, String listen, String target, String control) {
    FaultRelayProcess relay = new FaultRelayProcess(prefix, listen, target, control);
    relay.spawn();
    return relay;
  }

  /** Starts the relay again on its address (after {@link #kill}) and waits until it listens. */
  void start() {
    spawn();
    awaitReady();
  }

  private void spawn() {
    List<String> command = new ArrayList<>(prefix);
    command.add(Jdk.JDK17.java().toString());
    command.addAll(MeshedJvm.STANDARD_FLAGS);
    command.addAll(
        List.of(
            "-Xmx32m",
            "-jar",
            MeshPaths.testAppJar("fault-relay").toString(),
            "--listen",
            listen,
            "--target",
            target,
            "--control",
            control));
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().keySet().removeIf(k -> k.startsWith("MESH_") || k.endsWith("_OPTIONS"));
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    ready =
        CompletableFuture.supplyAsync(
            () -> {
              StringBuilder seen = new StringBuilder();
              try {
                for (String line; (line = out.readLine()) != null; ) {
                  seen.append(line).append('\n');
                  if (line.startsWith("READY fault-relay")) {
                    return line;
                  }
                }
              } catch (IOException e) {
                seen.append(e);
              }
              return "ended: " + seen;
            });
  }

  void awaitReady() {
    try {
      String line = ready.get(30, TimeUnit.SECONDS);
      assertThat(line).as("fault-relay " + listen).startsWith("READY");
    } catch (Exception e) {
      process.destroyForcibly();
      throw new AssertionError("fault-relay on " + listen + " did not start: " + e, e);
    }
  }

  /** The relay's answer to one control command ({@code ok ...}); fails on {@code error}. */
  String command(String line) {
    int colon = control.lastIndexOf(':');
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(
              control.substring(0, colon), Integer.parseInt(control.substring(colon + 1))),
          2000);
      s.setSoTimeout(5000);
      OutputStream o = s.getOutputStream();
      o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      o.flush();
      String answer =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      assertThat(answer).as("fault-relay " + listen + ": " + line).startsWith("ok");
      return answer;
    } catch (IOException e) {
      throw new AssertionError("fault-relay " + listen + " control: " + line + ": " + e, e);
    }
  }

  /** Connections the relay holds open now (hung or in flight). */
  int openConnections() {
    String status = command("status");
    return Integer.parseInt(status.replaceAll(".* open=(\\d+).*", "$1"));
  }

  /** Connections the relay has accepted since it started. */
  long accepted() {
    return Long.parseLong(command("status").replaceAll(".* accepted=(\\d+).*", "$1"));
  }

  /** The endpoint gone: its process killed, so connections to it are refused. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process != null) {
      kill();
    }
  }
}
