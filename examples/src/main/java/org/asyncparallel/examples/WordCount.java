package org.asyncparallel.examples;

import static org.asyncparallel.examples.Examples.check;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.asyncparallel.Inbox;
import org.asyncparallel.Indexed;
import org.asyncparallel.Parallel;
import org.asyncparallel.Pool;
import org.asyncparallel.PoolConfig;

/**
 * Counting the words of many files with a pool (the pools of issue 6): the main process reads the
 * files one by one, as the pool asks for more (so memory stays bounded however many there are),
 * and ships their text to long-lived workers, on this machine or, when {@code
 * ASYNCPARALLEL_CLUSTER} names worker machines, on every machine of the cluster. Each worker loads
 * its stop words once, in the pool's initializer. {@code mapReduce} adds up the counts (each
 * worker first adds up those of its own chunk); {@code mapUnordered} then finds the longest file,
 * taking the results as they come. The totals are checked against a count made here.
 *
 * <p>Usage: {@code WordCount [files [workersPerMachine]]} (default 200 files, 2 workers per
 * machine). The files are generated in a temporary directory and removed at the end.
 */
public final class WordCount {
  private WordCount() {}

  private static final String[] VOCABULARY = ("the of and to in a is that for it as was with be by on not he i this"
      + " are or his from at which but have an they you were her she there been one all we their has would when"
      + " pool worker chunk machine process result item map reduce hub channel future").split(" ");

  /** A worker's stop words, loaded by the initializer: per-worker state. */
  private static Set<String> stopWords;

  /** The per-file result of the second pass. */
  record FileWords(long words, String host) implements java.io.Serializable {}

  public static void main(String[] args) {
    Examples.runMain("WordCount", WordCount::run, args);
  }

  /** The pool's initializer: runs once in each worker, before its first file. */
  static void loadStopWords() {
    stopWords = Set.of("the", "of", "and", "to", "in", "a", "is", "that");
  }

  /** The function: the words of one text, without the stop words, counted. */
  static HashMap<String, Long> count(String text) {
    var counts = new HashMap<String, Long>();
    for (String word : text.split("\\s+")) {
      if (!word.isEmpty() && !stopWords.contains(word)) {
        counts.merge(word, 1L, Long::sum);
      }
    }
    return counts;
  }

  /** The reducer: adds two counts up (associative and commutative). */
  static HashMap<String, Long> add(HashMap<String, Long> left, HashMap<String, Long> right) {
    HashMap<String, Long> big = left.size() >= right.size() ? left : right;
    HashMap<String, Long> small = big == left ? right : left;
    small.forEach((word, n) -> big.merge(word, n, Long::sum));
    return big;
  }

  static void run(String[] args) throws Exception {
    List<Integer> numbers = Examples.ints(args, List.of(200, 2));
    int fileCount = numbers.get(0);
    int perMachine = numbers.size() > 1 ? numbers.get(1) : 2;
    Path dir = Files.createTempDirectory("wordcount-");
    try {
      List<Path> files = generate(dir, fileCount);
      Examples.initRuntime();
      try {
        count(files, perMachine);
      } finally {
        Parallel.shutdown().join();
      }
    } finally {
      try (var all = Files.list(dir)) {
        for (Path f : all.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  private static void count(List<Path> files, int perMachine) throws Exception {
    List<String> machines = machines();
    var config = PoolConfig.builder().workersPerMachine(perMachine).initializer(WordCount::loadStopWords);
    if (!machines.isEmpty()) {
      config.machines(machines.toArray(String[]::new));
    }
    Iterable<String> texts = () -> files.stream().map(WordCount::read).iterator(); // read as the pool asks
    try (Pool pool = Parallel.pool(config.build())) {
      System.out.println("main pid " + Examples.pid() + ": counting the words of " + files.size() + " files with "
          + pool.size() + " pool workers on " + (machines.isEmpty() ? "this machine" : machines));
      long start = System.nanoTime();
      HashMap<String, Long> counts = pool.mapReduce(texts, WordCount::count, WordCount::add);
      long words = counts.values().stream().mapToLong(Long::longValue).sum();
      System.out.printf("main: %,d words (stop words left out), %d distinct, counted in %.2f s%n", words,
          counts.size(), Examples.seconds(start));
      System.out.println("main: the five most frequent: " + counts.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .limit(5).map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")));

      loadStopWords();
      HashMap<String, Long> expected = new HashMap<>();
      for (Path f : files) {
        expected = add(expected, count(read(f)));
      }
      check(counts.equals(expected), "the pool's counts differ from the sequential count");
      System.out.println("main: the counts match the sequential count made here");

      Inbox<Indexed<FileWords>> perFile = pool.mapUnordered(texts,
          text -> new FileWords(count(text).values().stream().mapToLong(Long::longValue).sum(),
              InetAddress.getLocalHost().getHostName()));
      Indexed<FileWords> longest = null;
      Set<String> hosts = new TreeSet<>();
      int seen = 0;
      for (Indexed<FileWords> r : perFile) {
        seen++;
        hosts.add(r.value().host());
        if (longest == null || r.value().words() > longest.value().words()) {
          longest = r;
        }
      }
      check(seen == files.size(), "mapUnordered delivered " + seen + " results for " + files.size() + " files");
      System.out.printf("main: the longest file is %s with %,d words; files were counted on %s%n",
          files.get((int) longest.index()).getFileName(), longest.value().words(), hosts);
      System.out.println("main: progress of the last map: " + pool.progress());
    }
  }

  /** The pool's machines: none (this machine) unless ASYNCPARALLEL_CLUSTER names worker machines. */
  private static List<String> machines() throws IOException {
    String cluster = System.getenv().getOrDefault("ASYNCPARALLEL_CLUSTER", "").trim();
    if (cluster.isEmpty()) {
      return List.of();
    }
    List<String> machines = new ArrayList<>();
    machines.add(InetAddress.getLocalHost().getHostName()); // the master, as Examples.initRuntime names it
    machines.addAll(List.of(cluster.split("[\\s,]+")));
    return machines;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Files of made-up text, of different lengths, the same on every run. */
  private static List<Path> generate(Path dir, int count) throws IOException {
    var random = new Random(42);
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int words = 200 + random.nextInt(2000);
      var text = new StringBuilder();
      for (int w = 0; w < words; w++) {
        // skewed: low indexes (the common words) come up far more often
        int index = (int) (VOCABULARY.length * Math.pow(random.nextDouble(), 2.5));
        text.append(VOCABULARY[index]).append(w % 12 == 11 ? '\n' : ' ');
      }
      Path file = dir.resolve(String.format("text-%04d.txt", i));
      Files.writeString(file, text, StandardCharsets.UTF_8);
      files.add(file);
    }
    files.sort(Comparator.naturalOrder());
    return files;
  }
}
