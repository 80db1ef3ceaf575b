package io.nnviz.api.hook;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MetricNamesTest {
    @Test
    void everyFrameworksSpellingOfAMetricIsOneName() {
        Map<String, String> seen = Map.ofEntries(
                Map.entry("Accuracy", "accuracy"),                       // DJL's evaluator
                Map.entry("train_Accuracy", "train/accuracy"),           // DJL's EasyTrain result keys
                Map.entry("validate_Accuracy", "validation/accuracy"),
                Map.entry("validate_loss", "validation/loss"),
                Map.entry("TopKAccuracy", "top_k_accuracy"),
                Map.entry("val_acc", "validation/accuracy"),             // Keras 2
                Map.entry("val_accuracy", "validation/accuracy"),
                Map.entry("acc", "accuracy"),
                Map.entry("train/accuracy", "train/accuracy"),           // already canonical: unchanged
                Map.entry("loss", "loss"),
                Map.entry("MSE", "mse"),
                Map.entry("learning_rate/conv1", "learning_rate/conv1"), // a family keeps its member's name
                Map.entry("update_ratio/Conv2D_1/W", "update_ratio/Conv2D_1/W"));
        seen.forEach((given, want) -> assertEquals(want, MetricNames.canonical(given), given));
        for (String s : List.of("Accuracy", "val_acc", "TopKAccuracy")) {
            assertEquals(MetricNames.canonical(s), MetricNames.canonical(MetricNames.canonical(s)), "canonical is idempotent: " + s);
        }
    }

    @Test
    void manualTrainingDeliversItsSuppliersValuesAsValidationMetrics() {
        AtomicReference<TrainingEvent> end = new AtomicReference<>();
        Hook hook = new Hook() {
            @Override
            public void onEpochEnd(TrainingEvent e) {
                end.set(e);
            }
        };
        try (ManualTraining t = ManualTraining.start(null, hook)) {
            t.validateOn((java.util.function.Supplier<Map<String, Double>>) () -> Map.of("Accuracy", 0.75, "loss", 0.5));
            t.stepEnd(1.0, r -> Snapshot.EMPTY);
            t.stepEnd(0.5, r -> Snapshot.EMPTY);
            t.epochEnd(Map.of("train/accuracy", 0.8));
        }
        // train/loss: the mean of the epoch's step losses, where the loop gave none of its own
        assertEquals(Map.of("train/accuracy", 0.8, "train/loss", 0.75, "validation/accuracy", 0.75, "validation/loss", 0.5),
                end.get().metrics());
        try (ManualTraining t = ManualTraining.start(null, hook)) {
            assertThrows(IllegalArgumentException.class, () -> t.validateOn(List.of()));
        }
    }
}
