package recordings

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// refusedError marks a tar the importer will never accept as it is: hostile,
// corrupt or too big. Such a tar is moved to the failed folder instead of
// being retried.
type refusedError struct{ reason string }

func (e *refusedError) Error() string { return e.reason }

func refused(format string, args ...any) error {
	return &refusedError{reason: fmt.Sprintf(format, args...)}
}

// isRefused reports whether err means the tar (or a format in it) can never
// be imported as it is.
func isRefused(err error) bool {
	var r *refusedError
	return errors.As(err, &r)
}

// errIncomplete means a tar has no end-of-archive marker yet: something is
// probably still writing it in place.
var errIncomplete = errors.New("tar has no end-of-archive marker")

// tarBlock is the tar record unit; an archive ends with two zero blocks.
const tarBlock = 512

// checkTarComplete verifies that the file at p ends in the two zero blocks
// every tar writer (GNU tar, Go's archive/tar) closes an archive with.
// archive/tar itself accepts a file cut at an entry boundary as complete, so
// without this a tar still being copied in place could be imported half.
func checkTarComplete(f *os.File, size int64) error {
	if size < 2*tarBlock || size%tarBlock != 0 {
		return errIncomplete
	}
	tail := make([]byte, 2*tarBlock)
	if _, err := f.ReadAt(tail, size-2*tarBlock); err != nil {
		return fmt.Errorf("read end of tar: %w", err)
	}
	if !bytes.Equal(tail, make([]byte, 2*tarBlock)) {
		return errIncomplete
	}
	return nil
}

// extractLimits bounds what extractTar accepts.
type extractLimits struct {
	maxEntry int64
}

// extractTar unpacks the tar read from r into the existing, empty directory
// dir. It accepts only directories and regular files whose names stay inside
// dir: an entry with a ".." element, an absolute name, a link, a device, a
// fifo, or a file bigger than the entry limit refuses the whole tar. Writes
// go through an os.Root, so even a bug here cannot reach outside dir.
func extractTar(r io.Reader, dir string, lim extractLimits) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("open work folder: %w", err)
	}
	defer root.Close()

	// Folders made so far: each MkdirAll through a Root walks the path
	// component by component, so each folder is made once.
	made := map[string]bool{".": true}
	mkdirAll := func(dir string) error {
		if made[dir] {
			return nil
		}
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for d := dir; d != "." && !made[d]; d = path.Dir(d) {
			made[d] = true
		}
		return nil
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return refused("not a valid tar: %v", err)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if name == "." {
				continue
			}
			if err := mkdirAll(name); err != nil {
				return refusedIfExists(name, fmt.Errorf("create folder %s: %w", name, err))
			}
		case tar.TypeReg:
			if name == "." {
				return refused("entry %q: a file cannot be the archive root", hdr.Name)
			}
			if hdr.Size > lim.maxEntry {
				return refused("entry %q: %d bytes, more than the limit of %d", hdr.Name, hdr.Size, lim.maxEntry)
			}
			if err := mkdirAll(path.Dir(name)); err != nil {
				return refusedIfExists(name, fmt.Errorf("create folder %s: %w", path.Dir(name), err))
			}
			if err := writeEntry(root, name, tr); err != nil {
				return err
			}
		case tar.TypeXGlobalHeader:
			// pax defaults for the entries that follow; the reader applies them.
			continue
		case tar.TypeSymlink, tar.TypeLink:
			return refused("entry %q: links are not accepted", hdr.Name)
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			return refused("entry %q: devices and fifos are not accepted", hdr.Name)
		default:
			return refused("entry %q: unsupported entry type %q", hdr.Name, hdr.Typeflag)
		}
	}
}

// entryName cleans a member name and refuses one that could leave the
// extraction folder. A leading "./" is allowed, since `tar -C dir .` writes it.
func entryName(raw string) (string, error) {
	if raw == "" || strings.ContainsRune(raw, 0) {
		return "", refused("entry %q: empty or invalid name", raw)
	}
	if strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, `\`) {
		return "", refused("entry %q: absolute path", raw)
	}
	for _, elem := range strings.FieldsFunc(raw, func(r rune) bool { return r == '/' || r == '\\' }) {
		if elem == ".." {
			return "", refused("entry %q: path leaves the archive", raw)
		}
	}
	return path.Clean(raw), nil
}

// writeEntry creates the file name under root, in an existing folder, with
// the entry's content. It never replaces what is there: a name that occurs
// twice refuses the tar.
func writeEntry(root *os.Root, name string, content io.Reader) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return refusedIfExists(name, fmt.Errorf("create %s: %w", name, err))
	}
	if _, err := io.Copy(f, content); err != nil {
		f.Close()
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return refused("entry %q: truncated", name)
		}
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// refusedIfExists turns a clash with an earlier entry (a duplicate name, or a
// file where a folder should be) into a refusal; other errors, such as a
// full disk, stay errors worth retrying.
func refusedIfExists(name string, err error) error {
	if errors.Is(err, fs.ErrExist) || errors.Is(err, fs.ErrInvalid) || isNotDir(err) {
		return refused("entry %q clashes with an earlier entry", name)
	}
	return err
}

func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
