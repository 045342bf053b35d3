package org.asyncparallel.chaos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.asyncparallel.ParallelException;
import org.asyncparallel.WorkerException;

/**
 * What the soak did and saw: operations by kind and outcome, failures by exception type, faults
 * by kind, and every broken invariant. Thread-safe: workload, injector and watchdog threads all
 * write here.
 *
 * <p>A failure is <em>typed</em> if it is a {@link ParallelException} with a message; any other
 * exception, a hang, or a failure marked {@link Msg#VIOLATION} breaks an invariant. A typed
 * failure is also <em>explained</em> if an injected fault caused it: its message names a worker
 * the injector killed ("pid N"), or a machine was lost, or the injector closed the operation's
 * channel. An unexplained typed failure breaks an invariant too: nothing failed it on purpose.
 * A failure that is a known, not yet fixed, library issue ({@link KnownIssues}) is counted apart.
 */
final class Ledger {
  private static final Pattern PID = Pattern.compile("pid (\\d+)");
  /** How long after a brief outage a connection attempt that failed during it may still report it. */
  private static final long OUTAGE_AFTERMATH_NANOS = 5_000_000_000L;

  /** A brief outage of a host (cut for less than the machine timeout), from start to heal. */
  private static final class Outage {
    final String host;
    final long startNanos = System.nanoTime();
    volatile long endNanos = Long.MAX_VALUE;

    Outage(String host) {
      this.host = host;
    }
  }

  private final Map<String, LongAdder> started = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> succeeded = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failedByKind = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failedByType = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> faults = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> explainedBy = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> knownIssues = new ConcurrentHashMap<>();
  private final Map<String, String> samples = new ConcurrentHashMap<>();
  private final Set<Long> killed = ConcurrentHashMap.newKeySet();
  private final Set<String> lostMachines = ConcurrentHashMap.newKeySet();
  private final Queue<Outage> outages = new ConcurrentLinkedQueue<>();
  private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  private final Deque<String> faultLog = new ArrayDeque<>(); // guarded by itself
  private final LongAdder echoed = new LongAdder();
  private final long startNanos = System.nanoTime();

  void begin(Op op) {
    count(started, op.kind());
  }

  /** The operation completed as it should; {@code messages} echo messages were checked. */
  void succeeded(Op op, long messages) {
    count(succeeded, op.kind());
    echoed.add(messages);
  }

  /** Echo messages checked by an operation that then failed (they were checked all the same). */
  void checkedMessages(long messages) {
    echoed.add(messages);
  }

  /** The operation failed with {@code failure}: counts it, and records it if it breaks an invariant. */
  void failed(Op op, Throwable failure) {
    Throwable t = unwrap(failure);
    count(failedByKind, op.kind());
    String text = describe(t, 1500);
    if (t instanceof TimeoutException || t instanceof InterruptedException || op.hangStack() != null) {
      String stack = op.hangStack() == null ? "" : "; its thread was at:\n" + op.hangStack();
      violation("HANG in " + op + ": " + text + stack);
    } else if (text.contains(Msg.VIOLATION)) {
      violation("in " + op + ": " + text);
    } else if (t instanceof WorkerException w && w.remoteClassName().equals(TimeoutException.class.getName())) {
      violation("HANG inside a worker of " + op + ": " + text);
    } else if (!(t instanceof ParallelException) || t.getMessage() == null || t.getMessage().isBlank()) {
      known(KnownIssues.untyped(op, t), "UNTYPED failure in " + op + ": " + text);
    } else {
      String full = describe(t, 100_000);
      String cause = explanation(op, full);
      if (cause == null) {
        known(KnownIssues.unexplained(full, duringBriefOutage(op)), "UNEXPLAINED " + t.getClass().getSimpleName()
            + " in " + op + " (no fault was injected into it): " + text);
      } else {
        count(explainedBy, cause);
      }
    }
    count(failedByType, typeOf(t));
    samples.putIfAbsent(typeOf(t), text.length() > 400 ? text.substring(0, 400) + "..." : text);
  }

  /** Counts a known issue (or, if {@code issue} is null or the soak is strict, records a violation). */
  private void known(String issue, String violation) {
    if (issue == null || KnownIssues.STRICT) {
      violation(violation);
    } else {
      count(knownIssues, issue);
      samples.putIfAbsent("known issue: " + issue, violation.length() > 400 ? violation.substring(0, 400) + "..."
          : violation);
    }
  }

