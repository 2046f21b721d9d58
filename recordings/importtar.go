package recordings

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// formatDir is one <format>/<recordID> folder of an extracted tar that holds
// a metadata.xml.
type formatDir struct {
	format, recordID, path string
}

// importTar imports one tar of the spool and records the outcome in sum.
//
// The steps are ordered so that stopping at any point (kill -9) and running
// again imports the recording exactly once with its files in place: the tar
// stays in the spool until every format is stored and moved, storing is an
// upsert keyed by record id and format, a format folder replaces an older
// copy of itself, and the work folder and dot-named leftovers are removed
// when the lease is next taken.
func (im *Importer) importTar(ctx context.Context, name string, sum *ImportSummary) {
	tarPath := filepath.Join(im.cfg.SpoolDir, name)
	log := im.log.With(zap.String("file", name))
	fail := func(f ImportFailure) {
		f.File = name
		sum.Failed = append(sum.Failed, f)
	}

	work, err := im.extract(tarPath)
	if work != "" {
		defer func() {
			if err := os.RemoveAll(work); err != nil {
				log.Warn("remove work folder", zap.Error(err))
			}
		}()
	}
	switch {
	case errors.Is(err, errWaiting):
		log.Debug("recording tar not complete yet", zap.Error(err))
		fail(ImportFailure{Reason: err.Error(), Retry: true})
		return
	case errors.Is(err, fs.ErrNotExist) && work == "":
		// Gone meanwhile: another pass or an operator took it.
		return
	case isRefused(err):
		im.moveToFailed(name, err.Error(), log)
		fail(ImportFailure{Reason: err.Error()})
		return
	case err != nil:
		log.Error("extract recording tar", zap.Error(err))
		fail(ImportFailure{Reason: err.Error(), Retry: true})
		return
	}
	im.hook(stepExtracted)

	dirs, err := findFormatDirs(work)
	if err == nil && len(dirs) == 0 {
		err = refused("no <format>/<recordID>/metadata.xml in the tar")
	}
	if err != nil {
		if isRefused(err) {
			im.moveToFailed(name, err.Error(), log)
			fail(ImportFailure{Reason: err.Error()})
		} else {
			log.Error("read extracted recording", zap.Error(err))
			fail(ImportFailure{Reason: err.Error(), Retry: true})
		}
		return
	}

	var imported []store.Recording
	var refusals []string
	retry := false
	for _, d := range dirs {
		rec, err := im.importFormat(ctx, d)
		flog := log.With(zap.String("record_id", d.recordID), zap.String("format", d.format))
		switch {
		case err == nil:
			flog.Info("imported recording format")
			if !containsRecord(imported, rec.RecordID) {
				imported = append(imported, rec)
			}
		case isRefused(err):
			// One bad format does not keep the others out.
			flog.Error("recording format refused", zap.Error(err))
			refusals = append(refusals, fmt.Sprintf("%s/%s: %v", d.format, d.recordID, err))
			fail(ImportFailure{RecordID: d.recordID, Format: d.format, Reason: err.Error()})
		default:
			flog.Error("import recording format; the tar stays in the spool", zap.Error(err))
			fail(ImportFailure{RecordID: d.recordID, Format: d.format, Reason: err.Error(), Retry: true})
			retry = true
		}
	}
	if retry {
		// Formats imported now are imported again, harmlessly, next time.
		return
	}

	// Stored before the tar goes, so a crash in between cannot lose a
	// callback: the tar is imported again and its callback found pending.
	for _, rec := range imported {
		if err := im.notifier.RecordingReady(ctx, rec.Tenant(), rec.MeetingID, rec.RecordID); err != nil {
			log.Warn("recording-ready callback kept in memory only", zap.String("record_id", rec.RecordID), zap.Error(err))
		}
	}
	if len(refusals) > 0 {
		im.moveToFailed(name, strings.Join(refusals, "\n"), log)
	} else if err := os.Remove(tarPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Error("delete imported recording tar", zap.Error(err))
		fail(ImportFailure{Reason: err.Error(), Retry: true})
		return
	}
	im.hook(stepTarDeleted)
	for _, rec := range imported {
		sum.Imported = append(sum.Imported, rec.RecordID)
	}
}

// errWaiting means a tar looks still in transfer; it is looked at again
// later.
var errWaiting = errors.New("tar is still being written")

