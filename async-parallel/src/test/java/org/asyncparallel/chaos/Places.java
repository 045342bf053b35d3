package org.asyncparallel.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.asyncparallel.Where;

/**
 * The machines of the soak's cluster and how operations pick them: this machine ({@link #MASTER})
 * or a test host; mostly a host that is not lost, sometimes any (to see that a lost machine
 * refuses work at once, with a typed failure).
 */
final class Places {
  static final String MASTER = "master";

  private final List<String> hosts;
  private final List<String> hostnames;
  private final String masterHostname;
  private final Predicate<String> lost;

  /**
   * @param hosts the test hosts' ssh destinations (machine names)
   * @param hostnames the names the hosts call themselves, in the same order
   * @param lost tells whether a host has been lost for good
   */
  Places(List<String> hosts, List<String> hostnames, Predicate<String> lost) {
    this.hosts = List.copyOf(hosts);
    this.hostnames = List.copyOf(hostnames);
    this.masterHostname = Tasks.hostname();
    this.lost = lost;
  }

  List<String> machines() {
    List<String> all = new ArrayList<>(List.of(MASTER));
    all.addAll(hosts);
    return all;
  }

  /** This machine with probability {@code 1 - remoteShare}, else a host ({@link #host}). */
  String pick(Random random, double remoteShare) {
    return random.nextDouble() < remoteShare ? host(random) : MASTER;
  }

  /** A host: 85% of the time one that is not lost (if there is one), else any. */
  String host(Random random) {
    List<String> alive = hosts.stream().filter(lost.negate()).toList();
    List<String> from = alive.isEmpty() || random.nextInt(100) >= 85 ? hosts : alive;
    return from.get(random.nextInt(from.size()));
  }

  /** Where to run on {@code machine}, from the test JVM. */
  static Where where(String machine) {
    return machine.equals(MASTER) ? Where.local() : Where.on(machine);
  }

  /** Where to run on {@code machine}, from any process ({@code Where.local()} in a worker is its own machine). */
  static Where whereFromAnywhere(String machine) {
    return Where.on(machine);
  }

  /** The name a worker on {@code machine} finds with {@code InetAddress.getLocalHost()}. */
  String hostnameOf(String machine) {
    return machine.equals(MASTER) ? masterHostname : hostnames.get(hosts.indexOf(machine));
  }

  /** "local" if every machine is this one, else "remote": the suffix of an operation's kind. */
  static String reach(String... machines) {
    for (String machine : machines) {
      if (!machine.equals(MASTER)) {
        return "remote";
      }
    }
    return "local";
  }
}
