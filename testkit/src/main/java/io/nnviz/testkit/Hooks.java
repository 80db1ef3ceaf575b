package io.nnviz.testkit;

import io.nnviz.api.hook.CaptureRequest;
import io.nnviz.api.hook.Hook;
import io.nnviz.api.hook.TrainingEvent;

import java.util.function.Consumer;
import java.util.function.LongFunction;

/** Hooks for backend tests. */
public final class Hooks {
    private Hooks() {
    }

    /** A hook that asks for what {@code request} gives at each step and hands every step's event to {@code sink}. */
    public static Hook asking(LongFunction<CaptureRequest> request, Consumer<TrainingEvent> sink) {
        return new Hook() {
            @Override
            public CaptureRequest request(long step, int epoch) {
                return request.apply(step);
            }

            @Override
            public void onStepEnd(TrainingEvent e) {
                sink.accept(e);
            }
        };
    }
}
