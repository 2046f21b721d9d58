package recgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// NewSQLitePath returns where a benchmark creates its SQLite database: path
// itself, which must not exist yet, or with path "" a file in a new temp
// dir. cleanup removes the temp dir; with keep it only says where the file
// is, on stderr.
func NewSQLitePath(path string, keep bool) (_ string, cleanup func() error, _ error) {
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return "", nil, fmt.Errorf("%s exists: the benchmark wants a new file", path)
		}
		return path, func() error { return nil }, nil
	}
	dir, err := os.MkdirTemp("", "bbb-bench-*")
	if err != nil {
		return "", nil, fmt.Errorf("sqlite temp dir: %w", err)
	}
	path = filepath.Join(dir, "bench.db")
	if keep {
		return path, func() error {
			fmt.Fprintln(os.Stderr, "sqlite: kept", path)
			return nil
		}, nil
	}
	return path, func() error { return os.RemoveAll(dir) }, nil
}

// ScratchPostgres creates a new, empty database on the server adminDSN
// points at, so a benchmark never touches data of its own, and returns a
// DSN for it. drop drops it, closing whatever connections are still open to
// it; with keep it only says which database it was, on stderr.
func ScratchPostgres(ctx context.Context, adminDSN string, keep bool) (dsn string, drop func() error, _ error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("scratch database name: %w", err)
	}
	name := "bbbbench_" + hex.EncodeToString(b[:])
	dsn, err := withDatabase(adminDSN, name)
	if err != nil {
		return "", nil, err
	}
	if err := Exec(ctx, adminDSN, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		return "", nil, fmt.Errorf("create scratch database: %w", err)
	}
	drop = func() error {
		if keep {
			fmt.Fprintln(os.Stderr, "postgres: kept database", name)
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := Exec(ctx, adminDSN, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop scratch database %s: %w", name, err)
		}
		return nil
	}
	return dsn, drop, nil
}

// Exec runs one statement on its own connection. After a bulk load the
// benchmarks run VACUUM ANALYZE with it: autovacuum would get there within
// a minute or so, and the queries should run on the statistics and
// visibility map a settled database has.
func Exec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, sql)
	return errors.Join(err, conn.Close(ctx))
}

// withDatabase returns dsn pointed at another database.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			// url.Error quotes the URL, password and all.
			return "", errors.New("parse postgres dsn: not a valid URL")
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil
}
