package dev.roachkit.core.internal.jdbc;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sets the number of programs from {@code -Droachkit.fuzz.programs=N} (the long run) and the
 * seed from {@code -Droachkit.fuzz.seed=S} (to reproduce a run), and shrinks without a time bound
 * with {@code -Droachkit.fuzz.fullShrink=true} (smallest counterexamples); without them the property's
 * own small CI budget applies.
 */
public final class FuzzBudget implements AroundPropertyHook {
    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        String programs = System.getProperty("roachkit.fuzz.programs", "");
        if (!programs.isBlank()) {
            context.attributes().setTries(Integer.parseInt(programs.strip()));
        }
        String seed = System.getProperty("roachkit.fuzz.seed", "");
        if (!seed.isBlank()) {
            context.attributes().setSeed(seed.strip());
        }
        if (Boolean.getBoolean("roachkit.fuzz.fullShrink")) {
            context.attributes().setShrinking(net.jqwik.api.ShrinkingMode.FULL);
        }
        return property.execute();
    }
}
