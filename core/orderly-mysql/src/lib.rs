//! Orderly's Store on MySQL and MariaDB, ready for MySQL-protocol distributed SQL.
