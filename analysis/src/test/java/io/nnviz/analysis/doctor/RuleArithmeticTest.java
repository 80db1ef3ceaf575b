package io.nnviz.analysis.doctor;

import io.nnviz.api.Histogram;
import io.nnviz.api.Tensor;
import io.nnviz.api.hook.MetricNames;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.nnviz.analysis.doctor.Record.concat;
import static io.nnviz.analysis.doctor.Record.flat;
import static io.nnviz.analysis.doctor.Record.ramp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge cases of the rules' arithmetic, on series built by hand: where a threshold is crossed,
 * which layer is named, what is not judged. The rules' behaviour on real trainings is tested on
 * Fashion-MNIST runs (nnviz-recording's and nnviz-examples' doctor tests).
 */
class RuleArithmeticTest {
    private static List<Finding> check(Rule r, Record run) {
        return r.check(run);
    }

    @Test
    void nonFiniteNamesTheFirstLayerOfTheForwardPassElseTheDeepestGradient() {
        Record forward = new Record().step("loss", 2.3, 2.0, Double.NaN, Double.NaN)
                .step("nonfinite_activations/conv1", new double[] {3}, new double[] {0})
                .step("nonfinite_activations/fc1", new double[] {3}, new double[] {12})
                .step("nonfinite_activations/fc2", new double[] {3}, new double[] {40});
        Finding f = check(NonFiniteRule.DEFAULT, forward).get(0);
        assertEquals(Severity.ERROR, f.severity());
        assertEquals(3, f.step());
        assertEquals(List.of("fc1"), f.layers());
        assertTrue(f.line().startsWith("ERROR non-finite step=3 layer=fc1: The loss became NaN at step 3"), f.line());

        Record backward = new Record().step("loss", 2.3, Double.POSITIVE_INFINITY)
                .step("nonfinite_activations/fc1", new double[] {2}, new double[] {0})
                .step("nonfinite_gradients/fc1", new double[] {2}, new double[] {5})
                .step("nonfinite_gradients/out", new double[] {2}, new double[] {5});
        assertEquals(List.of("out"), check(NonFiniteRule.DEFAULT, backward).get(0).layers());

        Record gradientFirst = new Record().step("loss", 2.3, 2.1, Double.NaN) // a gradient NaN at step 2, applied: the loss of step 3
                .step("nonfinite_activations/fc1", new double[] {2}, new double[] {0})
                .step("nonfinite_gradients/fc1", new double[] {2}, new double[] {7})
                .step("nonfinite_gradients/out", new double[] {2}, new double[] {0});
        Finding g = check(NonFiniteRule.DEFAULT, gradientFirst).get(0);
        assertEquals(2, g.step());
        assertTrue(g.line().startsWith("ERROR non-finite step=2 layer=fc1: NaN or infinite values appeared at step 2, before the loss"
                + " did (NaN at step 3); every layer output checked at step 2 was finite, and the deepest layer whose gradient holds them"
                + " is fc1"), g.line());

        Record finite = new Record().step("loss", 2.3, 2.0, 1.8);
        assertEquals(List.of(), check(NonFiniteRule.DEFAULT, finite));
    }

    @Test
    void nonFiniteInAHistogramBeforeTheLossIsTheStepOfTheHistogram() {
        Tensor bad = Tensor.of(new float[] {1, Float.NaN}, 2), good = Tensor.of(new float[] {1, 2}, 2);
        Record run = new Record().step("loss", 2.3, 2.2, 2.1, Double.NaN)
                .histogram("conv1 / W", 2, Histogram.of(good, 4)).histogram("fc1 / W", 2, Histogram.of(bad, 4));
        Finding f = check(NonFiniteRule.DEFAULT, run).get(0);
        assertEquals(2, f.step());
        assertEquals(List.of("fc1"), f.layers());

        Record countsLater = new Record().step("loss", 2.3, 2.2, 2.1, Double.NaN) // counted when the loss turned, at step 4
                .step("nonfinite_activations/conv1", new double[] {4}, new double[] {9})
                .histogram("conv1 / W", 2, Histogram.of(good, 4)).histogram("fc1 / W (gradient)", 2, Histogram.of(bad, 4));
        Finding g = check(NonFiniteRule.DEFAULT, countsLater).get(0);
        assertEquals(2, g.step());
        assertEquals(List.of("fc1"), g.layers(), "the layer of the earliest evidence: " + g.message());
        assertTrue(g.message().contains("the deepest layer whose captured gradients hold them is fc1 (step 2)"), g.message());
    }

