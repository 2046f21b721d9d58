package handlers

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/recordings"
)

func init() {
	apiRoutes["deleteRecordings"] = apiRoute{methods: getOnly, serve: (*Handler).serveDeleteRecordings}
}

const msgDeleteFailed = "Unable to delete recording."

// serveDeleteRecordings removes the listed recordings' files from both the
// publish and the unpublish directory and marks them deleted; the rows stay
// (spec/scalelite.md §8.4, DESIGN §6.8).
func (h *Handler) serveDeleteRecordings(w http.ResponseWriter, r *http.Request) error {
	if h.settings.Recordings.Disabled {
		return bbb.WriteError(w, bbb.ErrRecordingsNotFound)
	}
	ctx, cancel := h.callContext(r)
	defer cancel()
	a, err := h.readRequest(ctx, r, "deleteRecordings", formBody)
	if err != nil {
		return h.fail(w, nil, "deleteRecordings", err, msgDeleteFailed)
	}
	ids := recordings.SplitList(a.params.Get("recordID"))
	if len(ids) == 0 {
		return bbb.WriteError(w, bbb.ErrMissingRecordID)
	}
	if h.recordings == nil {
		return h.fail(w, a.log, "deleteRecordings", errNoRecordingStore, msgDeleteFailed)
	}
	found, err := h.recordings.FindRecordings(ctx, ids, a.tenant.ID)
	if err != nil {
		return h.fail(w, a.log, "deleteRecordings", err, msgDeleteFailed)
	}
	if len(found) == 0 {
		return bbb.WriteError(w, bbb.ErrRecordingsNotFound)
	}
	files := h.recordingFiles()
	for _, rec := range found {
		// Files first: a recording marked deleted whose files remain would
		// never be cleaned up, while files gone under a live row are only
		// a failed call, repeated with the same result.
		if err := files.Delete(rec); err != nil {
			return h.fail(w, a.log, "deleteRecordings", err, msgDeleteFailed)
		}
		if err := h.recordings.MarkDeleted(ctx, []string{rec.RecordID}); err != nil {
			return h.fail(w, a.log, "deleteRecordings", err, msgDeleteFailed)
		}
		a.log.Info("recording deleted", zap.String("recording", rec.RecordID))
	}
	return bbb.WriteXML(w, bbb.DeleteRecordingsResponse{ReturnCode: bbb.ReturnSuccess, Deleted: true})
}
