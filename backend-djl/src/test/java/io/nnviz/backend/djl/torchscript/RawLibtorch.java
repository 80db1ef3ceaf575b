package io.nnviz.backend.djl.torchscript;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

import java.nio.file.Path;
import java.util.Map;

/**
 * A child JVM's main: a TorchScript file handed to DJL's PyTorch engine as an application would
 * without nnviz (no checks, the caller's thread), and then, if a shape is given, run once on zeros
 * of that shape. Prints what libtorch said; a native crash ends the JVM instead. Used by
 * {@link HostileTorchScriptTest} to show what nnviz's checks stand between.
 */
public final class RawLibtorch {
    private RawLibtorch() {
    }

    public static void main(String[] args) {
        try (Model m = Model.newInstance("raw", "PyTorch")) {
            m.load(Path.of(args[0]), null, Map.of("trainParam", "true"));
            System.out.println("loaded");
            if (args.length > 1) {
                long[] shape = java.util.Arrays.stream(args[1].split("x")).mapToLong(Long::parseLong).toArray();
                try {
                    m.getBlock().forward(new ParameterStore(), new NDList(m.getNDManager().zeros(new ai.djl.ndarray.types.Shape(shape))),
                            false);
                    System.out.println("ran");
                } catch (RuntimeException e) {
                    System.out.println("forward refused: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                }
            }
        } catch (Exception e) {
            System.out.println("refused: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }
}
