/**
 * Training runs, what applications touch: record one, read many back.
 * <ul>
 *   <li>{@link io.nnviz.recording.Recorder}: the hook that records a run (attach it with
 *       {@code NNViz.attach}); {@link io.nnviz.recording.Recorder#log()} is the run so far,
 *       read-only, and {@link io.nnviz.recording.Recorder#addTo} puts it in a report.</li>
 *   <li>{@link io.nnviz.recording.RecorderBuilder}: its configuration (capture policy, the run's
 *       name and hyperparameters, sinks, a runs root), fixed by {@code build()}.</li>
 *   <li>{@link io.nnviz.recording.Runs}: every run of a runs root read back, for comparison.</li>
 *   <li>Package-private: {@code Sinks} (a recorder's sinks called on its worker, failures
 *       counted), {@code Worker} (its one background thread behind a bounded queue),
 *       {@code Shards} (the event logs of one run's workers merged by step), {@code Loud} (a
 *       problem said once, on stderr too when slf4j has no binding).</li>
 * </ul>
 *
 * <p>The parts, each a package that depends only on those listed after it (no cycles):
 * {@code capture} (what a recorder keeps and when: its capture policy and time budget),
 * {@code view} (a run and many runs as figures and report sections), {@code sink} (where a
 * recorder sends a run: TensorBoard event files, {@code run.json}, the event log, yours),
 * {@code format} (the run files, {@code run.json} and {@code events.jsonl}, written and read),
 * {@code storage} (where runs roots live: a local folder, HDFS or S3), and {@code run} (a run as
 * data, {@link io.nnviz.recording.run.RunLog}, which all the others read).
 *
 * <p>Idioms of the recording packages:
 * <ul>
 *   <li>Null: arguments are never {@code null} unless a method says so; absent values are
 *       {@link java.util.Optional}s or empty collections.</li>
 *   <li>Builders: {@code Recorder.builder()} returns a {@code RecorderBuilder}; {@code build()}
 *       fixes the configuration, and a builder builds once.</li>
 *   <li>Reports: whatever adds itself to an {@code HtmlReport} does it with an instance method
 *       {@code addTo(HtmlReport)} that returns the report: {@code recorder.addTo(report)},
 *       {@code RunReport.of(log).addTo(report)}, {@code RunComparison.of(runs).addTo(report)}.</li>
 *   <li>Reading and writing a run: applications read a run through
 *       {@link io.nnviz.recording.run.RunLog}, which has no write methods; a recorder hands out
 *       only that view of the log it writes. {@link io.nnviz.recording.run.MutableRunLog} writes,
 *       for the recorder, the file readers and programs that make runs of their own.</li>
 *   <li>Threading: a recorder is called by one training loop at a time; it does the least it can
 *       on the training thread and everything else on its own background thread. Run logs are
 *       safe to read from any thread while they are written.</li>
 *   <li>Configuration values out of range are {@link java.lang.IllegalArgumentException}s; files
 *       that cannot be read are {@link java.io.IOException}s naming the file and what is wrong.</li>
 * </ul>
 */
package io.nnviz.recording;
