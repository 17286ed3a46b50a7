package com.example;

import static com.example.db.Tables.NOTES;

import dev.roachkit.core.Database;

/** The smallest roachkit application: start (migrating the schema), count the notes, stop. */
public final class App {
    private App() {
    }

    /**
     * Runs the application.
     *
     * @param args none
     */
    public static void main(String[] args) {
        try (Database db = Database.init()) {   // settings.conf or DB_URL -> pool -> schema migrated
            int notes = db.dslReadOnly(dsl -> dsl.fetchCount(NOTES));
            System.out.println("notes: " + notes);
        }
    }
}
