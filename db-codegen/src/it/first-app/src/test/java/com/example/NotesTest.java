package com.example;

import static com.example.db.Tables.NOTES;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.roachkit.core.Database;
import dev.roachkit.test.Isolation;
import dev.roachkit.test.RoachkitTest;
import org.junit.jupiter.api.Test;

@RoachkitTest(isolation = Isolation.METHOD)
class NotesTest {
    Database db;

    @Test
    void storesANote() {
        db.dslTransaction(dsl -> dsl.insertInto(NOTES).set(NOTES.ID, 1L).set(NOTES.BODY, "hello").execute());
        int notes = db.dslReadOnly(dsl -> dsl.fetchCount(NOTES));
        assertEquals(1, notes);
    }

    @Test
    void startsEmpty(Database param) {
        int notes = param.dslReadOnly(dsl -> dsl.fetchCount(NOTES));
        assertEquals(0, notes);
    }
}
