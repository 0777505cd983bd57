package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandOffTest {

  @TempDir Path tmp;

  @Test
  void aFullRingDropsAndCountsInsteadOfBlocking() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger appended = new AtomicInteger();
    EntrySink stuck =
        new EntrySink() {
          @Override
          public void append(EntryBuffer payload) {
            writing.countDown();
            try {
              // The disk hangs: the writer thread is stuck here until the test lets go.
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            appended.incrementAndGet();
          }

          @Override
          public void close() {}
        };
    JournalSettings settings = JournalSettings.builder(tmp).ringCapacity(8).build();
    try (Journal journal = Journal.openWith(settings, () -> stuck)) {
      JournalRecord record = SampleRecords.reviews(new JournalRecord(), 1, 1L);
      assertThat(journal.offer(record)).isTrue();
      assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();

      long started = System.nanoTime();
      int accepted = 0;
      for (int i = 0; i < 100; i++) {
        if (journal.offer(record)) {
          accepted++;
        }
      }
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      // The slot being written is still taken, so 7 of the 8 are free.
      assertThat(accepted).isEqualTo(7);
      assertThat(journal.dropped()).isEqualTo(93);
      assertThat(tookMillis).as("100 offers against a stuck writer").isLessThan(1000);
      release.countDown();
    }
    assertThat(appended.get()).isEqualTo(8);
  }

  @Test
  void aFailingDiskIsCountedAndTheWriterGoesOn() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    EntrySink flaky =
        new EntrySink() {
          @Override
          public void append(EntryBuffer payload) {
            if (calls.incrementAndGet() % 2 == 0) {
              throw new IllegalStateException("No space left on device");
            }
          }

          @Override
          public void close() {}
        };
    try (Journal journal = Journal.openWith(JournalSettings.builder(tmp).build(), () -> flaky)) {
      JournalRecord record = SampleRecords.reviews(new JournalRecord(), 1, 1L);
      for (int i = 0; i < 10; i++) {
        assertThat(journal.offer(record)).isTrue();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (journal.appended() + journal.failed() < 10 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(journal.appended()).isEqualTo(5);
      assertThat(journal.failed()).isEqualTo(5);
      assertThat(journal.dropped()).isZero();
    }
  }

  @Test
  void aJvmWithoutChroniclesAccessFailsToOpenAtOnceNamingTheFlags() {
    long started = System.nanoTime();
    assertThatThrownBy(
            () ->
                Journal.openWith(
                    JournalSettings.builder(tmp).build(),
                    () -> {
                      // What Chronicle throws when sun.nio.ch is not exported to it.
                      throw new AssertionError(
                          new IllegalAccessException("member is private: FileChannelImpl.map0"));
                    }))
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("--add-exports java.base/sun.nio.ch=ALL-UNNAMED")
        .hasMessageContaining("--add-opens java.base/java.lang.reflect=ALL-UNNAMED");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
  }

  @Test
  void manyProducersLoseNothingWhenTheRingHasRoom() throws Exception {
    Path dir = tmp.resolve("journal");
    int threads = 4;
    int perThread = 5000;
    try (Journal journal =
        Journal.open(JournalSettings.builder(dir).ringCapacity(1 << 16).build())) {
      Thread[] producers = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        int id = t;
        producers[t] =
            new Thread(
                () -> {
                  JournalRecord r = new JournalRecord();
                  for (int i = 0; i < perThread; i++) {
                    SampleRecords.reviews(r, i, 1L).requestId(id + "-" + i);
                    journal.offer(r);
                  }
                });
        producers[t].start();
      }
      for (Thread p : producers) {
        p.join(30_000);
      }
      assertThat(journal.dropped()).isZero();
    }
    Set<String> ids = new HashSet<>();
    for (JournalEntry e : JournalRoundTripTest.readAll(dir)) {
      ids.add(e.requestId());
    }
    assertThat(ids).hasSize(threads * perThread);
  }

  @Test
  void aWrittenSlotKeepsNothingOfTheRequest() throws Exception {
    // A slot lives in the old generation for the journal's life: a reference to a request's string
    // stored into it would dirty a GC card for the next young collection to scan, and keep the
    // string alive for a lap of the ring. A slot is bytes, so it can hold no reference at all.
    CountDownLatch written = new CountDownLatch(1);
    EntryBuffer[] slot = new EntryBuffer[1];
    JournalEntry[] seen = new JournalEntry[1];
    EntrySink capture =
        new EntrySink() {
          @Override
          public void append(EntryBuffer payload) {
            slot[0] = payload;
            seen[0] = JournalTesting.decode(payload);
            written.countDown();
          }

          @Override
          public void close() {}
        };
    JournalSettings settings = JournalSettings.builder(tmp).ringCapacity(8).build();
    try (Journal journal = Journal.openWith(settings, () -> capture)) {
      JournalRecord record =
          SampleRecords.reviews(new JournalRecord(), 1, 1L)
              .request("GET", "reviews:9080", "/reviews/42")
              .addRequestHeader("x-user", "jason");
      assertThat(journal.offer(record)).isTrue();
      assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen[0].path()).isEqualTo("/reviews/42");
    assertThat(seen[0].requestHeaders()).containsExactly(new JournalHeader("x-user", "jason"));
    for (Field field : slot[0].getClass().getDeclaredFields()) {
      assertThat(field.getType() == byte[].class || field.getType().isPrimitive())
          .as("slot field " + field + " holds bytes or a number")
          .isTrue();
    }
  }

  @Test
  void anEntrysBytesDoNotChangeWhenTheCallerRefillsItsRecordRightAfterOffer() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<JournalEntry> written = new CopyOnWriteArrayList<>();
    EntrySink late =
        new EntrySink() {
          @Override
          public void append(EntryBuffer payload) {
            try {
              // The writer reads the slot only after the caller has moved on to its next request.
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            written.add(JournalTesting.decode(payload));
          }

          @Override
          public void close() {}
        };
    JournalSettings settings =
        JournalSettings.builder(tmp).ringCapacity(8).maxBodyBytes(64).build();
    try (Journal journal = Journal.openWith(settings, () -> late)) {
      byte[] body = "{\"rating\":5}".getBytes(StandardCharsets.UTF_8);
      JournalRecord r =
          SampleRecords.reviews(new JournalRecord(), 1, 1L)
              .addRequestHeader("x-user", "jason")
              .requestBody(body, 0, body.length);
      assertThat(journal.offer(r)).isTrue();
      Arrays.fill(body, (byte) 'x');
      SampleRecords.reviews(r, 2, 2L).addRequestHeader("x-user", "kate").responseCode(418);
      assertThat(journal.offer(r)).isTrue();
      r.reset();
      release.countDown();
    }
    assertThat(written).hasSize(2);
    JournalEntry first = written.get(0);
    assertThat(first.path()).isEqualTo("/reviews/1");
    assertThat(first.requestId()).isEqualTo("req-1");
    assertThat(first.startEpochMillis()).isEqualTo(1L);
    assertThat(first.responseCode()).isEqualTo(200);
    assertThat(first.requestHeaders()).containsExactly(new JournalHeader("x-user", "jason"));
    assertThat(new String(first.requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"rating\":5}");
    JournalEntry second = written.get(1);
    assertThat(second.path()).isEqualTo("/reviews/2");
    assertThat(second.responseCode()).isEqualTo(418);
    assertThat(second.requestHeaders()).containsExactly(new JournalHeader("x-user", "kate"));
    assertThat(second.requestBody()).isEmpty();
  }

  @Test
  void credentialsAreRedactedBeforeTheEntryLeavesTheRequestThread() throws Exception {
    CountDownLatch written = new CountDownLatch(1);
    byte[][] bytes = new byte[1][];
    JournalEntry[] seen = new JournalEntry[1];
    EntrySink capture =
        new EntrySink() {
          @Override
          public void append(EntryBuffer payload) {
            bytes[0] = Arrays.copyOf(payload.array(), payload.length());
            seen[0] = JournalTesting.decode(payload);
            written.countDown();
          }

          @Override
          public void close() {}
        };
    JournalSettings settings =
        JournalSettings.builder(tmp).redactHeaders(List.of("X-Api-Key")).build();
    try (Journal journal = Journal.openWith(settings, () -> capture)) {
      JournalRecord r =
          SampleRecords.reviews(new JournalRecord(), 1, 1L)
              .addRequestHeader("Authorization", "Bearer s3cr3t-token")
              .addRequestHeader("x-api-key", "s3cr3t-key")
              .addRequestHeader("accept", "application/json")
              .addResponseHeader("Set-Cookie", "id=s3cr3t-cookie");
      assertThat(journal.offer(r)).isTrue();
      assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(new String(bytes[0], StandardCharsets.ISO_8859_1)).doesNotContain("s3cr3t");
    assertThat(seen[0].requestHeaders())
        .containsExactly(
            new JournalHeader("Authorization", EntryCodec.REDACTED),
            new JournalHeader("x-api-key", EntryCodec.REDACTED),
            new JournalHeader("accept", "application/json"));
    assertThat(seen[0].responseHeaders())
        .containsExactly(new JournalHeader("Set-Cookie", EntryCodec.REDACTED));
  }

  @Test
  void aRecordThatCannotBeEncodedIsCountedAsFailedAndTheEntriesAfterItAreWritten()
      throws Exception {
    List<String> written = new CopyOnWriteArrayList<>();
    List<String> said = new CopyOnWriteArrayList<>();
    EntrySink capture =
        new EntrySink() {
          @Override
          public void append(EntryBuffer payload) {
            written.add(JournalTesting.decode(payload).requestId());
          }

          @Override
          public void close() {}
        };
    JournalSettings settings = JournalSettings.builder(tmp).ringCapacity(8).build();
    try (Journal journal =
        Journal.openWith(settings, () -> capture, new JournalLog(said::add))) {
      JournalRecord r = new JournalRecord();
      for (int i = 0; i < 6; i++) {
        SampleRecords.reviews(r, i, 1L);
        if (i % 2 == 1) {
          r.reporter(null); // a caller's bug: the encoder throws a NullPointerException
        }
        assertThat(journal.offer(r)).isTrue();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (journal.appended() + journal.failed() < 6 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(journal.appended()).isEqualTo(3);
      assertThat(journal.failed()).isEqualTo(3);
      assertThat(journal.dropped()).isZero();
      assertThat(journal.pending()).isZero();
    }
    assertThat(written).containsExactly("req-0", "req-2", "req-4");
    assertThat(said).hasSize(1);
    assertThat(said.get(0))
        .contains("an entry could not be encoded")
        .contains("NullPointerException");
  }

  /**
   * The request thread now encodes the entry, so it must do it without allocating: strings of any
   * script, redaction, cut values and bodies included. Measured with the thread's own allocation
   * counter once every slot has grown to the entry's size.
   */
  @Test
  void offeringAWarmRecordAllocatesNothingOnTheRequestThread() throws Exception {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    int ring = 1024;
    JournalSettings settings =
        JournalSettings.builder(tmp)
            .ringCapacity(ring)
            .maxHeaderValueChars(12)
            .maxBodyBytes(32)
            .build();
    byte[] body = new byte[100];
    try (Journal journal = JournalTesting.openDiscarding(settings)) {
      JournalRecord r = new JournalRecord();
      int calls = 20_000;
      offerWarmRecords(journal, r, body, ring, calls); // warm: JIT and the slots' sizes
      long before = threads.getThreadAllocatedBytes(self);
      offerWarmRecords(journal, r, body, ring, calls);
      long allocated = threads.getThreadAllocatedBytes(self) - before;
      assertThat((double) allocated / calls).as("bytes per offer").isLessThan(1.0);
      assertThat(journal.failed()).isZero();
    }
  }

  private static void offerWarmRecords(
      Journal journal, JournalRecord r, byte[] body, int ring, int calls) {
    for (int i = 0; i < calls; i++) {
      while (journal.pending() > ring / 2) {
        Thread.yield(); // every call a hand-off, not a drop
      }
      r.reset()
          .reporter(JournalReporter.DESTINATION)
          .start(1_790_000_000_000L + i)
          .source("productpage-v1", "default", "spiffe://cluster.local/ns/default/sa/productpage")
          .destination("reviews-v2", "default", "spiffe://cluster.local/ns/default/sa/reviews")
          .request("GET", "bücher:9080", "/café/\uD83D\uDE00")
          .requestId("req")
          .responseCode(200)
          .addRequestHeader("authorization", "Bearer abc")
          .addRequestHeader("accept", "application/json")
          .addRequestHeader("x-name", "naïve-ünïcödé-\uD83D\uDE00")
          .addResponseHeader("content-type", "text/plain")
          .requestBody(body, 0, body.length)
          .responseBody(body, 10, 20);
      if (!journal.offer(r)) {
        throw new AssertionError("offer " + i + " dropped");
      }
    }
  }
}
