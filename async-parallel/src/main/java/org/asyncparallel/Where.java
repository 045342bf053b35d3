package org.asyncparallel;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * Where a new worker process goes (OCaml's {@code ?where}). Serializable, so a task can carry one.
 * Every machine named must be in the runtime's {@link Cluster}; otherwise {@code run} and
 * {@code spawn} fail with {@link UnknownMachineException} before any process starts. The choice
 * is made in the process that calls {@code run}, when it calls it.
 */
public sealed interface Where extends Serializable {

  /** The machine of the calling process (the default). */
  static Where local() {
    return Local.INSTANCE;
  }

  /** The named machine (OCaml {@code `On host}). */
  static Where on(String machine) {
    return new On(machine);
  }

  /**
   * The machine named by {@code chooser}, called in the calling process at each {@code run}
   * (OCaml {@code `F f}). If it throws, {@code run} fails with a {@link ParallelException}.
   */
  static Where chosenBy(SerializableSupplier<String> chooser) {
    return new ChosenBy(chooser);
  }

  /** Any machine of the cluster (master included), chosen uniformly at random. */
  static Where random() {
    return Random.INSTANCE;
  }

  /** The machines of the cluster in turn; the turn is kept per process. */
  static Where roundRobin() {
    return RoundRobin.INSTANCE;
  }

  /**
   * A machine chosen at random among these.
   *
   * @throws IllegalArgumentException if no machine is given
   */
  static Where randomIn(String... machines) {
    return new RandomIn(List.of(machines));
  }

  /** See {@link Where#local()}. */
  record Local() implements Where {
    static final Local INSTANCE = new Local();
  }

  /** See {@link Where#on(String)}. */
  record On(String machine) implements Where {
    /** @throws NullPointerException if machine is null */
    public On {
      Objects.requireNonNull(machine, "machine");
    }
  }

  /** See {@link Where#chosenBy}. */
  record ChosenBy(SerializableSupplier<String> chooser) implements Where {
    /** @throws NullPointerException if chooser is null */
    public ChosenBy {
      Objects.requireNonNull(chooser, "chooser");
    }
  }

  /** See {@link Where#random()}. */
  record Random() implements Where {
    static final Random INSTANCE = new Random();
  }

  /** See {@link Where#roundRobin()}. */
  record RoundRobin() implements Where {
    static final RoundRobin INSTANCE = new RoundRobin();
  }

  /** See {@link Where#randomIn}. */
  record RandomIn(List<String> machines) implements Where {
    /** @throws IllegalArgumentException if machines is empty */
    public RandomIn {
      machines = List.copyOf(machines);
      if (machines.isEmpty()) {
        throw new IllegalArgumentException("Where.randomIn needs at least one machine");
      }
    }
  }
}
