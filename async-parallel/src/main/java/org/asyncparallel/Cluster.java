package org.asyncparallel;

import java.util.List;
import java.util.Objects;

/**
 * The machines of a runtime (OCaml {@code Cluster.t}). Machine names are what {@code ssh} accepts
 * as a destination: {@code "host"}, {@code "user@host"} or an alias of the ssh configuration.
 *
 * @param masterMachine the name of the machine running the main process
 * @param workerMachines the other machines; may be empty
 */
public record Cluster(String masterMachine, List<String> workerMachines) {
  /**
   * @throws NullPointerException if an argument or a machine name is null
   * @throws IllegalArgumentException if a name is blank or appears twice
   */
  public Cluster {
    Objects.requireNonNull(masterMachine, "masterMachine");
    workerMachines = List.copyOf(workerMachines);
    if (masterMachine.isBlank()) {
      throw new IllegalArgumentException("masterMachine is blank");
    }
    var seen = new java.util.HashSet<String>();
    seen.add(masterMachine);
    for (String machine : workerMachines) {
      if (machine.isBlank()) {
        throw new IllegalArgumentException("a worker machine name is blank: " + workerMachines);
      }
      if (!seen.add(machine)) {
        throw new IllegalArgumentException("machine '" + machine + "' appears twice in the cluster");
      }
    }
  }

  /** A cluster of this machine alone, named by its host name. */
  public static Cluster localOnly() {
    return new Cluster(org.asyncparallel.internal.runtime.LocalMachine.name(), List.of());
  }

  /** The master machine followed by the worker machines. */
  public List<String> machines() {
    var all = new java.util.ArrayList<String>(workerMachines.size() + 1);
    all.add(masterMachine);
    all.addAll(workerMachines);
    return List.copyOf(all);
  }
}
