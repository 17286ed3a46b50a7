package dev.roachkit.migrate;

import dev.roachkit.core.Database;
import dev.roachkit.core.Settings;
import java.util.HashMap;
import java.util.Map;

/**
 * What an application instance does at start-up, as a separate process for the multi-process
 * tests: {@code Database.init()} with the settings given as {@code key=value} arguments.
 * Exit code 0 when it succeeded.
 */
public final class MigrateMain {
    private MigrateMain() {
    }

    /**
     * @param args settings as key=value
     */
    public static void main(String[] args) {
        Map<String, String> settings = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            settings.put(a.substring(0, eq), a.substring(eq + 1));
        }
        try (Database db = Database.init(Settings.of(settings))) {
            System.out.println("MIGRATED to " + Migrator.of(db).status().current());
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
