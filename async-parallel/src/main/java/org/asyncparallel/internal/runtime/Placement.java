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
    String machine; // instanceof, not a pattern switch: see MessageCodec.encode (runs in every worker that runs)
    if (where instanceof Where.Local) {
      machine = localMachine;
    } else if (where instanceof Where.On on) {
      machine = on.machine();
    } else if (where instanceof Where.ChosenBy by) {
      machine = callChooser(by);
    } else if (where instanceof Where.Random) {
      machine = machines.get(ThreadLocalRandom.current().nextInt(machines.size()));
    } else if (where instanceof Where.RoundRobin) {
      machine = machines.get((int) (turn.getAndIncrement() % machines.size()));
    } else if (where instanceof Where.RandomIn in) {
      machine = in.machines().get(ThreadLocalRandom.current().nextInt(in.machines().size()));
    } else {
      throw new IllegalArgumentException("unknown placement " + where);
    }
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
