package recordings

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// isSpoolTar reports whether a spool file name is one to import: a *.tar
// that is not a dot-file (rsync writes .<name>.XXXXXX and renames it when
// done).
func isSpoolTar(name string) bool {
	return strings.HasSuffix(name, ".tar") && len(name) > len(".tar") && !strings.HasPrefix(name, ".")
}

// spoolTars lists the tars waiting in the spool, by name.
func spoolTars(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list spool: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && isSpoolTar(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// spoolEvent says a tar appeared in the spool (renamed or created) or was
// written to in place.
type spoolEvent struct {
	name    string
	written bool
}

// spoolWatcher turns fsnotify's events on the spool into spoolEvents for
// tars only.
type spoolWatcher struct {
	w      *fsnotify.Watcher
	events chan spoolEvent
	errors chan error
	done   chan struct{}
	wg     sync.WaitGroup
}

func newSpoolWatcher(dir string) (*spoolWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch spool: %w", err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch spool %s: %w", dir, err)
	}
	sw := &spoolWatcher{
		w:      w,
		events: make(chan spoolEvent, 16),
		errors: make(chan error, 1),
		done:   make(chan struct{}),
	}
	sw.wg.Go(sw.forward)
	return sw, nil
}

func (sw *spoolWatcher) forward() {
	for {
		select {
		case <-sw.done:
			return
		case ev, ok := <-sw.w.Events:
			if !ok {
				return
			}
			name := filepath.Base(ev.Name)
			if !isSpoolTar(name) {
				continue
			}
			var out spoolEvent
			switch {
			case ev.Has(fsnotify.Create):
				// A rename into the spool arrives as Create too.
				out = spoolEvent{name: name}
			case ev.Has(fsnotify.Write):
				out = spoolEvent{name: name, written: true}
			default:
				continue
			}
			select {
			case sw.events <- out:
			case <-sw.done:
				return
			default:
				// The importer is woken already; a full queue loses
				// nothing, since each wake lists the whole spool.
			}
		case err, ok := <-sw.w.Errors:
			if !ok {
				return
			}
			select {
			case sw.errors <- err:
			default:
			}
		}
	}
}

// Close stops watching and waits for the forwarding goroutine.
func (sw *spoolWatcher) Close() error {
	close(sw.done)
	err := sw.w.Close()
	sw.wg.Wait()
	return err
}
