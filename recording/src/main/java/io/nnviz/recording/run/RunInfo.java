package io.nnviz.recording.run;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What a run is: its id and name, the hyperparameters and tags its user gave, the model it trained
 * (as far as a hook learnt it) and the names of the model's classes.
 *
 * @param id              unique, stable id (a random UUID unless given)
 * @param name            display name
 * @param hyperparameters values by name: strings, numbers and booleans (others are kept as text)
 * @param tags            free labels
 * @param started         when the run started
 * @param model           the model's name, or empty if not known yet
 * @param framework       the model's framework, or empty
 * @param parameters      the model's parameter count, or -1 if not known
 * @param classNames      the output classes in order, or empty (figures then say "class 3")
 */
public record RunInfo(String id, String name, Map<String, Object> hyperparameters, List<String> tags, Instant started,
                      String model, String framework, long parameters, List<String> classNames) {

    /** Validates and copies. */
    public RunInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(started, "started");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(framework, "framework");
        Map<String, Object> hp = new LinkedHashMap<>();
        hyperparameters.forEach((k, v) -> hp.put(Objects.requireNonNull(k, "hyperparameter name"), plain(v)));
        hyperparameters = Collections.unmodifiableMap(hp);
        tags = List.copyOf(tags);
        classNames = List.copyOf(classNames);
    }

    /** A new run named {@code name}, started now, with a random id and nothing else known. */
    public static RunInfo named(String name) {
        return new RunInfo(UUID.randomUUID().toString(), name, Map.of(), List.of(), Instant.now(), "", "", -1, List.of());
    }

    /** This run with the model it trains. */
    public RunInfo withModel(String model, String framework, long parameters) {
        return new RunInfo(id, name, hyperparameters, tags, started, model, framework, parameters, classNames);
    }

    /** This run with its hyperparameters, tags and class names. */
    public RunInfo with(Map<String, ?> hyperparameters, List<String> tags, List<String> classNames) {
        return new RunInfo(id, name, Map.copyOf(hyperparameters), tags, started, model, framework, parameters, classNames);
    }

    /** The display name of class {@code k}: its name and number, or only its number. */
    public String className(int k) {
        return k >= 0 && k < classNames.size() ? classNames.get(k) + " (class " + k + ")" : "class " + k;
    }

    private static Object plain(Object v) {
        if (v == null) {
            return "null";
        }
        return v instanceof Number || v instanceof Boolean || v instanceof String ? v : v.toString();
    }
}