// extract checks the tar at tarPath and unpacks it into a new folder of the
// work dir, which it returns (also on failure, for removal).
func (im *Importer) extract(tarPath string) (string, error) {
	f, err := os.Open(tarPath)
	if err != nil {
		return "", fmt.Errorf("open tar: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("inspect tar: %w", err)
	}
	if !info.Mode().IsRegular() {
		return "", refused("not a regular file")
	}
	if info.Size() > im.cfg.MaxTarBytes {
		return "", refused("tar of %d bytes is over the limit of %d", info.Size(), im.cfg.MaxTarBytes)
	}
	if info.Size() >= tarBlock && !validTarStart(f) {
		return "", refused("not a tar")
	}
	if err := checkTarComplete(f, info.Size()); err != nil {
		if !errors.Is(err, errIncomplete) {
			return "", err
		}
		if time.Since(info.ModTime()) < incompleteGrace {
			return "", fmt.Errorf("%w: %w", errWaiting, err)
		}
		return "", refused("truncated tar: %v", err)
	}
	work, err := os.MkdirTemp(im.cfg.WorkDir, workPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("create work folder: %w", err)
	}
	err = extractTar(io.LimitReader(f, info.Size()), work, extractLimits{maxEntry: im.cfg.MaxEntryBytes})
	return work, err
}

// validTarStart reports whether f starts with a tar header (its checksum
// matches) or an end-of-archive block, to tell a tar from anything else
// before waiting for it to complete.
func validTarStart(f *os.File) bool {
	head := make([]byte, tarBlock)
	if _, err := f.ReadAt(head, 0); err != nil {
		return false
	}
	if bytes.Equal(head, make([]byte, tarBlock)) {
		return true
	}
	// The checksum is the byte sum of the header with its own field
	// (offset 148, 8 bytes) taken as spaces, written in octal.
	field := strings.Trim(string(head[148:156]), " \x00")
	want, err := strconv.ParseInt(field, 8, 64)
	if err != nil {
		return false
	}
	var sum int64
	for i, b := range head {
		if i >= 148 && i < 156 {
			b = ' '
		}
		sum += int64(b)
	}
	return sum == want
}

// findFormatDirs lists the <format>/<recordID> folders of an extraction
// that hold a metadata.xml, as Scalelite's */*/metadata.xml glob does.
func findFormatDirs(work string) ([]formatDir, error) {
	formats, err := os.ReadDir(work)
	if err != nil {
		return nil, fmt.Errorf("list extracted tar: %w", err)
	}
	var out []formatDir
	for _, f := range formats {
		if !f.IsDir() || strings.HasPrefix(f.Name(), ".") {
			continue
		}
		ids, err := os.ReadDir(filepath.Join(work, f.Name()))
		if err != nil {
			return nil, fmt.Errorf("list extracted tar: %w", err)
		}
		for _, id := range ids {
			if !id.IsDir() || strings.HasPrefix(id.Name(), ".") {
				continue
			}
			dir := filepath.Join(work, f.Name(), id.Name())
			if st, err := os.Lstat(filepath.Join(dir, "metadata.xml")); err == nil && st.Mode().IsRegular() {
				out = append(out, formatDir{format: f.Name(), recordID: id.Name(), path: dir})
			}
		}
	}
	return out, nil
}

// importFormat stores one format's metadata.xml and moves its folder into
// the publish or unpublish directory. A refusedError means the format can
// never import as it is; any other error is worth another try.
func (im *Importer) importFormat(ctx context.Context, d formatDir) (store.Recording, error) {
	f, err := os.Open(filepath.Join(d.path, "metadata.xml"))
	if err != nil {
		return store.Recording{}, fmt.Errorf("open metadata.xml: %w", err)
	}
	rec, err := ParseMetadataXML(f)
	f.Close()
	if err != nil {
		return store.Recording{}, refused("%v", err)
	}
	if rec.RecordID != d.recordID {
		return store.Recording{}, refused("metadata.xml is for recording %q, found in folder %q", rec.RecordID, d.recordID)
	}
	if got := rec.Formats[0].Format; got != d.format {
		return store.Recording{}, refused("metadata.xml is for format %q, found in folder %q", got, d.format)
	}
	if im.cfg.ImportUnpublished {
		rec.Published = false
		if rec.State == "published" {
			rec.State = "unpublished"
		}
	}
	rec.Protected = im.cfg.Protected

	// The store keeps a publish or protect decision made through the API,
	// so where the files go follows what it returns.
	stored, err := im.recs.UpsertRecording(ctx, rec)
	if err != nil {
		return store.Recording{}, fmt.Errorf("store recording: %w", err)
	}
	im.hook(stepUpserted)
	root, other := im.cfg.PublishDir, im.cfg.UnpublishDir
	if !stored.Published {
		root, other = other, root
	}
	if err := placeFormat(d.path, root, other, d.format, d.recordID, im.hook); err != nil {
		return store.Recording{}, err
	}
	im.hook(stepPlaced)
	return stored, nil
}

// moveToFailed moves a refused tar to the failed folder of the spool with a
// <name>.reason file, so it is kept for inspection and never retried.
func (im *Importer) moveToFailed(name, reason string, log *zap.Logger) {
	log.Error("recording tar refused; moved to the failed folder", zap.String("reason", reason))
	dir := filepath.Join(im.cfg.SpoolDir, FailedDir)
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".reason"), []byte(reason+"\n"), 0o644)
	}
	if err == nil {
		err = os.Rename(filepath.Join(im.cfg.SpoolDir, name), filepath.Join(dir, name))
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Error("move refused recording tar to the failed folder", zap.Error(err))
	}
}

func containsRecord(recs []store.Recording, id string) bool {
	for _, r := range recs {
		if r.RecordID == id {
			return true
		}
	}
	return false
}
