package org.asyncparallel.internal.runtime;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncparallel.Cluster;
import org.asyncparallel.ParallelException;
import org.asyncparallel.UnknownMachineException;
import org.asyncparallel.Where;

/** Turns a {@link Where} into a machine of the cluster, in the calling process. */
final class Placement {
  private final Cluster cluster;
  private final String localMachine;
  private final List<String> machines;
  private final AtomicLong turn = new AtomicLong();

  Placement(Cluster cluster, String localMachine) {
    this.cluster = cluster;
    this.localMachine = localMachine;
    this.machines = cluster.machines();
  }

  /**
   * @throws UnknownMachineException if the choice is not a machine of the cluster
   * @throws ParallelException if a chooser throws
   */
  String choose(Where where) {
    String machine = switch (where) {
      case Where.Local l -> localMachine;
      case Where.On on -> on.machine();
      case Where.ChosenBy by -> callChooser(by);
      case Where.Random r -> machines.get(ThreadLocalRandom.current().nextInt(machines.size()));
      case Where.RoundRobin r -> machines.get((int) (turn.getAndIncrement() % machines.size()));
      case Where.RandomIn in -> in.machines().get(ThreadLocalRandom.current().nextInt(in.machines().size()));
    };
    if (!machines.contains(machine)) {
      throw new UnknownMachineException(machine, machines);
    }
    return machine;
  }

  private static String callChooser(Where.ChosenBy by) {
    try {
      String machine = by.chooser().get();
      if (machine == null) {
        throw new ParallelException("the Where.chosenBy chooser returned null");
      }
      return machine;
    } catch (ParallelException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ParallelException("the Where.chosenBy chooser threw " + e, e);
    }
  }

  Cluster cluster() {
    return cluster;
  }
}
