package io.nnviz.examples.spark;

import io.nnviz.recording.Runs;
import io.nnviz.recording.run.RunLog;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20's cluster example: the sweep of four configurations on Spark in local mode (two executor
 * threads), every task writing its run to a runs root on a real HDFS (Hadoop's mini cluster); the
 * report the driver writes has a runs table whose final metrics are each task's own.
 */
@Tag("cluster")
class SparkSweepTest {
    @TempDir
    Path dir;

    @Test
    void fourConfigurationsOnSparkReportEachTasksOwnFinalMetrics() throws Exception {
        Configuration hconf = new Configuration();
        hconf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(hconf).numDataNodes(1).build();
        try {
            cluster.waitActive();
            String root = cluster.getFileSystem().getUri() + "/nnviz/runs/sweep";
            List<SweepTask.Config> configs = SparkSweep.configs("0.0003:32,0.001:32,0.003:64,0.03:64", 2, 6_000, 1_000);
            SparkConf conf = new SparkConf().setAppName("nnviz sweep test").setMaster("local[2]").set("spark.ui.enabled", "false");
            List<SweepTask.Result> results;
            try (JavaSparkContext sc = new JavaSparkContext(conf)) {
                results = SparkSweep.sweep(sc, root, configs);
            }
            assertEquals(4, results.size());
            Path index = SparkSweep.report(root, dir.resolve("report"));
            String html = Files.readString(index);
            Runs runs = Runs.open(root);
            assertTrue(runs.problems().isEmpty(), runs.problems().toString());
            Map<String, RunLog> byName = runs.logs().stream().collect(Collectors.toMap(l -> l.info().name(), Function.identity()));
            assertEquals(4, byName.size());
            for (SweepTask.Result r : results) {
                RunLog log = byName.get(r.run());
                // the recorded validation accuracy after the last epoch is the task's own evaluation of its trained network
                assertEquals(r.validationAccuracy(), log.epochSeries("validation/accuracy").last(), 1e-12, r.run());
                assertEquals(r.validationLoss(), log.epochSeries("validation/loss").last(), 1e-4 * Math.abs(r.validationLoss()), r.run());
                assertEquals(r.steps(), log.lastStep(), r.run() + " steps");
                String row = rowOf(html, r.run());
                assertTrue(row.contains(String.format(Locale.ROOT, "<td>%.6g</td>", r.validationAccuracy())), r.run() + " accuracy in " + row);
                assertTrue(row.contains("<td>" + r.learningRate() + "</td>") && row.contains("<td>" + r.hidden() + "</td>"), row);
                System.out.printf(Locale.ROOT, "%s: task accuracy %.4f, loss %.4f, %d steps; the report's row agrees%n", r.run(),
                        r.validationAccuracy(), r.validationLoss(), r.steps());
            }
            assertTrue(results.stream().mapToDouble(SweepTask.Result::validationAccuracy).max().orElse(0) > 0.75,
                    "the sweep learned something: " + results);
            assertTrue(Files.exists(dir.resolve("report/figures/hp-parallel.svg")), "parallel coordinates of the sweep");
        } finally {
            cluster.shutdown();
        }
    }

    private static String rowOf(String html, String run) {
        int at = html.indexOf("<tr data-run=\"" + run + "\">");
        assertTrue(at >= 0, run + " has a row");
        return html.substring(at, html.indexOf("</tr>", at));
    }
}
