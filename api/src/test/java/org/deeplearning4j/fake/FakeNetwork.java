package org.deeplearning4j.fake;

/** Stands in for a DL4J class in discovery tests (only its package name matters). */
public class FakeNetwork {
}
