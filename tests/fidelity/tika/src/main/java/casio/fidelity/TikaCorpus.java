package casio.fidelity;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.tika.Tika;

// Extracts every file under CORPUS with Apache Tika's facade (AutoDetectParser, default
// configuration, no cap on the text's length), as Elasticsearch's attachment processor and
// Elastic's data extraction service do, on one thread:
//   1. the whole corpus once, untimed (class loading, JIT: Tika measured warm);
//   2. each file again, repeated until at least MIN_SECONDS have passed for it, timed.
// Writes OUT/text/<relative path>.txt with each file's text and OUT/times.tsv (or the name
// given) with "path  bytes  runs  wall seconds per run  process CPU seconds per run  error":
// the JVM's CPU time, its garbage collector's and compiler's threads included, is what the
// extraction costs in cores.
public final class TikaCorpus {
    private static final double MIN_SECONDS = 0.5;

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: TikaCorpus CORPUS_DIR OUT_DIR [TIMES_FILE_NAME]");
            System.exit(2);
        }
        Path corpus = Paths.get(args[0]);
        Path out = Paths.get(args[1]);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(corpus)) {
            s.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        Tika tika = new Tika();
        tika.setMaxStringLength(-1);

        long warmStart = System.nanoTime();
        for (Path f : files) {
            extract(tika, f);
        }
        System.err.printf("tika: warm-up over %d files took %.1f s%n", files.size(),
                          (System.nanoTime() - warmStart) / 1e9);

        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Files.createDirectories(out.resolve("text"));
        try (PrintWriter times = new PrintWriter(
                 Files.newBufferedWriter(out.resolve(args.length > 2 ? args[2] : "times.tsv"),
                                         StandardCharsets.UTF_8))) {
            times.println("path\tbytes\truns\twall_s\tcpu_s\terror");
            for (Path f : files) {
                String rel = corpus.relativize(f).toString();
                String text = "";
                String error = "";
                int runs = 0;
                long wall = 0;
                long cpu = 0;
                while (wall < MIN_SECONDS * 1e9 || runs == 0) {
                    long c0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    try {
                        text = tika.parseToString(f);
                    } catch (Exception | LinkageError e) {
                        error = e.getClass().getSimpleName() + ": " +
                                String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
                    }
                    wall += System.nanoTime() - t0;
                    cpu += os.getProcessCpuTime() - c0;
                    ++runs;
                    if (!error.isEmpty()) {
                        break;
                    }
                }
                Path textFile = out.resolve("text").resolve(rel + ".txt");
                Files.createDirectories(textFile.getParent());
                Files.writeString(textFile, text, StandardCharsets.UTF_8);
                times.printf("%s\t%d\t%d\t%.6f\t%.6f\t%s%n", rel, Files.size(f), runs,
                             wall / 1e9 / runs, cpu / 1e9 / runs, error);
                times.flush();
            }
        }
    }

    private static void extract(Tika tika, Path f) {
        try {
            tika.parseToString(f);
        } catch (Exception | LinkageError e) {
            // reported by the timed pass
        }
    }

    private TikaCorpus() {}
}
