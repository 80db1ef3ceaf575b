/**
 * A run diagnosed by the training doctor ({@link io.nnviz.analysis.doctor.Doctor}):
 * {@link io.nnviz.recording.diagnosis.RunRecord} gives the doctor a run log to read, live or read
 * back; {@link io.nnviz.recording.diagnosis.Diagnosis} diagnoses a run as it is recorded (new
 * findings to a listener, the reason to stop at a chosen severity);
 * {@link io.nnviz.recording.diagnosis.FindingsJson} writes findings for machines
 * ({@code nnviz doctor --json}). The report's Diagnosis section is {@code view.RunReport}'s.
 *
 * <p>Null policy: as in {@link io.nnviz.recording}.
 */
package io.nnviz.recording.diagnosis;
