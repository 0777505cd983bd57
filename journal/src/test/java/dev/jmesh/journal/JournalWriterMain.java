package dev.jmesh.journal;

import java.nio.file.Path;

/**
 * A writer JVM for the crash test: journals entries into {@code args[0]} forever, printing {@code
 * appended N} each time the writer has appended another {@code args[1]} entries, until killed.
 */
public final class JournalWriterMain {

  private JournalWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int step = Integer.parseInt(args[1]);
    long limit = args.length > 2 ? Long.parseLong(args[2]) : Long.MAX_VALUE;
    Journal journal = Journal.open(JournalSettings.builder(dir).build());
    JournalRecord record = new JournalRecord();
    long printed = 0;
    for (int n = 0; n < limit; n++) {
      SampleRecords.reviews(record, n, System.currentTimeMillis());
      while (!journal.offer(record)) {
        Thread.onSpinWait();
      }
      long appended = journal.appended();
      if (appended - printed >= step) {
        // Only what the writer has completed: the test expects at least this many after kill -9.
        System.out.println("appended " + appended);
        System.out.flush();
        printed = appended;
      }
      if (n % 64 == 0) {
        Thread.sleep(1);
      }
    }
    journal.close();
    System.out.println("closed " + journal.appended());
  }
}
