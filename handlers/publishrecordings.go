package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/recordings"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func init() {
	apiRoutes["publishRecordings"] = apiRoute{methods: getOnly, serve: (*Handler).servePublishRecordings}
}

const msgPublishFailed = "Unable to publish/unpublish recording."

// servePublishRecordings publishes or unpublishes recordings: their folders
// move between publish_dir and unpublish_dir, then the store records the
// decision, which a later re-import keeps (spec/scalelite.md §8.2).
func (h *Handler) servePublishRecordings(w http.ResponseWriter, r *http.Request) error {
	if h.settings.Recordings.Disabled {
		return bbb.WriteError(w, bbb.ErrRecordingsNotFound)
	}
	ctx, cancel := h.callContext(r)
	defer cancel()
	a, err := h.readRequest(ctx, r, "publishRecordings", formBody)
	if err != nil {
		return h.fail(w, nil, "publishRecordings", err, msgPublishFailed)
	}
	ids := recordings.SplitList(a.params.Get("recordID"))
	if len(ids) == 0 {
		return bbb.WriteError(w, bbb.ErrMissingRecordID)
	}
	publishParam := a.params.Get("publish")
	if strings.TrimSpace(publishParam) == "" {
		return bbb.WriteError(w, bbb.ErrMissingPublish)
	}
	publish := strings.EqualFold(publishParam, "true")
	if h.recordings == nil {
		return h.fail(w, a.log, "publishRecordings", errNoRecordingStore, msgPublishFailed)
	}
	found, err := h.recordings.FindRecordings(ctx, ids, a.tenant.ID)
	if err != nil {
		return h.fail(w, a.log, "publishRecordings", err, msgPublishFailed)
	}
	var changed []store.Recording
	matched := false
	for _, rec := range found {
		if rec.State != "published" && rec.State != "unpublished" {
			continue
		}
		matched = true
		if rec.Published != publish {
			changed = append(changed, rec)
		}
	}
	if !matched {
		return bbb.WriteError(w, bbb.ErrRecordingsNotFound)
	}
	if err := h.setPublished(ctx, a.log, changed, publish); err != nil {
		return h.fail(w, a.log, "publishRecordings", err, msgPublishFailed)
	}
	return bbb.WriteXML(w, bbb.PublishRecordingsResponse{ReturnCode: bbb.ReturnSuccess, Published: publishParam})
}

// setPublished moves the files of each recording, then records the new state
// of those whose files all moved. A failure stops the loop: the recordings
// done so far stay done, and the call can simply be repeated.
func (h *Handler) setPublished(ctx context.Context, log *zap.Logger, rs []store.Recording, publish bool) error {
	files := h.recordingFiles()
	var done []string
	var moveErr error
	for _, rec := range rs {
		if err := files.SetPublished(rec, publish); err != nil {
			moveErr = err
			break
		}
		done = append(done, rec.RecordID)
	}
	if len(done) > 0 {
		if err := h.recordings.SetPublished(ctx, done, publish); err != nil {
			return errors.Join(moveErr, err)
		}
		log.Info("recordings published", zap.Strings("recordings", done), zap.Bool("published", publish))
	}
	return moveErr
}

// recordingFiles is where recordings' files live under this config.
func (h *Handler) recordingFiles() recordings.Files {
	return recordings.Files{PublishDir: h.settings.Recordings.PublishDir, UnpublishDir: h.settings.Recordings.UnpublishDir}
}
