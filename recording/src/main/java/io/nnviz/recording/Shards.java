package io.nnviz.recording;

import io.nnviz.recording.run.MutableRunLog;
import io.nnviz.analysis.Curve;
import io.nnviz.recording.run.RunLog;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The shards of one run merged into one log: the event logs of its workers (and the segments an
 * object store's writer rolls), each holding part of the run. Values are merged by step (epoch);
 * where several shards logged a value at one step, as data-parallel workers each log their own
 * loss, the merged value is their mean. Memory: the shards' own bounded series.
 */
final class Shards {
    private Shards() {
    }

    static MutableRunLog merge(List<MutableRunLog> shards) {
        if (shards.size() == 1) {
            return shards.get(0);
        }
        List<RunLog> byStart = shards.stream().sorted(Comparator.comparing((RunLog l) -> l.info().started())).map(l -> (RunLog) l).toList();
        RunLog first = byStart.get(0);
        MutableRunLog out = MutableRunLog.create(first.info(), shards.stream().mapToInt(RunLog::maxPoints).max().orElse(1000));
        merge(byStart, RunLog::stepSeriesNames, RunLog::stepSeries, (name, x, v) -> out.scalar(name, x, v));
        merge(byStart, RunLog::epochSeriesNames, RunLog::epochSeries, (name, x, v) -> out.epochScalar(name, (int) x, v));
        for (RunLog s : byStart) {
            out.advance(s.lastStep(), s.lastEpoch());
            if (s.epochsEnded() > 0) {
                out.epochEnded(s.epochsEnded() - 1);
            }
            s.lastWallClock().ifPresent(out::wallClock);
        }
        if (shards.stream().allMatch(s -> s.finishedAt().isPresent())) { // finished when every worker's recorder closed
            out.finish(shards.stream().mapToLong(s -> s.finishedAt().getAsLong()).max().getAsLong());
        }
        out.note("shards", shards.size() + " event logs merged by step (values logged at one step by several are averaged)");
        return out;
    }

    private interface Sink {
        void add(String name, long x, double v);
    }

    private static void merge(List<RunLog> shards, Function<RunLog, List<String>> names, BiFunction<RunLog, String, Curve> series,
            Sink sink) {
        Set<String> all = new LinkedHashSet<>();
        shards.forEach(s -> all.addAll(names.apply(s)));
        for (String name : all) {
            TreeMap<Long, double[]> at = new TreeMap<>(); // step -> {sum, count}
            for (RunLog s : shards) {
                if (!names.apply(s).contains(name)) {
                    continue;
                }
                Curve p = series.apply(s, name);
                for (int i = 0; i < p.size(); i++) {
                    double[] acc = at.computeIfAbsent((long) p.x(i), k -> new double[2]);
                    acc[0] += p.y(i);
                    acc[1]++;
                }
            }
            for (Map.Entry<Long, double[]> e : at.entrySet()) {
                sink.add(name, e.getKey(), e.getValue()[0] / e.getValue()[1]);
            }
        }
    }
}
