package io.nnviz.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 26: each CLI build extracts its own copy of a world; the copies of other builds, unused for a day, are removed. */
class WorldsCacheTest {
    @TempDir
    Path cache;
    @TempDir
    Path outside;

    private Path world(String name, Duration age) throws Exception {
        Path d = Files.createDirectories(cache.resolve(name));
        Files.writeString(d.resolve("natives.jar"), "x");
        Files.setLastModifiedTime(d, FileTime.from(Instant.now().minus(age)));
        return d;
    }

    @Test
    void staleCopiesOfTheSameWorldGoOthersStay() throws Exception {
        Path keep = world("dl4j-0000000c", Duration.ofDays(3)); // the one in use, however old its folder's time
        Path stale = world("dl4j-0000000a", Duration.ofDays(2));
        Path recent = world("dl4j-0000000b", Duration.ofHours(2)); // another build's CLI may be running it
        Path otherWorld = world("djl-0000000a", Duration.ofDays(2));
        Files.writeString(outside.resolve("keep-me"), "not the cache's");
        Path link = Files.createSymbolicLink(cache.resolve("dl4j-linked"), outside);

        Worlds.removeStale(cache, "dl4j", keep);

        assertFalse(Files.exists(stale), "a copy unused for two days is gone");
        assertTrue(Files.exists(keep.resolve("natives.jar")));
        assertTrue(Files.exists(recent.resolve("natives.jar")));
        assertTrue(Files.exists(otherWorld.resolve("natives.jar")), "another world's copies are that world's business");
        assertTrue(Files.isSymbolicLink(link) && Files.exists(outside.resolve("keep-me")), "a link is never followed nor removed");
    }
}
