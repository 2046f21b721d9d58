// Package schema reads the numbered migration files the SQL store backends
// embed, so both follow one naming and numbering rule.
package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Step is one migration: applied once, in version order, and never edited
// once released.
type Step struct {
	Version int
	Name    string // the file name, NNNN_what.sql
	SQL     string
}

// Read returns the steps in dir of fsys, in version order. Files are named
// NNNN_what.sql; the versions must run 1, 2, 3… without a gap or a repeat,
// and there must be at least one (a build with the folder empty would
// otherwise start on no schema at all).
func Read(fsys fs.FS, dir string) ([]Step, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Step
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", name)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Step{Version: v, Name: name, SQL: string(body)})
	}
	if len(out) == 0 {
		return nil, errors.New("no migrations embedded")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, s := range out {
		if s.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", s.Name, i+1)
		}
	}
	return out, nil
}
