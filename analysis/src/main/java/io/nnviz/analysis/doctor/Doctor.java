package io.nnviz.analysis.doctor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The training doctor: a set of {@link Rule}s run over a training run's evidence, giving its
 * {@link Finding}s, the most severe first, then the earliest. A pure function of the run, so a
 * run diagnosed while it trains and the same run read back from its files give the same findings.
 * Immutable; thresholds are the rules' own, changed by giving a rule built with others.
 *
 * <pre>{@code
 * Doctor doctor = Doctor.defaults().with(new DeadUnitsRule(0.2, 3)).without(LossSpikesRule.ID);
 * for (Finding f : doctor.diagnose(run)) {
 *     System.out.println(f.line());
 * }
 * }</pre>
 *
 * A rule that throws is logged and skipped: a diagnosis never fails for one rule.
 */
public final class Doctor {
    private static final Logger LOG = LoggerFactory.getLogger(Doctor.class);
    /** Findings in the order they are shown: most severe, then earliest, then by rule. */
    public static final Comparator<Finding> ORDER = Comparator.comparing(Finding::severity).reversed()
            .thenComparingLong(f -> f.step() >= 0 ? f.step() : Long.MAX_VALUE)
            .thenComparingInt(Finding::epoch).thenComparing(Finding::rule);

    private final List<Rule> rules;

    private Doctor(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        if (this.rules.stream().map(Rule::id).distinct().count() != this.rules.size()) {
            throw new IllegalArgumentException("two rules with one id among " + this.rules.stream().map(Rule::id).toList());
        }
    }

    /** Every rule with its default thresholds. */
    public static Doctor defaults() {
        return new Doctor(List.of(NonFiniteRule.DEFAULT, LossDivergenceRule.DEFAULT, LossSpikesRule.DEFAULT, LossPlateauRule.DEFAULT,
                ChanceLevelRule.DEFAULT, VanishingGradientsRule.DEFAULT, ExplodingGradientsRule.DEFAULT, DeadUnitsRule.DEFAULT,
                SaturatedUnitsRule.DEFAULT, UpdateRatioRule.DEFAULT, OverfittingRule.DEFAULT, CollapseRule.DEFAULT,
                FrozenWeightsRule.DEFAULT));
    }

    /** A doctor of exactly these rules (ids unique). */
    public static Doctor of(List<? extends Rule> rules) {
        return new Doctor(new ArrayList<>(rules));
    }

    /** This doctor with {@code rule} in place of the one of the same id (or added). */
    public Doctor with(Rule rule) {
        Objects.requireNonNull(rule, "rule");
        List<Rule> out = new ArrayList<>();
        boolean replaced = false;
        for (Rule r : rules) {
            if (r.id().equals(rule.id())) {
                out.add(rule);
                replaced = true;
            } else {
                out.add(r);
            }
        }
        if (!replaced) {
            out.add(rule);
        }
        return new Doctor(out);
    }

    /** This doctor without the rule of id {@code id}. */
    public Doctor without(String id) {
        Objects.requireNonNull(id, "id");
        return new Doctor(rules.stream().filter(r -> !r.id().equals(id)).toList());
    }

    /** The rules, in the order they run. */
    public List<Rule> rules() {
        return rules;
    }

    /** What the rules find in {@code run}, in {@link #ORDER}. */
    public List<Finding> diagnose(TrainingRecord run) {
        Objects.requireNonNull(run, "run");
        List<Finding> out = new ArrayList<>();
        for (Rule r : rules) {
            try {
                out.addAll(r.check(run));
            } catch (RuntimeException e) {
                LOG.warn("nnviz doctor: rule {} failed on this run and was skipped: {}", r.id(), e.toString());
            }
        }
        out.sort(ORDER);
        return out;
    }
}
