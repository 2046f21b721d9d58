package handlers

import (
	"net/http"
	"strings"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/recordings"
)

func init() {
	apiRoutes["updateRecordings"] = apiRoute{methods: getPost, serve: (*Handler).serveUpdateRecordings}
}

const msgUpdateFailed = "Unable to update recordings."

// serveUpdateRecordings sets or deletes metadata and sets protection on
// every listed recording, in any state (spec/scalelite.md §8.3, DESIGN §6.8).
// If one id is unknown, or another tenant's, nothing changes and updated is
// false.
func (h *Handler) serveUpdateRecordings(w http.ResponseWriter, r *http.Request) error {
	if h.settings.Recordings.Disabled {
		return bbb.WriteError(w, bbb.ErrRecordingsNotFound)
	}
	ctx, cancel := h.callContext(r)
	defer cancel()
	a, err := h.readRequest(ctx, r, "updateRecordings", formBody)
	if err != nil {
		return h.fail(w, nil, "updateRecordings", err, msgUpdateFailed)
	}
	ids := recordings.SplitList(a.params.Get("recordID"))
	if len(ids) == 0 {
		return bbb.WriteError(w, bbb.ErrMissingRecordID)
	}
	if h.recordings == nil {
		return h.fail(w, a.log, "updateRecordings", errNoRecordingStore, msgUpdateFailed)
	}
	found, err := h.recordings.FindRecordings(ctx, ids, a.tenant.ID)
	if err != nil {
		return h.fail(w, a.log, "updateRecordings", err, msgUpdateFailed)
	}
	notUpdated := bbb.UpdateRecordingsResponse{ReturnCode: bbb.ReturnSuccess, Updated: false}
	if len(found) != len(ids) {
		return bbb.WriteXML(w, notUpdated)
	}
	meta := h.metadataUpdate(a.params)
	protect, setProtect := parseProtect(a.params)
	if len(meta) > 0 {
		if err := h.recordings.UpdateMetadata(ctx, ids, meta); err != nil {
			return h.fail(w, a.log, "updateRecordings", err, msgUpdateFailed)
		}
	}
	if setProtect {
		if err := h.recordings.SetProtected(ctx, ids, protect); err != nil {
			return h.fail(w, a.log, "updateRecordings", err, msgUpdateFailed)
		}
	}
	return bbb.WriteXML(w, bbb.UpdateRecordingsResponse{ReturnCode: bbb.ReturnSuccess, Updated: len(meta) > 0 || setProtect})
}

// metadataUpdate collects the meta_<key> parameters, keys lower-cased as BBB
// does; an empty value deletes the key. A key that is not an XML name is
// dropped, since getRecordings could not write it. Under multitenancy the
// tenant keys are not the caller's to change: rewriting tenant-id would move
// a recording into another tenant's listing.
func (h *Handler) metadataUpdate(p bbb.Params) map[string]string {
	meta := map[string]string{}
	for _, kv := range p {
		key, ok := strings.CutPrefix(kv.Key, "meta_")
		if !ok {
			continue
		}
		key = strings.ToLower(key)
		if !isXMLName(key) {
			continue
		}
		if h.settings.Multitenancy != "" && (key == bbb.MetaTenantID || key == "tenant-name") {
			continue
		}
		v := kv.Value
		if strings.TrimSpace(v) == "" {
			v = ""
		}
		meta[key] = v
	}
	return meta
}

// parseProtect reads protect=true|false; any other value leaves protection
// as it is.
func parseProtect(p bbb.Params) (protect, set bool) {
	v, ok := p.Lookup("protect")
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// isXMLName reports whether s can be an element name: ASCII letters, digits,
// '-', '_' and '.', not starting with a digit, '-' or '.', and not "xml…".
func isXMLName(s string) bool {
	if s == "" || strings.HasPrefix(s, "xml") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}
