#ifndef HK_SQLITE_H
#define HK_SQLITE_H

/// Process-wide SQLite settings for the history store, which Swift cannot make itself: `sqlite3_config` is a
/// variadic C function.

/// Turns SQLite's memory statistics off for this process. With them on (SQLite's default), every allocation
/// SQLite makes and frees takes a process-wide mutex to keep the counts behind `sqlite3_memory_used`, which
/// housekeeper never reads.
///
/// Only effective before SQLite is initialised (the first connection opened in the process): returns SQLITE_OK
/// (0) then, SQLITE_MISUSE (21) after, when nothing changes.
int hk_sqlite_disable_memory_statistics(void);

#endif