    @Test
    void divergenceIsAnErrorIfTheLossStaysUpAndAWarningIfItComesBack() {
        double[] up = concat(ramp(50, 2.3, 0.5), ramp(20, 0.5, 30), flat(30, 30));
        Finding stayed = check(LossDivergenceRule.DEFAULT, new Record().step("loss", up)).get(0);
        assertEquals(Severity.ERROR, stayed.severity());
        assertTrue(stayed.step() > 50 && stayed.step() < 75, stayed.line());

        double[] back = concat(ramp(50, 2.3, 0.5), ramp(10, 0.5, 30), flat(20, 30), flat(300, 0.4));
        assertEquals(Severity.WARNING, check(LossDivergenceRule.DEFAULT, new Record().step("loss", back)).get(0).severity());

        double[] noisy = new double[400];
        for (int i = 0; i < noisy.length; i++) {
            noisy[i] = 2.3 * Math.exp(-i / 80.0) + (i % 7 == 0 ? 1.5 : 0.05); // every seventh batch hard: noise, not divergence
        }
        assertEquals(List.of(), check(LossDivergenceRule.DEFAULT, new Record().step("loss", noisy)));
    }

    @Test
    void aSpikeIsAnIsolatedStepFarAboveItsNeighboursAndTheStart() {
        double[] y = concat(ramp(40, 2.3, 0.3), flat(40, 0.3));
        y[60] = 3.0; // ten times its neighbours, above the start, and back down at once
        Finding f = check(LossSpikesRule.DEFAULT, new Record().step("loss", y)).get(0);
        assertEquals(Severity.INFO, f.severity());
        assertEquals(61, f.step());
        double[] noise = concat(ramp(40, 0.02, 0.005), flat(40, 0.005));
        for (int i = 45; i < 80; i += 7) {
            noise[i] = 0.019; // four times the median, over the start: batch noise of a regression loss
        }
        assertEquals(List.of(), check(LossSpikesRule.DEFAULT, new Record().step("loss", noise)));
    }

    @Test
    void aPlateauIsJudgedOnlyAfterItsMinimumSpanAndNotWhenTheLossRises() {
        assertEquals(List.of(), check(LossPlateauRule.DEFAULT, new Record().step("loss", flat(150, 2.3))));
        assertEquals(Severity.WARNING, check(LossPlateauRule.DEFAULT, new Record().step("loss", flat(250, 2.3))).get(0).severity());
        assertEquals(List.of(), check(LossPlateauRule.DEFAULT, new Record().step("loss", ramp(250, 2.3, 1.0))));
        assertEquals(List.of(), check(LossPlateauRule.DEFAULT, new Record().step("loss", ramp(250, 2.3, 9.0))));
    }

