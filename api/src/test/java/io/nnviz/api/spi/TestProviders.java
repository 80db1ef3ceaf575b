package io.nnviz.api.spi;

import io.nnviz.api.LayerInfo;
import io.nnviz.api.LayerKind;
import io.nnviz.api.ModelView;
import io.nnviz.api.spi.ModelBuilder;

import java.nio.file.Path;

/** Providers for discovery tests: they open Strings that start with "model:". */
final class TestProviders {
    private TestProviders() {
    }

    abstract static class Base implements BackendProvider {
        @Override
        public boolean supports(Object o) {
            return o instanceof String s && s.startsWith("model:");
        }

        @Override
        public ModelView open(Object o) {
            return ModelBuilder.of(name() + ":" + o).framework(name())
                    .layer(LayerInfo.builder("x", LayerKind.INPUT).build()).build();
        }

        @Override
        public boolean canLoad(Path path) {
            return path.toString().endsWith(".test");
        }

        @Override
        public ModelView load(Path path) {
            return open("model:" + path.getFileName());
        }
    }

    /** Priority 0. */
    public static final class Alpha extends Base {
        @Override
        public String name() {
            return "alpha";
        }
    }

    /** Priority 10: wins over alpha. */
    public static final class Beta extends Base {
        @Override
        public String name() {
            return "beta";
        }

        @Override
        public int priority() {
            return 10;
        }
    }

    /** Same priority as alpha, later name: loses the tie. */
    public static final class Zeta extends Base {
        @Override
        public String name() {
            return "zeta";
        }
    }

    /** Fails in its constructor, as a provider with a missing framework class might. */
    public static final class Exploding extends Base {
        public Exploding() {
            throw new IllegalStateException("framework classes missing");
        }

        @Override
        public String name() {
            return "exploding";
        }
    }

    /** Throws from supports(): must be treated as "no". */
    public static final class Rude extends Base {
        @Override
        public String name() {
            return "rude";
        }

        @Override
        public int priority() {
            return 100;
        }

        @Override
        public boolean supports(Object o) {
            throw new NoClassDefFoundError("org/example/Missing");
        }
    }
}