  void violation(String what) {
    violations.add(String.format("[%6.1f s] %s", seconds(), what));
  }

  /** Records an injected fault of {@code kind} on {@code target}, for the figures and the fault log. */
  void fault(String kind, String target) {
    count(faults, kind);
    synchronized (faultLog) {
      faultLog.addLast(String.format("[%6.1f s] %s %s", seconds(), kind, target));
      if (faultLog.size() > 400) {
        faultLog.removeFirst();
      }
    }
  }

  /** Called before a worker is sent SIGKILL: its death is then explained. */
  void killing(long pid) {
    killed.add(pid);
  }

  /**
   * Called as a host is cut off briefly (for less than the machine timeout); run the returned
   * {@code Runnable} once it is healed. Connections that exist ride out such an outage; a
   * connection attempted during it can fail ({@link KnownIssues#unexplained}).
   */
  Runnable briefOutage(String host) {
    Outage outage = new Outage(host);
    outages.add(outage);
    return () -> outage.endNanos = System.nanoTime();
  }

  /** Called when a machine is crashed or cut off for good: failures there are then explained. */
  void losing(String machine) {
    lostMachines.add(machine);
  }

  List<String> violations() {
    synchronized (violations) {
      return List.copyOf(violations);
    }
  }

  List<String> faultLog() {
    synchronized (faultLog) {
      return List.copyOf(faultLog);
    }
  }

  long total(Map<String, LongAdder> counts) {
    return counts.values().stream().mapToLong(LongAdder::sum).sum();
  }

  Map<String, LongAdder> started() {
    return started;
  }

  Map<String, LongAdder> succeeded() {
    return succeeded;
  }

  Map<String, LongAdder> failedByKind() {
    return failedByKind;
  }

  Map<String, LongAdder> failedByType() {
    return failedByType;
  }

  Map<String, LongAdder> faults() {
    return faults;
  }

  /** Typed failures by the fault that explains them. */
  Map<String, LongAdder> explainedBy() {
    return explainedBy;
  }

  /** Failures that are known library issues ({@link KnownIssues}), by issue. */
  Map<String, LongAdder> knownIssues() {
    return knownIssues;
  }

  /** The first message seen of each failure type, shortened. */
  Map<String, String> samples() {
    return new TreeMap<>(samples);
  }

  long echoed() {
    return echoed.sum();
  }

  static Map<String, Long> sorted(Map<String, LongAdder> counts) {
    Map<String, Long> sorted = new TreeMap<>();
    counts.forEach((k, v) -> sorted.put(k, v.sum()));
    return sorted;
  }

  /** The injected fault that explains a failure of {@code op} with this text, or null if none does. */
  private String explanation(Op op, String failure) {
    String text = failure + "\n" + op.context();
    Matcher m = PID.matcher(text);
    while (m.find()) {
      if (killed.contains(Long.parseLong(m.group(1)))) {
        return "SIGKILL of a worker it used";
      }
    }
    if (op.closedByInjector()) {
      return "close of its channel";
    }
    if (text.contains("was lost") || op.machines().stream().anyMatch(lostMachines::contains)) {
      return "loss of a host it used";
    }
    return null;
  }

  private boolean duringBriefOutage(Op op) {
    long now = System.nanoTime();
    for (Outage outage : outages) {
      if (op.machines().contains(outage.host) && outage.startNanos <= now
          && outage.endNanos + OUTAGE_AFTERMATH_NANOS >= op.startNanos()) {
        return true;
      }
    }
    return false;
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The exception's type; for a {@code WorkerException}, with the remote type. */
  static String typeOf(Throwable t) {
    String name = t.getClass().getSimpleName();
    if (t instanceof WorkerException w) {
      String remote = w.remoteClassName();
      return name + "(" + remote.substring(remote.lastIndexOf('.') + 1) + ")";
    }
    return name;
  }

  /** Class and message of the exception and its causes, on one line, cut at {@code max} characters. */
  static String describe(Throwable t, int max) {
    StringBuilder text = new StringBuilder();
    for (Throwable c = t; c != null && text.length() < max; c = c.getCause()) {
      text.append(text.isEmpty() ? "" : " / caused by ").append(c.getClass().getName()).append(": ")
          .append(c.getMessage());
    }
    String flat = text.toString().replace('\n', ' ');
    return flat.length() > max ? flat.substring(0, max) + "..." : flat;
  }

  private double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static void count(Map<String, LongAdder> counts, String key) {
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }
}
