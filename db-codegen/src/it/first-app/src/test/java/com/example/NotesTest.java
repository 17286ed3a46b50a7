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
        assertEquals(1, db.dslReadOnly(dsl -> dsl.fetchCount(NOTES)));
    }

    @Test
    void startsEmpty(Database param) {
        assertEquals(0, param.dslReadOnly(dsl -> dsl.fetchCount(NOTES)));
    }
}
