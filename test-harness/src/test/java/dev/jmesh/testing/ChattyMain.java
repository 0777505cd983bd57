package dev.jmesh.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** A process for the harness's own tests: echoes stdin, exits with a code, or spawns a child. */
public final class ChattyMain {

  private ChattyMain() {}

  public static void main(String[] args) throws Exception {
    System.out.println(
        "READY env=" + System.getenv("MESH_SERVICE") + " tool=" + System.getenv("JAVA_TOOL_OPTIONS"));
    System.err.println("to stderr");
    if (args.length > 0 && args[0].equals("spawn")) {
      Process child = new ProcessBuilder("sleep", "300").start();
      System.out.println("CHILD pid=" + child.pid());
    }
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("exit ")) {
        System.exit(Integer.parseInt(line.substring(5)));
      }
      System.out.println("GOT " + line);
    }
  }
}
