/* mre-store.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "mre-store-private.h"

/* The broker's store: SQLite, WAL, synchronous=NORMAL. A commit is in the
 * WAL file once it returns: it survives the broker's crash (not a power
 * failure, which synchronous=FULL would take).
 *
 * Checkpoints (copying the WAL into the database, with an fdatasync() of
 * each) run on a thread of the store's, on a connection of its own, once
 * the WAL has CHECKPOINT_PAGES pages: the broker's loop never waits for the
 * disk. They are passive: they never block a commit. */

#define CHECKPOINT_PAGES 1000

#define SCHEMA_VERSION "1"

enum
{
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ADD_RETAINED,
  STMT_REMOVE_RETAINED,
  STMT_SET_SESSION,
  STMT_REMOVE_SESSION,
  N_STMTS
};

static const char *const statements[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ADD_RETAINED] = "INSERT INTO retained (position, name, sender, frame) VALUES (?, ?, ?, ?)",
  [STMT_REMOVE_RETAINED] = "DELETE FROM retained WHERE position = ?",
  [STMT_SET_SESSION] = "INSERT OR REPLACE INTO sessions (session, seq, used) VALUES (?, ?, ?)",
  [STMT_REMOVE_SESSION] = "DELETE FROM sessions WHERE session = ?",
};

struct _MreStore
{
  char         *path;
  int           lock_fd;
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  char         *id;
  gboolean      in_transaction;
  gboolean      failed;        /* a write of this transaction failed */
  gboolean      failure_logged;

  GThread      *checkpointer;
  GMutex        checkpoint_lock;
  GCond         checkpoint_cond;
  gboolean      checkpoint_asked;  /* and not begun yet */
  gboolean      quit;
};

static gpointer
checkpoint_thread (gpointer data)
{
  MreStore *store = data;
  sqlite3 *db = NULL;

  /* A connection knows the database is in WAL mode once it has read it. */
  if (sqlite3_open_v2 (store->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_exec (db, "SELECT count(*) FROM meta", NULL, NULL, NULL) != SQLITE_OK)
    g_message ("Cannot open the store %s to checkpoint it: %s", store->path, sqlite3_errmsg (db));

  g_mutex_lock (&store->checkpoint_lock);
  while (!store->quit)
    {
      if (!store->checkpoint_asked)
        {
          g_cond_wait (&store->checkpoint_cond, &store->checkpoint_lock);
          continue;
        }
      store->checkpoint_asked = FALSE;
      g_mutex_unlock (&store->checkpoint_lock);
      if (db != NULL)
        sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      g_mutex_lock (&store->checkpoint_lock);
    }
  g_mutex_unlock (&store->checkpoint_lock);

  sqlite3_close (db);
  return NULL;
}

/* After each commit: @pages in the WAL. */
static int
wal_hook (gpointer     data,
          sqlite3     *db,
          const char  *name,
          int          pages)
{
  MreStore *store = data;

  if (pages >= CHECKPOINT_PAGES)
    {
      g_mutex_lock (&store->checkpoint_lock);
      store->checkpoint_asked = TRUE;
      g_cond_signal (&store->checkpoint_cond);
      g_mutex_unlock (&store->checkpoint_lock);
    }
  return SQLITE_OK;
}

static gboolean
set_sqlite_error (MreStore    *store,
                  const char  *doing,
                  GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot %s the store %s: %s",
               doing, store->path, sqlite3_errmsg (store->db));
  return FALSE;
}

static gboolean
exec (MreStore    *store,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_sqlite_error (store, "set up", error);
  return TRUE;
}

