package org.containerj.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

class LmdbTest {

    @TempDir
    Path dir;

    @Test
    void loadsAndRoundTrips() {
        String lib = Lmdb.load();
        if (System.getProperty(Lmdb.UNPACKED_PROPERTY) != null) {
            // unpacked once into a private directory, not to a new temporary file per JVM
            assertTrue(lib.matches(".*/containerj-lmdb-[^/]+/[a-z0-9_]+-linux-gnu\\.so"), lib);
            assertEquals(lib, System.getProperty(Lmdb.NATIVE_LIB_PROPERTY));
        }
        assertEquals(lib, Lmdb.load(), "loads once");
        assertTrue(Lmdb.version().startsWith("0.9."), Lmdb.version());
        try (Env<byte[]> env = Env.create(ByteArrayProxy.PROXY_BA).setMapSize(1 << 20).setMaxDbs(1).open(dir.toFile())) {
            Dbi<byte[]> db = env.openDbi("t", DbiFlags.MDB_CREATE);
            byte[] k = "k".getBytes(StandardCharsets.UTF_8);
            byte[] v = "v".getBytes(StandardCharsets.UTF_8);
            try (Txn<byte[]> txn = env.txnWrite()) {
                db.put(txn, k, v);
                txn.commit();
            }
            try (Txn<byte[]> txn = env.txnRead()) {
                assertArrayEquals(v, db.get(txn, k));
            }
        }
    }
}
