//! Orderly's Store on SQLite (rusqlite, bundled): migrations, WAL, one transaction per call.
