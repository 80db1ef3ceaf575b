package io.nnviz.recording;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says a problem the user must see, once: at ERROR through slf4j, and on stderr as well where no
 * slf4j binding is present (slf4j then drops every line, and a run that silently stopped reaching
 * its disk is what must never happen).
 */
final class Loud {
    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);

    private Loud() {
    }

    static void once(String line) {
        LOG.error(line);
        if (LoggerFactory.getILoggerFactory() instanceof org.slf4j.helpers.NOPLoggerFactory) {
            System.err.println(line);
        }
    }
}
