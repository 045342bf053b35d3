package org.asyncparallel.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.ParallelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RealInboxTest {
  /** Decodes "n" to n, recording how often and on which thread. */
  private final AtomicInteger decodes = new AtomicInteger();
  private final List<Thread> decodingThreads = new CopyOnWriteArrayList<>();
  private final RealInbox<String, Integer> inbox = new RealInbox<>(raw -> {
    decodes.incrementAndGet();
    decodingThreads.add(Thread.currentThread());
    return Integer.valueOf(raw);
  });

  private static void offerAll(RealInbox<String, Integer> inbox, int from, int to) {
    for (int i = from; i < to; i++) {
      assertThat(inbox.offer(Integer.toString(i))).isTrue();
    }
  }

  /** Starts a thread that takes once, and waits until it is blocked in take. */
  private CompletableFuture<Integer> blockedTaker() throws InterruptedException {
    var outcome = new CompletableFuture<Integer>();
    Thread taker = Thread.ofPlatform().daemon().start(() -> {
      try {
        outcome.complete(inbox.take());
      } catch (Throwable t) {
        outcome.completeExceptionally(t);
      }
    });
    awaitWaiting(taker);
    assertThat(outcome).as("the taker is still waiting").isNotDone();
    return outcome;
  }

  private static void awaitWaiting(Thread thread) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the thread never blocked: " + thread.getState());
      }
      Thread.sleep(1);
    }
  }

  private static Throwable failureOf(CompletableFuture<?> future) throws InterruptedException {
    try {
      future.get(5, TimeUnit.SECONDS);
      throw new AssertionError("completed normally with " + future.join());
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the blocked taker was not woken within 5 s", e);
    }
  }

  @Test
  void itemsComeOutInFifoOrder() throws InterruptedException {
    offerAll(inbox, 0, 1000);
    for (int i = 0; i < 1000; i++) {
      assertThat(inbox.take()).isEqualTo(i);
    }
    assertThat(inbox.poll(Duration.ZERO)).isEmpty();
  }

  @Test
  void aBatchIsQueuedInOrderAfterWhatCameBeforeAndRefusedOnceEnded() throws InterruptedException {
    inbox.offer("1");
    assertThat(inbox.offerAll(List.of("2", "3", "4"))).isTrue();
    inbox.offer("5");
    for (int i = 1; i <= 5; i++) {
      assertThat(inbox.take()).isEqualTo(i);
    }
    inbox.finish("done");
    assertThat(inbox.offerAll(List.of("6"))).isFalse();
    assertThatThrownBy(inbox::take).isInstanceOf(ChannelClosedException.class).hasMessageContaining("done");
  }

  @Test
  void aBatchWakesEveryWaitingTaker() throws Exception {
    var takers = java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      List<java.util.concurrent.Future<Integer>> taken = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        taken.add(takers.submit(() -> inbox.take()));
      }
      Thread.sleep(100); // let them wait
      inbox.offerAll(List.of("7", "8", "9"));
      java.util.Set<Integer> got = new java.util.HashSet<>();
      for (var f : taken) {
        got.add(f.get(10, java.util.concurrent.TimeUnit.SECONDS));
      }
      assertThat(got).containsExactlyInAnyOrder(7, 8, 9);
    } finally {
      takers.shutdownNow();
    }
  }

  @Test
  void decodingHappensOnTakeOnTheTakingThread() throws Exception {
    offerAll(inbox, 0, 3);
    assertThat(decodes).as("offer does not decode").hasValue(0);

    assertThat(inbox.take()).isEqualTo(0);
    assertThat(decodes).hasValue(1);
    assertThat(inbox.poll(Duration.ofSeconds(1))).contains(1);
    assertThat(decodes).hasValue(2);

    Thread taker = Thread.ofPlatform().name("the-taker").start(() -> {
      try {
        inbox.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    taker.join(5_000);
    assertThat(decodingThreads).hasSize(3);
    assertThat(decodingThreads.get(2).getName()).isEqualTo("the-taker");
  }

  @Test
  void itemThatFailsToDecodeFailsOnlyItsOwnTake() throws InterruptedException {
    inbox.offer("1");
    inbox.offer("not a number");
    inbox.offer("3");
    assertThat(inbox.take()).isEqualTo(1);
    assertThatThrownBy(inbox::take).isInstanceOf(NumberFormatException.class);
    assertThat(inbox.take()).isEqualTo(3);
  }

  @Test
  void finishStillDeliversQueuedItemsThenTakeThrowsWithTheReason() throws InterruptedException {
    offerAll(inbox, 0, 3);
    inbox.finish("the hub was closed");
    assertThat(inbox.offer("99")).as("offer after finish").isFalse();
    assertThat(inbox.take()).isEqualTo(0);
    assertThat(inbox.poll(Duration.ofMillis(10))).contains(1);
    assertThat(inbox.take()).isEqualTo(2);
    assertThatThrownBy(inbox::take)
        .isExactlyInstanceOf(ChannelClosedException.class)
        .hasMessage("the hub was closed");
    assertThatThrownBy(() -> inbox.poll(Duration.ofMillis(10)))
        .isExactlyInstanceOf(ChannelClosedException.class)
        .hasMessage("the hub was closed");
    assertThatThrownBy(inbox::take).as("still ended").isExactlyInstanceOf(ChannelClosedException.class);
  }

  @Test
  void theFirstEndReasonWins() throws InterruptedException {
    inbox.finish("first");
    inbox.finish("second");
    inbox.close();
    assertThatThrownBy(inbox::take).hasMessage("first");
  }

  @Test
  void closeDropsQueuedItems() throws InterruptedException {
    offerAll(inbox, 0, 5);
    inbox.close();
    assertThatThrownBy(inbox::take)
        .isExactlyInstanceOf(ChannelClosedException.class)
        .hasMessage("closed");
    assertThat(inbox.offer("6")).isFalse();
    assertThat(decodes).as("dropped items are never decoded").hasValue(0);
    inbox.close(); // idempotent
    assertThatThrownBy(() -> inbox.poll(Duration.ofSeconds(1))).isExactlyInstanceOf(ChannelClosedException.class);
  }

  @Test
  void closeAfterFinishDropsTheRestButKeepsTheReason() throws InterruptedException {
    offerAll(inbox, 0, 5);
    inbox.finish("peer gone");
    assertThat(inbox.take()).isEqualTo(0);
    inbox.close();
    assertThatThrownBy(inbox::take).isExactlyInstanceOf(ChannelClosedException.class).hasMessage("peer gone");
  }

  @Test
  void closeWakesABlockedTaker() throws InterruptedException {
    CompletableFuture<Integer> taker = blockedTaker();
    inbox.close();
    assertThat(failureOf(taker)).isExactlyInstanceOf(ChannelClosedException.class).hasMessage("closed");
  }

  @Test
  void finishWakesABlockedTakerWithTheReason() throws InterruptedException {
    CompletableFuture<Integer> taker = blockedTaker();
    inbox.finish("the channel ended: EOF");
    assertThat(failureOf(taker)).isExactlyInstanceOf(ChannelClosedException.class)
        .hasMessage("the channel ended: EOF");
  }

  @Test
  void offerWakesABlockedTaker() throws Exception {
    CompletableFuture<Integer> taker = blockedTaker();
    inbox.offer("42");
    assertThat(taker.get(5, TimeUnit.SECONDS)).isEqualTo(42);
  }

  @Test
  void closeWakesEveryBlockedTaker() throws InterruptedException {
    List<CompletableFuture<Integer>> takers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      takers.add(blockedTaker());
    }
    inbox.close();
    for (var taker : takers) {
      assertThat(failureOf(taker)).isExactlyInstanceOf(ChannelClosedException.class);
    }
  }

  @Test
  void interruptingABlockedTakerThrowsInterruptedException() throws InterruptedException {
    var outcome = new CompletableFuture<Integer>();
    Thread taker = Thread.ofPlatform().daemon().start(() -> {
      try {
        outcome.complete(inbox.take());
      } catch (Throwable t) {
        outcome.completeExceptionally(t);
      }
    });
    awaitWaiting(taker);
    taker.interrupt();
    assertThat(failureOf(outcome)).isInstanceOf(InterruptedException.class);
  }

  @Test
  void pollReturnsEmptyOnTimeout() throws InterruptedException {
    long start = System.nanoTime();
    Optional<Integer> none = inbox.poll(Duration.ofMillis(200));
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(none).isEmpty();
    assertThat(waitedMillis).as("waited about the timeout").isBetween(150L, 5_000L);
    assertThat(inbox.poll(Duration.ZERO)).isEmpty();
    assertThat(inbox.poll(Duration.ofMillis(-5))).isEmpty();
    assertThat(decodes).hasValue(0);
  }

  @Test
  void pollReturnsAnItemThatArrivesWhileWaiting() throws InterruptedException {
    Thread.ofPlatform().daemon().start(() -> {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
      inbox.offer("7");
    });
    assertThat(inbox.poll(Duration.ofSeconds(10))).contains(7);
    inbox.offer("8");
    assertThat(inbox.poll(Duration.ZERO)).as("an item already there, zero timeout").contains(8);
  }

  @Test
  void iterationEndsNormallyAfterFinish() {
    offerAll(inbox, 0, 10);
    inbox.finish("done");
    List<Integer> seen = new ArrayList<>();
    for (int item : inbox) {
      seen.add(item);
    }
    assertThat(seen).containsExactlyElementsOf(IntStream.range(0, 10).boxed().toList());
    Iterator<Integer> after = inbox.iterator();
    assertThat(after.hasNext()).isFalse();
    assertThatThrownBy(after::next).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void hasNextDoesNotConsumeTwice() {
    offerAll(inbox, 0, 2);
    inbox.finish("done");
    Iterator<Integer> it = inbox.iterator();
    assertThat(it.hasNext()).isTrue();
    assertThat(it.hasNext()).isTrue();
    assertThat(it.next()).isEqualTo(0);
    assertThat(it.next()).isEqualTo(1);
    assertThat(it.hasNext()).isFalse();
  }

  @Test
  void iterationEndsWhenCloseWakesIt() throws Exception {
    var collected = new CompletableFuture<List<Integer>>();
    Thread consumer = Thread.ofPlatform().daemon().start(() -> {
      List<Integer> seen = new ArrayList<>();
      for (int item : inbox) {
        seen.add(item);
      }
      collected.complete(seen);
    });
    offerAll(inbox, 0, 3);
    while (decodes.get() < 3) {
      Thread.sleep(1);
    }
    awaitWaiting(consumer);
    inbox.close();
    assertThat(collected.get(5, TimeUnit.SECONDS)).containsExactly(0, 1, 2);
  }

  @Test
  void streamCollectsEverythingFromAConcurrentProducerThenEnds() throws Exception {
    Thread producer = Thread.ofPlatform().daemon().start(() -> {
      for (int i = 0; i < 5_000; i++) {
        inbox.offer(Integer.toString(i));
        if (i % 1000 == 0) {
          Thread.yield();
        }
      }
      inbox.finish("producer done");
    });
    List<Integer> all = inbox.stream().toList();
    producer.join(5_000);
    assertThat(all).containsExactlyElementsOf(IntStream.range(0, 5_000).boxed().toList());
  }

  @Test
  void streamOfAFinishedInboxIsItsQueuedItems() {
    offerAll(inbox, 0, 4);
    inbox.finish("done");
    assertThat(inbox.stream().mapToInt(Integer::intValue).sum()).isEqualTo(0 + 1 + 2 + 3);
    assertThat(inbox.stream().count()).as("a second stream is empty").isZero();
  }

  @Test
  void interruptedIterationThrowsParallelExceptionAndKeepsTheFlag() {
    Iterator<Integer> it = inbox.iterator();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(it::hasNext)
          .isExactlyInstanceOf(ParallelException.class)
          .hasCauseInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void concurrentTakersGetEveryItemExactlyOnce() throws Exception {
    int items = 20_000;
    var received = Collections.newSetFromMap(new ConcurrentHashMap<Integer, Boolean>());
    var duplicates = new AtomicInteger();
    List<Thread> takers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      takers.add(Thread.ofPlatform().daemon().start(() -> {
        for (int item : inbox) {
          if (!received.add(item)) {
            duplicates.incrementAndGet();
          }
        }
      }));
    }
    offerAll(inbox, 0, items);
    inbox.finish("done");
    for (Thread taker : takers) {
      taker.join(10_000);
      assertThat(taker.isAlive()).isFalse();
    }
    assertThat(duplicates).hasValue(0);
    assertThat(received).hasSize(items);
  }
}
