package dev.jmesh.testsuite.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test creates for itself, joined to the test's own namespace by a veth pair
 * on a private /30 the test picks ({@code 10.200-249.x.0/30}, checked unused): the host side is
 * {@link #hostAddress()}, the namespace side {@link #workloadAddress()}, the default route inside
 * points at the host side. {@link #close()} kills what still runs inside and removes the namespace,
 * the veth pair and {@code /etc/netns/NAME}. Needs root and {@code ip netns}; without them {@link
 * #create} fails, saying so, rather than letting the test skip.
 */
public final class NetworkNamespace implements AutoCloseable {

  /** What ran, how it ended and what it printed (stdout and stderr together). */
  public record Run(int exitCode, String output) {}

  private final String name;
  private final String hostVeth;
  private final String hostAddress;
  private final String workloadAddress;

  private NetworkNamespace(
      String name, String hostVeth, String hostAddress, String workloadAddress) {
    this.name = name;
    this.hostVeth = hostVeth;
    this.hostAddress = hostAddress;
    this.workloadAddress = workloadAddress;
  }

  public static NetworkNamespace create(String prefix) {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new AssertionError(
          "this test creates a network namespace and iptables rules, which needs root; it runs"
              + " as "
              + System.getProperty("user.name")
              + ": run it as root (the CI machines do)");
    }
    Run probe = run(List.of("ip", "netns", "list"));
    if (probe.exitCode() != 0) {
      throw new AssertionError(
          "'ip netns list' failed ("
              + probe.output().strip()
              + "): this test needs iproute2's ip netns (Debian: iproute2)");
    }
    String id = Long.toHexString(ThreadLocalRandom.current().nextLong(1L << 24, 1L << 28));
    String subnet = freeSubnet();
    NetworkNamespace ns =
        new NetworkNamespace(
            prefix + "-" + ProcessHandle.current().pid() + "-" + id,
            "jmc" + id + "h",
            subnet + ".1",
            subnet + ".2");
    String peer = "jmc" + id + "n";
    try {
      ns.must("ip", "netns", "add", ns.name);
      ns.must("ip", "link", "add", ns.hostVeth, "type", "veth", "peer", "name", peer);
      ns.must("ip", "link", "set", peer, "netns", ns.name);
      ns.must("ip", "addr", "add", ns.hostAddress + "/30", "dev", ns.hostVeth);
      ns.must("ip", "link", "set", ns.hostVeth, "up");
      ns.must("ip", "-n", ns.name, "addr", "add", ns.workloadAddress + "/30", "dev", peer);
      ns.must("ip", "-n", ns.name, "link", "set", peer, "up");
      ns.must("ip", "-n", ns.name, "link", "set", "lo", "up");
      ns.must("ip", "-n", ns.name, "route", "add", "default", "via", ns.hostAddress);
    } catch (RuntimeException | Error e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  /** A 10.x.y.0/30 no interface of this host has an address in (x, y random). */
  private static String freeSubnet() {
    String addresses = run(List.of("ip", "-4", "-o", "addr")).output();
    for (int i = 0; i < 50; i++) {
      String subnet =
          "10."
              + ThreadLocalRandom.current().nextInt(200, 250)
              + "."
              + ThreadLocalRandom.current().nextInt(0, 256)
              + ".";
      if (!addresses.contains(" " + subnet)) {
        return subnet.substring(0, subnet.length() - 1);
      }
    }
    throw new AssertionError("no free 10.200-249.x.0/30 subnet for the test's veth pair");
  }

  public String name() {
    return name;
  }

  /** The veth address on the test's side: where the control plane and the meshed JVM listen. */
  public String hostAddress() {
    return hostAddress;
  }

  /** The veth address inside the namespace: the workload's. */
  public String workloadAddress() {
    return workloadAddress;
  }

  /** The command inside the namespace, as {@code ip netns exec} runs it (with its /etc/netns). */
  public List<String> inside(String... command) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
    all.addAll(List.of(command));
    return all;
  }

  /** Runs {@code command} inside the namespace to its end (bounded). */
  public Run exec(String... command) {
    return run(inside(command));
  }

  private void must(String... command) {
    Run r = run(List.of(command));
    if (r.exitCode() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + r.output().strip());
    }
  }

  public static Run run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] output = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not end in 30 s");
      }
      return new Run(p.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + String.join(" ", command), e);
    }
  }

  /** Removes everything {@link #create} made, whatever state it is in; never throws. */
  @Override
  public void close() {
    // Only processes inside this namespace, all of them this test's.
    for (String pid : run(List.of("ip", "netns", "pids", name)).output().split("\\s+")) {
      if (pid.matches("\\d+")) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    run(List.of("ip", "netns", "del", name));
    // Deleting the namespace deletes the pair; this is for a pair whose peer never moved in.
    run(List.of("ip", "link", "del", hostVeth));
    Path etc = Path.of("/etc/netns", name);
    try {
      if (Files.isDirectory(etc)) {
        try (var files = Files.list(etc)) {
          for (Path f : files.toList()) {
            Files.deleteIfExists(f);
          }
        }
        Files.deleteIfExists(etc);
      }
    } catch (IOException e) {
      System.err.println("[capture-test] cannot remove " + etc + ": " + e);
    }
  }
}
