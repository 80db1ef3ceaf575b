package io.nnviz.api.hook;

import io.nnviz.api.hook.Attachment;

/**
 * An attachment whose hooks are driven by a {@link HookDispatcher}: its counters are the
 * dispatcher's. Backends' listeners implement this and name their dispatcher, which may be null
 * before the first training callback (then every counter is 0).
 */
public interface DispatchedAttachment extends Attachment {
    /** The dispatcher delivering to the hooks, or null while there is none yet. */
    HookDispatcher dispatcher();

    @Override
    default long hookErrors() {
        HookDispatcher d = dispatcher();
        return d == null ? 0 : d.hookErrors();
    }

    @Override
    default long stepsSeen() {
        HookDispatcher d = dispatcher();
        return d == null ? 0 : d.stepsSeen();
    }

    @Override
    default long timeInNnvizNanos() {
        HookDispatcher d = dispatcher();
        return d == null ? 0 : d.timeInNnvizNanos();
    }
}