    @Test
    void aFlatLossIsFoundThroughBatchNoiseAndAMovingOneIsNot() {
        // A frozen network's loss: 2.5 with batch noise of 0.3, the medians' difference scattering by about 3%.
        int found = 0, foundFixed = 0, moving = 0;
        for (int seed = 0; seed < 200; seed++) {
            java.util.Random r = new java.util.Random(seed);
            double[] y = flat(300, 2.5), ramp = ramp(300, 2.5, 2.3);
            for (int i = 0; i < y.length; i++) {
                y[i] += 0.3 * r.nextGaussian();
                ramp[i] += 0.02 * r.nextGaussian();
            }
            found += check(LossPlateauRule.DEFAULT, new Record().step("loss", y)).size();
            foundFixed += check(new LossPlateauRule(200, 0.03), withoutNoiseBound(y)).size();
            moving += check(LossPlateauRule.DEFAULT, new Record().step("loss", ramp)).size();
        }
        assertTrue(found >= 196, "a flat loss found in " + found + " of 200 noisy runs");
        assertTrue(foundFixed < 190, "the noise matters here: a fixed 3% finds " + foundFixed + " of 200");
        assertEquals(0, moving, "a loss that falls 8% with little noise is not flat");
        double[] noisyFall = ramp(300, 2.5, 2.0); // 20% under the flat loss's noise
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < noisyFall.length; i++) {
            noisyFall[i] += 0.3 * r.nextGaussian();
        }
        assertEquals(List.of(), check(LossPlateauRule.DEFAULT, new Record().step("loss", noisyFall)));
    }

    /** The first tenth's and last quarter's medians of {@code y} alone, with no noise around them: what a fixed threshold sees. */
    private static Record withoutNoiseBound(double[] y) {
        double[] head = java.util.Arrays.copyOfRange(y, 0, y.length / 10), tail = java.util.Arrays.copyOfRange(y, y.length - y.length / 4, y.length);
        return new Record().step("loss", concat(flat(y.length / 10, Curves.median(head, 0, head.length)),
                flat(y.length - y.length / 10 - y.length / 4, 0), flat(y.length / 4, Curves.median(tail, 0, tail.length))));
    }

    @Test
    void chanceLevelNeedsTheClassesAndStartsWhereTheLossSettled() {
        double[] y = concat(ramp(30, 2.6, 2.31), flat(300, 2.30));
        assertEquals(List.of(), check(ChanceLevelRule.DEFAULT, new Record().step("loss", y)));
        Finding f = check(ChanceLevelRule.DEFAULT, new Record().step("loss", y).classes(10)).get(0);
        assertTrue(f.step() > 30 && f.step() <= 60, f.line()); // the smoothed loss settles within a few dozen steps of the raw one
        assertEquals(List.of(), check(ChanceLevelRule.DEFAULT, new Record().step("loss", y).classes(2))); // ln 2 = 0.69
    }

    @Test
    void gradientsVanishRelativeToTheDeepestLayer() {
        double[] x = {10, 20, 30, 40};
        Record run = new Record().step("gradient_rms/l1", x, new double[] {1e-5, 1e-5, 1e-5, 1e-5})
                .step("gradient_rms/l2", x, new double[] {1e-3, 1e-3, 1e-3, 1e-3})
                .step("gradient_rms/out", x, new double[] {1e-2, 1e-2, 1e-2, 1e-2});
        Finding f = check(VanishingGradientsRule.DEFAULT, run).get(0);
        assertEquals(List.of("l1"), f.layers());
        assertEquals(10, f.step());
        assertTrue(f.message().contains("1,000x smaller"), f.message());
        assertEquals(List.of(), check(ExplodingGradientsRule.DEFAULT, run));
    }

    @Test
    void gradientsExplodeOverTime() {
        double[] x = {10, 20, 30, 40, 50, 60, 70};
        Record run = new Record().step("gradient_rms/l1", x, new double[] {1, 1, 1, 5, 300, 400, 500})
                .step("gradient_rms/out", x, new double[] {1, 1, 1, 1, 1, 1, 1});
        Finding f = check(ExplodingGradientsRule.DEFAULT, run).get(0);
        assertEquals(List.of("l1"), f.layers());
        assertEquals(50, f.step());
    }

    @Test
    void unitFractionsMustHoldAtTheLastCaptures() {
        double[] x = {10, 20, 30, 40, 50};
        Record held = new Record().step(MetricNames.ofLayer(MetricNames.DEAD_UNITS, "fc1"), x, new double[] {0.1, 0.9, 0.95, 0.97, 0.97});
        Finding f = check(DeadUnitsRule.DEFAULT, held).get(0);
        assertEquals(20, f.step());
        assertTrue(f.message().contains("fc1 (97% since step 20)"), f.message());
        Record passing = new Record().step(MetricNames.ofLayer(MetricNames.DEAD_UNITS, "fc1"), x, new double[] {0.9, 0.9, 0.9, 0.1, 0.9});
        assertEquals(List.of(), check(DeadUnitsRule.DEFAULT, passing));
    }

    @Test
    void updateRatiosOutOfTheBandLeaveBiasesOut() {
        double[] x = {10, 20, 30, 40};
        Record run = new Record().step("update_ratio/fc1/W", x, new double[] {-1.5, -1.6, -1.7, -1.6})
                .step("update_ratio/fc1/b", x, new double[] {0, 0, 0, 0})
                .step("update_ratio/fc2/W", x, new double[] {-6, -6, -6, -6})
                .step("update_ratio/out/W", x, new double[] {-3, -3, -3, -3});
        List<Finding> fs = check(UpdateRatioRule.DEFAULT, run);
        assertEquals(2, fs.size());
        assertEquals(Severity.INFO, fs.get(0).severity()); // half a decade over: info
        assertEquals(List.of("fc1"), fs.get(0).layers());
        assertEquals(Severity.WARNING, fs.get(1).severity()); // two decades under: warning
        assertEquals(List.of("fc2"), fs.get(1).layers());
    }

    @Test
    void overfittingIsPrecheltsGeneralizationLossForTwoEpochsWhileTrainingLossFalls() {
        Record run = new Record().epoch("validation/loss", 1.0, 0.6, 0.5, 0.58, 0.7).epoch("train/loss", 1.1, 0.6, 0.4, 0.3, 0.2);
        Finding f = check(OverfittingRule.DEFAULT, run).get(0);
        assertEquals(3, f.epoch());
        assertEquals("epoch=4", f.where());
        Record oneEpoch = new Record().epoch("validation/loss", 1.0, 0.6, 0.5, 0.52, 0.7).epoch("train/loss", 1.1, 0.6, 0.4, 0.3, 0.2);
        assertEquals(List.of(), check(OverfittingRule.DEFAULT, oneEpoch));
        Record bothRise = new Record().epoch("validation/loss", 1.0, 0.5, 0.6, 0.7).epoch("train/loss", 1.0, 0.5, 0.6, 0.7);
        assertEquals(List.of(), check(OverfittingRule.DEFAULT, bothRise));
    }

    @Test
    void frozenWeightsAreIdenticalHistogramsAndNameAZeroLearningRate() {
        Histogram a = Histogram.of(Tensor.of(new float[] {1, 2, 3}, 3), 4), b = Histogram.of(Tensor.of(new float[] {1, 2, 3.5f}, 3), 4);
        Record run = new Record().step("learning_rate/fc1", new double[] {1, 100}, new double[] {0, 0})
                .histogram("fc1 / W", 1, a).histogram("fc1 / W", 50, a).histogram("fc1 / W", 100, a)
                .histogram("fc2 / W", 1, a).histogram("fc2 / W", 50, b).histogram("fc2 / W", 100, b);
        Finding f = check(FrozenWeightsRule.DEFAULT, run).get(0);
        assertEquals(List.of("fc1"), f.layers());
        assertTrue(f.message().contains("the learning rate is 0"), f.message());
    }

    @Test
    void theDoctorOrdersBySeverityThenStepAndSkipsARuleThatThrows() {
        Rule broken = new Rule() {
            public String id() {
                return "broken";
            }

            public List<Finding> check(TrainingRecord run) {
                throw new IllegalStateException("a bug");
            }
        };
        double[] loss = concat(ramp(50, 2.3, 0.5), ramp(20, 0.5, 30), flat(30, 30), new double[] {Double.NaN});
        List<Finding> fs = Doctor.defaults().with(broken).diagnose(new Record().step("loss", loss));
        assertEquals(List.of("loss-divergence", "non-finite"), fs.stream().map(Finding::rule).toList()); // both errors: the earlier first
        assertEquals(Doctor.defaults().rules().size() - 1, Doctor.defaults().without(LossSpikesRule.ID).rules().size());
    }

    @Test
    void unitStatsCountChannelsAndSaturation() {
        float[] v = new float[2 * 3 * 2]; // [N=2, C=3, L=2]: channel 1 fires once, the others never
        v[1 * 2 + 1] = 0.5f;
        assertEquals(2.0 / 3, UnitStats.deadFraction(Tensor.of(v, 2, 3, 2), 1), 1e-12);
        Tensor t = Tensor.of(new float[] {0.999f, -0.99f, 0.5f, 0f}, 4);
        assertEquals(0.5, UnitStats.saturatedFraction(t, ActivationKind.TANH), 1e-12);
        assertEquals(ActivationKind.RELU, ActivationKind.of("Relu"));
        assertEquals(ActivationKind.OTHER, ActivationKind.of("leakyrelu(a=0.01)"));
        assertEquals(ActivationKind.SIGMOID, ActivationKind.of("HardSigmoid"));
        assertEquals(ActivationKind.RELU, ActivationKind.of("LambdaBlock(ReLU)"));
        assertEquals(ActivationKind.RELU, ActivationKind.of("02ReLU"));
    }

    @Test
    void deadFractionMatchesItsDefinitionOnRandomShapes() {
        java.util.Random rnd = new java.util.Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int rank = 2 + rnd.nextInt(3);
            int[] shape = new int[rank];
            int size = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = 1 + rnd.nextInt(5);
                size *= shape[d];
            }
            float[] v = new float[size];
            double alive = rnd.nextDouble() * 0.3; // sparse positives, so some units die
            for (int i = 0; i < size; i++) {
                v[i] = rnd.nextDouble() < alive ? rnd.nextFloat() : -rnd.nextFloat();
            }
            int axis = 1 + rnd.nextInt(rank - 1);
            Tensor t = Tensor.of(v, shape);
            // the definition: a unit is dead when no value at its index along the axis is positive
            int units = shape[axis];
            int dead = 0;
            for (int u = 0; u < units; u++) {
                boolean any = false;
                for (int i = 0; i < size; i++) {
                    int[] idx = new int[rank];
                    for (int d = rank - 1, r = i; d >= 0; d--) {
                        idx[d] = r % shape[d];
                        r /= shape[d];
                    }
                    any |= idx[axis] == u && v[i] > 0;
                }
                dead += any ? 0 : 1;
            }
            assertEquals((double) dead / units, UnitStats.deadFraction(t, axis), 1e-12, java.util.Arrays.toString(shape) + " axis " + axis);
        }
    }
}
