package recordings

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// ErrFilesMissing means a format folder of a recording is in neither the
// publish nor the unpublish directory.
var ErrFilesMissing = errors.New("recording files not found")

// Files keeps a recording's playback files where its state says: each format
// in <dir>/<format>/<recordID>, dir being the publish directory (served) or
// the unpublish directory (kept, not served).
type Files struct {
	PublishDir   string
	UnpublishDir string
}

// SetPublished moves every format folder of rec into the publish directory
// (publish) or the unpublish directory. A folder already in the target alone
// is left alone; one in both has its copy in the source dropped as stale; one
// in neither is ErrFilesMissing. It stops at the first failure, so folders
// moved before it stay moved: calling it again finishes the job.
func (f Files) SetPublished(rec store.Recording, publish bool) error {
	if err := checkName(rec.RecordID); err != nil {
		return err
	}
	from, to := f.UnpublishDir, f.PublishDir
	if !publish {
		from, to = to, from
	}
	for _, pf := range rec.Formats {
		if err := checkName(pf.Format); err != nil {
			return err
		}
		src := filepath.Join(from, pf.Format, rec.RecordID)
		dst := filepath.Join(to, pf.Format, rec.RecordID)
		if err := moveFolder(src, dst); err != nil {
			return fmt.Errorf("move %s of %s: %w", pf.Format, rec.RecordID, err)
		}
	}
	return nil
}

// Delete removes the recording's folders of every format from both the
// publish and the unpublish directory, including formats the store does not
// know, as Scalelite's rm -r <publish_dir>/*/<recordID> does.
func (f Files) Delete(rec store.Recording) error {
	if err := checkName(rec.RecordID); err != nil {
		return err
	}
	for _, root := range []string{f.PublishDir, f.UnpublishDir} {
		entries, err := os.ReadDir(root)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("delete %s: %w", rec.RecordID, err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				continue
			}
			if err := os.RemoveAll(filepath.Join(root, e.Name(), rec.RecordID)); err != nil {
				return fmt.Errorf("delete %s: %w", rec.RecordID, err)
			}
		}
	}
	return nil
}

// checkName refuses a record id or format that is not a single path element,
// so no value can reach outside the recording directories.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return fmt.Errorf("unsafe recording path element %q", name)
	}
	return nil
}

// moveFolder moves src to dst by the rules of SetPublished.
func moveFolder(src, dst string) error {
	srcThere, err := exists(src)
	if err != nil {
		return err
	}
	dstThere, err := exists(dst)
	if err != nil {
		return err
	}
	switch {
	case dstThere && srcThere:
		return os.RemoveAll(src)
	case dstThere:
		return nil
	case !srcThere:
		return ErrFilesMissing
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	err = os.Rename(src, dst)
	if errors.Is(err, syscall.EXDEV) {
		return copyThenRemove(src, dst)
	}
	if err != nil {
		// A concurrent request (or node, on shared storage) may have
		// moved it first.
		if moved, _ := exists(dst); moved {
			if left, _ := exists(src); !left {
				return nil
			}
		}
		return err
	}
	return nil
}

func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// copyThenRemove moves src to dst across file systems: a copy under a
// temporary name beside dst, renamed into place once complete, so dst never
// holds half a recording; then src is removed.
func copyThenRemove(src, dst string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".moving-")
	if err != nil {
		return err
	}
	if err := copyTree(src, tmp); err != nil {
		return errors.Join(err, os.RemoveAll(tmp))
	}
	if err := os.Rename(tmp, dst); err != nil {
		return errors.Join(err, os.RemoveAll(tmp))
	}
	return os.RemoveAll(src)
}

// copyTree copies the directory src into the existing directory dst:
// folders, regular files and symbolic links (as links); other kinds of file
// have no place in a recording and are skipped.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if rel == "." {
				return os.Chmod(dst, info.Mode().Perm())
			}
			return os.Mkdir(target, info.Mode().Perm())
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			return copyFile(path, target, info.Mode().Perm())
		}
		return nil
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		return errors.Join(err, out.Close())
	}
	return out.Close()
}