/* The store's id: made when the store is, kept in its meta table. */
static gboolean
read_id (MreStore  *store,
         GError   **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (store->db, "SELECT value FROM meta WHERE key = 'id'", -1, &stmt, NULL) != SQLITE_OK)
    return set_sqlite_error (store, "read", error);

  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      store->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      ok = TRUE;
      break;
    case SQLITE_DONE:
      {
        g_autofree char *id = g_uuid_string_random ();  /* hexadecimal digits and dashes */
        g_autofree char *sql = g_strdup_printf ("INSERT INTO meta (key, value) VALUES ('id', '%s')", id);

        ok = exec (store, sql, error);
        if (ok)
          store->id = g_steal_pointer (&id);
      }
      break;
    default:
      set_sqlite_error (store, "read", error);
      break;
    }
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
lock_directory (MreStore    *store,
                const char  *dir,
                GError     **error)
{
  g_autofree char *lock_path = g_build_filename (dir, "lock", NULL);
  int saved;

  store->lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (store->lock_fd < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot open %s: %s", lock_path, g_strerror (saved));
      return FALSE;
    }
  if (flock (store->lock_fd, LOCK_EX | LOCK_NB) < 0)
    {
      saved = errno;
      if (saved == EWOULDBLOCK)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     "Another broker uses the state directory %s", dir);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     "Cannot lock %s: %s", lock_path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* The database, and the files SQLite keeps beside it. */
static const char *const private_suffixes[] = { "", "-wal", "-shm" };

/* Makes @path mode 0600, whatever the umask; @create: made empty if
 * missing (else a missing file is fine). SQLite gives the -wal and -shm
 * files it creates the mode of the database: so the database is made 0600
 * before SQLite opens it, and the files an older broker left are made 0600
 * too. */
static gboolean
make_private (const char  *path,
              gboolean     create,
              GError     **error)
{
  int fd = g_open (path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
  struct stat st;
  int saved;

  if (fd < 0 && !create && errno == ENOENT)
    return TRUE;
  if (fd < 0 || fstat (fd, &st) < 0 ||
      ((st.st_mode & 07777) != 0600 && fchmod (fd, 0600) < 0))
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot make %s readable by its owner only: %s", path, g_strerror (saved));
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/**
 * mre_store_open:
 * @dir: the state directory, made (mode 0700) if missing
 * @error: return location for a #GError
 *
 * Opens the store of @dir, or makes it.
 *
 * Returns: the store, or %NULL with %G_IO_ERROR_BUSY (another broker has
 *   it open) or another error
 */
MreStore *
mre_store_open (const char  *dir,
                GError     **error)
{
  MreStore *store = g_new0 (MreStore, 1);

  store->lock_fd = -1;
  g_mutex_init (&store->checkpoint_lock);
  g_cond_init (&store->checkpoint_cond);
  store->path = g_build_filename (dir, "store.db", NULL);

  /* A directory the broker makes is 0700, whatever the umask. */
  if (!g_file_test (dir, G_FILE_TEST_EXISTS) &&
      (g_mkdir_with_parents (dir, 0700) < 0 || g_chmod (dir, 0700) < 0))
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot make the state directory %s: %s", dir, g_strerror (saved));
      goto fail;
    }
  if (!lock_directory (store, dir, error))
    goto fail;

  for (guint i = 0; i < G_N_ELEMENTS (private_suffixes); i++)
    {
      g_autofree char *path = g_strconcat (store->path, private_suffixes[i], NULL);

      if (!make_private (path, i == 0, error))
        goto fail;
    }

  if (sqlite3_open_v2 (store->path, &store->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      set_sqlite_error (store, "open", error);
      goto fail;
    }
  /* A file that is not a database fails at the first statement. */
  if (!exec (store, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;",
             error) ||
      !exec (store,
             "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
             "CREATE TABLE IF NOT EXISTS retained (position INTEGER PRIMARY KEY, name TEXT NOT NULL,"
             "  sender TEXT NOT NULL, frame BLOB NOT NULL);"
             "CREATE TABLE IF NOT EXISTS sessions (session TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
             "  used INTEGER NOT NULL);"
             "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '" SCHEMA_VERSION "');",
             error) ||
      !read_id (store, error))
    goto fail;

  store->checkpointer = g_thread_new ("mre-store-checkpoint", checkpoint_thread, store);
  sqlite3_wal_hook (store->db, wal_hook, store);

  for (guint i = 0; i < N_STMTS; i++)
    {
      if (sqlite3_prepare_v3 (store->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
                              &store->stmts[i], NULL) != SQLITE_OK)
        {
          set_sqlite_error (store, "prepare", error);
          goto fail;
        }
    }

  return store;

fail:
  mre_store_close (store);
  return NULL;
}

void
mre_store_close (MreStore *store)
{
  if (store->in_transaction)
    mre_store_commit (store);
  if (store->checkpointer != NULL)
    {
      g_mutex_lock (&store->checkpoint_lock);
      store->quit = TRUE;
      g_cond_signal (&store->checkpoint_cond);
      g_mutex_unlock (&store->checkpoint_lock);
      g_thread_join (store->checkpointer);
    }
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (store->stmts[i]);
  sqlite3_close (store->db);
  if (store->lock_fd >= 0)
    close (store->lock_fd);
  g_mutex_clear (&store->checkpoint_lock);
  g_cond_clear (&store->checkpoint_cond);
  g_free (store->path);
  g_free (store->id);
  g_free (store);
}

const char *
mre_store_get_id (MreStore *store)
{
  return store->id;
}

/* Reads back the retained events, oldest first, and the sessions. */
gboolean
mre_store_load (MreStore             *store,
                MreStoreRetainedFunc  retained,
                MreStoreSessionFunc   session,
                gpointer              user_data,
                GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (store->db, "SELECT position, name, sender, frame FROM retained ORDER BY position",
                          -1, &stmt, NULL) != SQLITE_OK)
    return set_sqlite_error (store, "read", error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GBytes) frame = g_bytes_new (sqlite3_column_blob (stmt, 3), sqlite3_column_bytes (stmt, 3));

      retained (sqlite3_column_int64 (stmt, 0), (const char *) sqlite3_column_text (stmt, 1),
                (const char *) sqlite3_column_text (stmt, 2), frame, user_data);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (store, "read", error);

  if (sqlite3_prepare_v2 (store->db, "SELECT session, seq, used FROM sessions", -1, &stmt, NULL) != SQLITE_OK)
    return set_sqlite_error (store, "read", error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    session ((const char *) sqlite3_column_text (stmt, 0), sqlite3_column_int64 (stmt, 1),
             sqlite3_column_int64 (stmt, 2), user_data);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (store, "read", error);

  return TRUE;
}

/* Runs a prepared statement of the open transaction; a failure is
 * remembered and logged by mre_store_commit(). */
static void
run (MreStore     *store,
     sqlite3_stmt *stmt)
{
  if (!store->in_transaction && !store->failed)
    {
      if (sqlite3_step (store->stmts[STMT_BEGIN]) != SQLITE_DONE)
        store->failed = TRUE;
      sqlite3_reset (store->stmts[STMT_BEGIN]);
      store->in_transaction = !store->failed;
    }
  if (sqlite3_step (stmt) != SQLITE_DONE)
    store->failed = TRUE;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

void
mre_store_add_retained (MreStore     *store,
                        guint64       position,
                        const char   *name,
                        const char   *sender,
                        const guint8 *frame,
                        gsize         size)
{
  sqlite3_stmt *stmt = store->stmts[STMT_ADD_RETAINED];

  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) position);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, sender, -1, SQLITE_STATIC);
  sqlite3_bind_blob64 (stmt, 4, frame, size, SQLITE_STATIC);
  run (store, stmt);
}

void
mre_store_remove_retained (MreStore *store,
                           guint64   position)
{
  sqlite3_stmt *stmt = store->stmts[STMT_REMOVE_RETAINED];

  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) position);
  run (store, stmt);
}

