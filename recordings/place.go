package recordings

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Temporary names the importer gives folders beside a recording's format
// folder. They start with a dot, so no record id can take them, and the
// playback guard, finding no such recording, never serves them.
const (
	replacedMarker  = ".replaced-"
	importingMarker = ".importing-"
)

// placeFormat moves the extracted format folder src to <root>/<format>/<id>,
// replacing an older copy: the old one is renamed aside, the new one renamed
// in, then the old one deleted, so readers see the old or the new folder and
// a crash leaves at worst a dot-named leftover that cleanup removes. The
// other root's copy of the format, if any, is removed afterwards (the
// recording is either published or not). hook runs between the steps.
func placeFormat(src, root, otherRoot, format, recordID string, hook func(string)) error {
	formatDir := filepath.Join(root, format)
	if err := os.MkdirAll(formatDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", formatDir, err)
	}
	target := filepath.Join(formatDir, recordID)
	aside := ""
	if _, err := os.Lstat(target); err == nil {
		aside, err = asideName(formatDir, recordID, replacedMarker)
		if err != nil {
			return err
		}
		if err := os.Rename(target, aside); err != nil {
			return fmt.Errorf("move old %s aside: %w", target, err)
		}
		hook(stepAside)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("inspect %s: %w", target, err)
	}
	if err := renameOrCopy(src, target, formatDir, recordID); err != nil {
		return err
	}
	if aside != "" {
		if err := os.RemoveAll(aside); err != nil {
			return fmt.Errorf("remove old copy %s: %w", aside, err)
		}
	}
	return removeFormatCopy(otherRoot, format, recordID)
}

// removeFormatCopy deletes <root>/<format>/<id> if present, renaming it aside
// first so a half-deleted folder is never seen under the real name.
func removeFormatCopy(root, format, recordID string) error {
	formatDir := filepath.Join(root, format)
	target := filepath.Join(formatDir, recordID)
	if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("inspect %s: %w", target, err)
	}
	aside, err := asideName(formatDir, recordID, replacedMarker)
	if err != nil {
		return err
	}
	if err := os.Rename(target, aside); err != nil {
		return fmt.Errorf("move stale %s aside: %w", target, err)
	}
	if err := os.RemoveAll(aside); err != nil {
		return fmt.Errorf("remove stale copy %s: %w", aside, err)
	}
	return nil
}

// renameOrCopy renames src to target; across file systems it copies src to a
// dot-named folder beside target first and renames that, so target never
// holds half a recording.
func renameOrCopy(src, target, formatDir, recordID string) error {
	err := os.Rename(src, target)
	if err == nil {
		return nil
	}
	if !errors.Is(err, syscall.EXDEV) {
		return fmt.Errorf("move into %s: %w", target, err)
	}
	staging, err := asideName(formatDir, recordID, importingMarker)
	if err != nil {
		return err
	}
	if err := os.Mkdir(staging, 0o755); err != nil {
		return fmt.Errorf("stage %s: %w", staging, err)
	}
	if err := copyTree(src, staging); err != nil {
		return errors.Join(fmt.Errorf("copy into %s: %w", staging, err), os.RemoveAll(staging))
	}
	if err := os.Rename(staging, target); err != nil {
		return errors.Join(fmt.Errorf("move into %s: %w", target, err), os.RemoveAll(staging))
	}
	return nil
}

// asideName returns a fresh, unused dot-name beside a recording's folder.
func asideName(formatDir, recordID, marker string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random name: %w", err)
	}
	return filepath.Join(formatDir, "."+recordID+marker+hex.EncodeToString(b[:])), nil
}

// isLeftover reports whether a name in a format folder is one the importer
// left behind when it was stopped between two steps.
func isLeftover(name string) bool {
	return strings.HasPrefix(name, ".") &&
		(strings.Contains(name, replacedMarker) || strings.Contains(name, importingMarker))
}