void
mre_store_set_session (MreStore   *store,
                       const char *session,
                       guint64     seq,
                       gint64      used)
{
  sqlite3_stmt *stmt = store->stmts[STMT_SET_SESSION];

  sqlite3_bind_text (stmt, 1, session, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) seq);
  sqlite3_bind_int64 (stmt, 3, used);
  run (store, stmt);
}

void
mre_store_remove_session (MreStore   *store,
                          const char *session)
{
  sqlite3_stmt *stmt = store->stmts[STMT_REMOVE_SESSION];

  sqlite3_bind_text (stmt, 1, session, -1, SQLITE_STATIC);
  run (store, stmt);
}

/* Ends the transaction. Returns FALSE, after logging it (once until a
 * commit succeeds), if a write or the commit failed: the events are then
 * in the broker's memory only. */
gboolean
mre_store_commit (MreStore *store)
{
  gboolean ok = !store->failed;

  if (store->in_transaction)
    {
      if (sqlite3_step (store->stmts[STMT_COMMIT]) != SQLITE_DONE)
        ok = FALSE;
      sqlite3_reset (store->stmts[STMT_COMMIT]);
      if (!ok && sqlite3_get_autocommit (store->db) == 0)
        sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
      store->in_transaction = FALSE;
    }

  if (!ok && !store->failure_logged)
    g_message ("Cannot write the store %s: %s; the events kept since are in memory only",
               store->path, sqlite3_errmsg (store->db));
  store->failure_logged = !ok;
  store->failed = FALSE;
  return ok;
}
